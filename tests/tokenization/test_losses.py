"""Exact and Monte Carlo token-model losses."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory.tokenization import (
    BPETokenizer,
    GreedyTokenizer,
    MarkovSource,
    fixed_length_dictionary,
    heavy_hitter_dictionary,
    lz78_dictionary,
    ngram_loss,
    renewal_chain,
    unigram_loss,
)

D1 = GreedyTokenizer([(0,), (1,), (0, 0), (1, 1), (0, 1, 0), (1, 0, 1)])
SW = MarkovSource.switching(2, 0.8, 0.8)


def test_reference_instance_i5():
    res = unigram_loss(SW, D1)
    assert abs(res.value - 0.768249799586) < 1e-11
    assert res.n_states == 10 and res.status == "exact" and res.stderr == 0.0
    assert abs(res.tokens_per_char - 37 / 68) < 1e-14
    want = {(0,): 4 / 37, (1,): 4 / 37, (0, 0): 27 / 74, (1, 1): 27 / 74, (0, 1, 0): 1 / 37,
            (1, 0, 1): 1 / 37}
    for t, f in want.items():
        assert abs(res.token_frequencies[t] - f) < 1e-13
    f = np.array(list(res.token_frequencies.values()))
    # (star): L1 = r H(f) = H(f) / lbar
    assert abs(res.value - res.tokens_per_char * -(f * np.log(f)).sum()) < 1e-13
    assert abs(-(f * np.log(f)).sum() - 1.411918550591) < 1e-11
    for n in (2, 3):
        assert abs(ngram_loss(SW, D1, n).value - SW.entropy_rate()) < 1e-12


def test_fixed_length_values():
    for r, want in [(2, 0.693147180560), (3, 0.628898928219), (4, 0.596774802049)]:
        tok = GreedyTokenizer(fixed_length_dictionary(2, r))
        assert abs(unigram_loss(SW, tok).value - want) < 1e-11
        assert abs(SW.block_entropy(r) / r - want) < 1e-11
        blocks = GreedyTokenizer(list(itertools.product(range(2), repeat=r)))
        assert unigram_loss(SW, blocks).method_used == "renewal"
        assert abs(unigram_loss(SW, blocks).value - want) < 1e-11


@given(st.integers(1, 3), st.integers(2, 3), st.integers(0, 10**6))
def test_alphabet_gives_marginal_entropy(k, V, seed):
    src = MarkovSource.random(k, V, rng=seed)
    res = unigram_loss(src, GreedyTokenizer([(a,) for a in range(V)]))
    assert abs(res.value - src.cond_entropy(1)) < 1e-10
    assert abs(res.tokens_per_char - 1.0) < 1e-12


@given(st.integers(1, 2), st.integers(0, 10**6), st.integers(100, 400))
def test_losses_above_entropy_rate_and_monotone(k, seed, m):
    src = MarkovSource.random(k, 2, rng=seed, min_prob=0.02)
    x = src.sample(m, rng=seed)
    h = src.entropy_rate()
    for tok in (GreedyTokenizer(lz78_dictionary(x, max_size=12, V=2)), BPETokenizer.train(x, 4, V=2)):
        losses = [ngram_loss(src, tok, n).value for n in (1, 2)]
        assert losses[0] >= losses[1] - 1e-10 >= h - 2e-10


def test_renewal_equals_joint_chain():
    src = MarkovSource.random(2, 2, rng=11, min_prob=0.05)
    tok = GreedyTokenizer(heavy_hitter_dictionary(src, 0.02))
    a = unigram_loss(src, tok)
    b = unigram_loss(src, tok, route="joint")
    assert a.method_used == "renewal" and b.method_used == "joint"
    assert abs(a.value - b.value) < 1e-12
    assert abs(a.tokens_per_char - b.tokens_per_char) < 1e-12
    ch = renewal_chain(src, tok)
    np.testing.assert_allclose(ch.token_probs.sum(axis=1), 1.0, atol=1e-12)
    # renewal-reward: H_inf lbar = E_rho[-log P(t|c)]
    with np.errstate(divide="ignore"):
        logp = np.where(ch.token_probs > 0, np.log(np.where(ch.token_probs > 0, ch.token_probs, 1)), 0)
    assert abs(src.entropy_rate() * ch.mean_length + ch.rho @ (ch.token_probs * logp).sum(axis=1)) < 1e-12


def test_several_closed_classes_are_weighted():
    # 0101... with blocks of length 2: phase 0 emits only "01", phase 1 only "10"
    src = MarkovSource.switching(1, 1.0, 1.0)
    blocks = GreedyTokenizer(list(itertools.product(range(2), repeat=2)))
    for route in ("renewal", "joint"):
        res = unigram_loss(src, blocks, route=route)
        assert res.diagnostics["closed_classes"] == 2
        assert abs(res.value - math.log(2) / 2) < 1e-12
        assert abs(res.token_frequencies[(0, 1)] - 0.5) < 1e-12


def test_bpe_cascade_exact_matches_reference_and_mc():
    x = SW.sample(20_000, rng=0)
    tok = BPETokenizer.train(x, 6)
    exact = unigram_loss(SW, tok)
    assert exact.method_used == "cascade"
    mc = unigram_loss(SW, tok, method="mc", n_seqs=10, seq_len=20_000, rng=1)
    assert mc.status == "mc" and mc.stderr > 0
    assert abs(exact.value - mc.value) <= 4 * mc.stderr + 1e-3
    assert abs(exact.tokens_per_char - mc.tokens_per_char) < 5e-3


def test_mc_matches_exact_for_greedy_and_bigram():
    for n in (1, 2):
        exact = ngram_loss(SW, D1, n)
        mc = ngram_loss(SW, D1, n, method="mc", n_seqs=10, seq_len=20_000, rng=n)
        assert abs(exact.value - mc.value) <= 4 * mc.stderr + 1e-3


def test_state_limit_and_fallback():
    x = SW.sample(5000, rng=0)
    tok = BPETokenizer.train(x, 12)
    lim = unigram_loss(SW, tok, max_states=20, fallback=False)
    assert lim.status == "state_limit" and math.isnan(lim.value)
    fb = unigram_loss(SW, tok, max_states=20, n_seqs=4, seq_len=5000, rng=0)
    assert fb.status == "fallback_mc" and math.isfinite(fb.value) and fb.stderr > 0


def test_bad_inputs():
    with pytest.raises(ValueError, match="tokenizer"):
        unigram_loss(MarkovSource.random(1, 3, rng=0), D1)
    with pytest.raises(ValueError, match="method"):
        unigram_loss(SW, D1, method="sampling")
    with pytest.raises(ValueError, match="route"):
        ngram_loss(SW, D1, 2, route="renewal")
    with pytest.raises(ValueError, match="n_seqs"):
        unigram_loss(SW, D1, method="mc", n_seqs=1)
    with pytest.raises(ValueError, match="trim"):
        unigram_loss(SW, D1, method="mc", seq_len=100, trim=60)
    with pytest.raises(ValueError, match="source"):
        unigram_loss("sw", D1)
