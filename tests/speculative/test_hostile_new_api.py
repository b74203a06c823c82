"""Regression tests for hostile inputs of the batched, file and tree functions (issue 15), found by
the adversarial suite once they were merged: each malformed input raises an error naming the
argument, and each huge size gives a correct value (checked against the single-pair route) or a
clean refusal instead of exhausting memory or time."""

from __future__ import annotations

import numpy as np
import pytest

from theory.speculative import (
    MarkovLM,
    RowReader,
    acceptance_rate,
    acceptance_rate_batch,
    check_lossless,
    expected_accepted,
    from_logits,
    optimal_acceptance,
    optimal_acceptance_batch,
    random_markov_pair,
    save_safetensors,
    synthetic_logits,
    tree_verifier,
)

P = np.array([[0.3, 0.3, 0.4], [0.5, 0.3, 0.2]])
Q = np.array([[0.5, 0.45, 0.05], [0.2, 0.5, 0.3]])


@pytest.mark.parametrize("bad", [P + 0.1j, P > 0, np.array([["a", "b", "c"]])])
def test_batch_refuses_complex_bool_and_text_arrays(bad):
    # complex arrays were cast to float64 with the imaginary part dropped, silently
    with pytest.raises(TypeError, match="target"):
        optimal_acceptance_batch(bad, Q, 2)
    with pytest.raises(TypeError, match="draft"):
        acceptance_rate_batch("rrs", P, bad, 2)
    with pytest.raises(TypeError, match="logits"):
        from_logits(bad)


@pytest.mark.parametrize("kwargs, name", [({"temperature": True}, "temperature"),
                                          ({"temperature": 0.5 + 0.5j}, "temperature"),
                                          ({"top_p": True}, "top_p")])
def test_from_logits_refuses_boolean_and_complex_options(kwargs, name):
    # temperature=True and top_p=True were read as 1.0
    with pytest.raises(ValueError, match=name):
        from_logits(np.log(P), **kwargs)


@pytest.mark.parametrize("k", [50, 10**4, 10**9])
def test_batch_rrs_huge_k_matches_single_pair(k):
    # the residual loop ran K times (10**9: a hang); it now stops at the chain's fixed point
    want = [acceptance_rate("rrs", p, q, k) for p, q in zip(P, Q)]
    np.testing.assert_allclose(acceptance_rate_batch("rrs", P, Q, k), want, rtol=0, atol=1e-12)


def test_batch_wor_huge_k_acts_as_the_support():
    # a set of every K_eff in range(smallest support, K) was built (10**9: MemoryError)
    v = P.shape[1]
    np.testing.assert_allclose(optimal_acceptance_batch(P, Q, 10**9, drafts="wor"),
                               optimal_acceptance_batch(P, Q, v, drafts="wor"), rtol=0, atol=0)
    np.testing.assert_allclose(optimal_acceptance_batch(P, Q, v, drafts="wor"),
                               [optimal_acceptance(p, q, v, drafts="wor") for p, q in zip(P, Q)],
                               rtol=0, atol=1e-9)


@pytest.mark.parametrize("array, name", [
    (np.zeros(3), "array"), (np.float64(0.5), "array"), (np.zeros((2, 2, 2)), "array"),
    (np.zeros((0, 3)), "array"), (np.array([[0.0, np.nan]]), "array"), (np.array([[0.0, np.inf]]), "array"),
    (np.zeros((2, 2)) + 0.1j, "array"), (np.zeros((2, 2), dtype=bool), "array")])
def test_save_safetensors_refuses_what_no_reader_takes(tmp_path, array, name):
    # 0-d/1-d arrays were written as 1-d tensors, NaN written silently, complex cast under bf16
    for bf16 in (False, True):
        with pytest.raises(ValueError, match=name):
            save_safetensors(tmp_path / "x.safetensors", array, bf16=bf16)
    assert not (tmp_path / "x.safetensors").exists()


def test_save_safetensors_keeps_masked_logits_and_reads_back(tmp_path):
    z = np.array([[0.5, -np.inf, 2.0], [1.0, 0.0, -1.0]])
    save_safetensors(tmp_path / "z.safetensors", z)
    np.testing.assert_array_equal(RowReader(tmp_path / "z.safetensors").read(0, 2), z)
    with pytest.raises(TypeError, match="name"):
        save_safetensors(tmp_path / "z.safetensors", z, name=5)


def test_row_reader_validates_path_and_row_range(tmp_path):
    np.save(tmp_path / "r.npy", np.arange(6.0).reshape(3, 2))
    reader = RowReader(tmp_path / "r.npy")
    np.testing.assert_array_equal(reader.read(1, 3), [[2.0, 3.0], [4.0, 5.0]])
    assert reader.read(2, 2).shape == (0, 2)
    for lo, hi, name in ((-1, 1, "lo"), (4, 4, "lo"), (2, 1, "hi"), (0, 4, "hi"), (0.5, 1, "lo")):
        with pytest.raises(ValueError, match=name):  # read(2, 1) asked for a negative count
            reader.read(lo, hi)
    with pytest.raises(TypeError, match="path"):
        RowReader(5)


@pytest.mark.parametrize("kwargs", [{"n": 10**9}, {"vocab": 10**9}, {"hidden": 10**9}])
def test_synthetic_logits_size_guard(kwargs):
    args = {"n": 3, "vocab": 5, "hidden": 4, **kwargs}
    with pytest.raises(ValueError, match=r"n, vocab, hidden"):
        synthetic_logits(args["n"], args["vocab"], hidden=args["hidden"], rng=0)


def test_markov_sizes_are_checked_without_huge_powers():
    # 3**(10**9) was computed exactly before the comparison (a hang)
    with pytest.raises(ValueError, match="order"):
        random_markov_pair(3, 10**9, 0)
    with pytest.raises(ValueError, match="vocab"):
        random_markov_pair(10**9, 0, 0)
    (p, _), (q, _) = random_markov_pair(3, 1, 0)
    with pytest.raises(ValueError, match="target"):
        expected_accepted((p, 10**9), (q, 1), ((),))


def test_markov_models_are_validated_even_when_built_as_markovlm():
    # MarkovLM (a NamedTuple) validates nothing when built; it used to be trusted as is
    bad = MarkovLM(np.array([[1.5, -0.5]]), 0)
    with pytest.raises(ValueError, match="target"):
        expected_accepted(bad, [0.5, 0.5], ((),))
    with pytest.raises(TypeError, match="target"):
        expected_accepted(np.array([0.5, 0.5]) + 0.1j, [0.5, 0.5], ((),))
    good = expected_accepted(MarkovLM(np.array([[0.5, 0.5]]), 0), [0.5, 0.5], ((),))
    assert good.value == pytest.approx(1.0)


def test_check_lossless_caps_the_number_of_calls():
    with pytest.raises(ValueError, match=r"\bn\b"):
        check_lossless(tree_verifier("rrs"), [0.5, 0.5], [0.4, 0.6], ((),), n=10**9, rng=0)


def test_expected_accepted_monte_carlo_caps_the_number_of_calls():
    # n = 10**9 allocated arrays of n int64 per node (MemoryError) instead of a clean refusal
    with pytest.raises(ValueError, match=r"\bn\b"):
        expected_accepted([0.5, 0.5], [0.4, 0.6], ((),), method="mc", n=10**9, rng=0)
    res = expected_accepted([0.5, 0.5], [0.4, 0.6], ((),), method="mc", n=20_000, rng=0)
    exact = expected_accepted([0.5, 0.5], [0.4, 0.6], ((),)).value  # sum min(p, q) = 0.9
    assert exact == pytest.approx(0.9) and abs(res.value - exact) <= 6 * res.stderr
