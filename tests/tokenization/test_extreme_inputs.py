"""Near-deterministic sources (issue 15): stationary laws and token rates against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from theory.tokenization import (
    GreedyTokenizer,
    MarkovSource,
    MergeTransducer,
    binary_entropy,
    token_rates_exact,
)


@pytest.mark.parametrize(("a", "b"), [(1e-15, 1e-15), (1e-300, 1e-300), (1e-300, 5e-324), (1e-12, 3e-12)])
def test_two_state_stationary_law_with_tiny_exits(a, b):
    # Two-state chain with exit rates a (0 -> 1) and b (1 -> 0): mu = (b, a) / (a + b).
    # Before: [0.5002, 0.4998] at 1e-15, [1, 0] at 1e-300, NaN with a subnormal exit.
    src = MarkovSource(np.array([[1 - a, a], [b, 1 - b]]), 1)
    want = np.array([b, a]) / (a + b)
    assert np.allclose(src.stationary(), want, rtol=1e-12, atol=1e-15)


def test_token_rates_of_a_sticky_chain():
    # Runs of length ~1e300: half of the characters in 0-runs, half in 1-runs, paired greedily.
    src = MarkovSource(np.array([[1.0, 1e-300], [1e-300, 1.0]]), 1)
    rates = token_rates_exact(src, GreedyTokenizer([(0,), (1,), (0, 0), (1, 1)]))
    assert rates.tokens == pytest.approx([0.0, 0.0, 0.25, 0.25], abs=1e-15)


@pytest.mark.parametrize("bad", [True, -0.1, 1.5, float("nan"), 0.5j, "0.5"])
def test_binary_entropy_validates(bad):
    with pytest.raises(ValueError, match="p"):
        binary_entropy(bad)


@pytest.mark.parametrize("bad", [True, 2.5, "1", -1])
def test_merge_transducer_ids_are_integers(bad):
    with pytest.raises(ValueError, match="left"):
        MergeTransducer(bad, 1, 2)


def test_stationary_law_when_rate_ratios_overflow():
    # Exit rates 1e-15 and 5e-324: their ratio overflows a double; the log-space GTH gives
    # mu = (5e-324, 1e-15) / sum. Before: IndexError deep in the joint chain (NaN labels).
    src = MarkovSource(np.array([[1 - 1e-15, 1e-15], [5e-324, 1.0]]), 1)
    mu = src.stationary()
    assert mu[1] == 1.0 and 0 <= mu[0] < 1e-300


@pytest.mark.parametrize(("call", "name"), [
    (lambda: MarkovSource(np.array([[0.5, 0.5], [0.5, 0.5]]), 10**9), "k"),
    (lambda: __import__("theory.tokenization", fromlist=["x"]).fixed_length_dictionary(2, 10**9), "r"),
])
def test_huge_sizes_refused(call, name):
    with pytest.raises(ValueError, match=name):
        call()
