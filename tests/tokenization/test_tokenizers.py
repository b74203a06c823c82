"""Greedy and BPE tokenizers and the dictionary builders."""

from __future__ import annotations

import itertools

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
    is_complete_prefix_free,
    lz78_dictionary,
    lzw_dictionary,
)
from theory.tokenization.reference import bpe_train, greedy_parse

D1 = [(0,), (1,), (0, 0), (1, 1), (0, 1, 0), (1, 0, 1)]
bits = st.lists(st.integers(0, 1), max_size=60)


def _s(text):
    return [int(c) for c in text]


def test_greedy_reference_example():
    tok = GreedyTokenizer(D1)
    assert tok.encode(_s("0100101100111010")) == [
        (0, 1, 0), (0, 1, 0), (1, 1), (0, 0), (1, 1), (1, 0, 1), (0,)]


@st.composite
def dictionaries(draw):
    V = draw(st.integers(2, 3))
    extra = draw(st.lists(st.lists(st.integers(0, V - 1), min_size=2, max_size=5), max_size=8))
    toks = [(a,) for a in range(V)] + sorted({tuple(t) for t in extra})
    return V, toks


@given(dictionaries(), st.data())
def test_greedy_matches_definition_and_roundtrips(vd, data):
    V, toks = vd
    x = data.draw(st.lists(st.integers(0, V - 1), max_size=50))
    tok = GreedyTokenizer(toks, V=V)
    enc = tok.encode(x)
    assert enc == greedy_parse(x, toks)
    assert np.array_equal(tok.decode(enc), np.array(x, dtype=np.int64))
    # the online form: stream through the automaton, then settle what is left at the end
    auto = tok.automaton()
    state, out = auto.start, []
    for a in x:
        state, emitted = auto.step(state, a)
        out.extend(tok.vocab[t] for t in emitted)
    while state:
        best = max((t for t in toks if state[:len(t)] == t), key=len)
        out.append(best)
        state = state[len(best):]
    assert out == enc


def test_prefix_free_dictionary_without_single_symbols():
    blocks = list(itertools.product(range(2), repeat=2))
    tok = GreedyTokenizer(blocks)
    assert tok.prefix_free and is_complete_prefix_free(blocks, 2)
    assert tok.encode([0, 1, 1, 1]) == [(0, 1), (1, 1)]
    with pytest.raises(ValueError, match="drop_tail"):
        tok.encode([0, 1, 1])
    assert tok.encode([0, 1, 1], drop_tail=True) == [(0, 1)]
    assert not is_complete_prefix_free([(0,), (1,), (0, 0)], 2)
    assert not is_complete_prefix_free([(0,), (1, 0)], 2)


def test_greedy_bad_inputs():
    with pytest.raises(ValueError, match="single symbol"):
        GreedyTokenizer([(0,), (0, 1)])
    with pytest.raises(ValueError, match="alphabet"):
        GreedyTokenizer([(0,), (1,), (2,)], V=2)
    with pytest.raises(ValueError, match="duplicate"):
        GreedyTokenizer([(0,), (1,), (0,)])
    tok = GreedyTokenizer([(0,), (1,)])
    with pytest.raises(ValueError, match="alphabet"):
        tok.encode([0, 2])
    with pytest.raises(ValueError, match="dictionary"):
        tok.decode([(0, 0)])
    with pytest.raises(ValueError, match="integers"):
        tok.encode([0.5, 1.0])


def test_settle():
    tok = GreedyTokenizer(D1)
    assert tok.settle([0, 1]) == ([], (0, 1))
    assert tok.settle([0, 1, 1]) == ([(0,), (1, 1)], ())  # 11 is a token but prefixes none
    assert tok.settle([1, 1, 0]) == ([(1, 1)], (0,))


def test_bpe_overlapping_counts_and_ties():
    tok = BPETokenizer.train([0, 0, 0], 1)
    assert tok.merges == [((0,), (0,))] and tok.merge_counts == [2]
    assert tok.encode([0, 0, 0]) == [(0, 0), (0,)]
    # (0,1), (1,1), (1,0) all count 1: the smallest pair of tuples wins
    tie = BPETokenizer.train([0, 1, 1, 0], 1)
    assert tie.merges == [((0,), (1,))]
    # negative control: the largest pair under the same counts would be ((1,), (1,))
    counts = {((0,), (1,)): 1, ((1,), (1,)): 1, ((1,), (0,)): 1}
    assert max(counts) != tie.merges[0]
    # (1,) + (0,) vs (1,) + (0, 0): prefix-shorter tuple is smaller
    assert BPETokenizer([((0,), (0,))], 2).vocab == [(0,), (1,), (0, 0)]


@given(bits, st.integers(0, 10))
def test_bpe_training_matches_recount_definition(x, n_merges):
    tok = BPETokenizer.train(x, n_merges, V=2)
    merges, counts = bpe_train(x, n_merges)
    assert tok.merges == merges and tok.merge_counts == counts


@given(st.integers(2, 3).flatmap(lambda V: st.tuples(
    st.just(V), st.lists(st.integers(0, V - 1), max_size=60), st.lists(st.integers(0, V - 1), max_size=60))),
    st.integers(0, 12))
def test_bpe_encoders_agree_and_roundtrip(args, n_merges):
    V, train, x = args
    tok = BPETokenizer.train(train, n_merges, V=V)
    enc = tok.encode(x)
    assert enc == tok.encode_direct(x) == tok.encode_cascade(x)
    assert np.array_equal(tok.decode(enc), np.array(x, dtype=np.int64))
    assert [tok.vocab[i] for i in tok.encode_ids(x)] == enc


def test_bpe_train_on_several_sequences_has_no_cross_boundary_pairs():
    tok = BPETokenizer.train([[0, 1], [1, 0], [0, 1]], 5)
    assert tok.merges[0] == ((0,), (1,))
    assert ((1,), (1,)) not in tok.merges
    merges, _ = bpe_train([0, 1, 1, 0, 0, 1], 1)
    assert merges == tok.merges[:1]


def test_bpe_bad_inputs():
    with pytest.raises(ValueError, match="vocabulary"):
        BPETokenizer([((0,), (0, 1))], 2)
    with pytest.raises(ValueError, match="twice"):
        BPETokenizer([((0,), (1,)), ((0,), (1,))], 2)
    with pytest.raises(ValueError, match="alphabet"):
        BPETokenizer.train([0, 3], 1, V=2)
    with pytest.raises(ValueError, match="n_merges"):
        BPETokenizer.train([0, 1], -1)


def test_lz78_and_lzw_examples():
    x = _s("001011000")
    assert lz78_dictionary(x) == [(0,), (1,), (0, 0), (1, 0), (1, 1), (0, 0, 0)]
    assert lzw_dictionary(x) == [(0,), (1,), (0, 0), (0, 1), (1, 0), (0, 1, 1), (1, 0, 0)]
    assert lz78_dictionary(x, max_size=4) == [(0,), (1,), (0, 0), (1, 0)]
    assert lzw_dictionary([0, 0], V=3) == [(0,), (1,), (2,), (0, 0)]
    with pytest.raises(ValueError, match="max_size"):
        lz78_dictionary(x, max_size=1)
    with pytest.raises(ValueError, match="alphabet"):
        lzw_dictionary([0, 2], V=2)


@given(bits)
def test_lz_dictionaries_are_prefix_closed(x):
    for builder in (lz78_dictionary, lzw_dictionary):
        D = builder(x, V=2)
        assert len(set(D)) == len(D)
        Ds = set(D)
        assert all(t[:i] in Ds for t in D for i in range(1, len(t)))


def test_fixed_length_and_heavy_hitter():
    D = fixed_length_dictionary(2, 3)
    assert len(D) == 14 and D[:2] == [(0,), (1,)]
    src = MarkovSource.switching(2, 0.1, 0.1)
    hh = heavy_hitter_dictionary(src, 0.05)
    assert len(hh) == 172 and is_complete_prefix_free(hh, 2)
    mu = src.stationary()
    for t in hh:
        assert np.max(src.string_prob(t)[mu > 0]) < 0.05
        assert np.max(src.string_prob(t[:-1])[mu > 0]) >= 0.05 if len(t) > 1 else True
    with pytest.raises(ValueError, match="max_size"):
        heavy_hitter_dictionary(MarkovSource.switching(1, 1.0, 1.0), 0.5, max_size=100)
    with pytest.raises(ValueError, match="beta"):
        heavy_hitter_dictionary(src, 0.0)
