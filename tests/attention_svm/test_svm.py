"""Att-SVM solvers: certificates (KKT), closed-form instances, infeasibility, masks, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.attention_svm import (
    correlation,
    enumerate_alphas,
    flatten_queries,
    is_feasible,
    is_locally_optimal,
    optimal_tokens,
    solve_att_svm,
    solve_att_svm_cvxpy,
    token_scores,
)

X1 = np.array([[[-0.1, 1.0], [1.0, 0.0], [0.0, 0.0]]])
Z1 = np.array([[1.0, 0.0]])
X3 = np.array([[[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]]])
Z3 = np.array([[0.0, 1.0]])


def _data(seed, n=6, T=5, d=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, d))
    X /= np.linalg.norm(X, axis=2, keepdims=True)
    Z = rng.standard_normal((n, d))
    return X, Z, rng.integers(0, T, n)


def _certificate(X, Z, alpha, res):
    """Primal feasibility, dual feasibility, complementarity and stationarity, recomputed."""
    n, T, _ = X.shape
    D = X[np.arange(n), alpha][:, None, :] - X
    m = np.einsum("itd,de,ie->it", D, res.W, Z)
    off = np.ones((n, T), bool)
    off[np.arange(n), alpha] = False
    lam = np.where(off, res.multipliers, 0.0)
    assert m[off].min() >= 1 - 1e-10 * max(1.0, res.objective)  # accuracy degrades near infeasibility
    assert lam[off].min() >= 0
    # Relative to the scale of the multipliers and of W (near-infeasible data have huge lambda).
    np.testing.assert_allclose(lam[off] * (m[off] - 1), 0, atol=1e-10 * max(1.0, lam.max()))
    np.testing.assert_allclose(np.einsum("it,itd,ie->de", lam, D, Z), res.W,
                               atol=1e-10 * max(1.0, res.objective))
    np.testing.assert_allclose(lam.sum(), res.objective**2, rtol=1e-10)


@settings(max_examples=15)
@given(seed=st.integers(0, 10_000), d=st.integers(3, 6))
def test_frobenius_kkt_certificate(seed, d):
    X, Z, alpha = _data(seed, d=d)
    res = solve_att_svm(X, Z, alpha)
    if res.status == "infeasible":
        assert not is_feasible(X, Z, alpha)
        return
    _certificate(X, Z, alpha, res)
    assert res.diagnostics["primal_violation"] <= 1e-10 * max(1.0, res.objective)


def test_frobenius_matches_cvxpy():
    X, Z, alpha = _data(3, n=10, T=5, d=5)
    ours, ref = solve_att_svm(X, Z, alpha), solve_att_svm_cvxpy(X, Z, alpha)
    assert ours.status == ref.status == "optimal"
    np.testing.assert_allclose(ours.objective, ref.objective, rtol=1e-6)
    np.testing.assert_allclose(ours.W, ref.W, atol=1e-3)


def test_instance_one_all_alphas():
    want = {0: [[-0.0990099, 0], [0.990099, 0]], 1: [[1, 0], [0, 0]], 2: [[-1, 0], [-1.1, 0]]}
    gamma = token_scores(X1, [1.0], [0.9, 1.09])
    for a, W in want.items():
        res = solve_att_svm(X1, Z1, [a])
        np.testing.assert_allclose(res.W, W, atol=1e-7)
        assert is_locally_optimal(X1, Z1, [a], gamma) == (a != 2)
    np.testing.assert_allclose(solve_att_svm(X1, Z1, [0]).objective, 1 / np.sqrt(1.01), rtol=1e-12)
    assert list(solve_att_svm(X1, Z1, [2]).support[0]) == [0, 1]


def test_instance_two_nuclear_differs():
    X = np.array([[[1.0, 0.0], [0.0, 0.0]], [[0.0, 1.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]])
    Z = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    f, nuc = solve_att_svm(X, Z, [0, 0, 0]), solve_att_svm(X, Z, [0, 0, 0], norm="nuc")
    np.testing.assert_allclose(f.W, [[1, 1], [0, 1]], atol=1e-12)
    np.testing.assert_allclose(nuc.objective, 2.0, rtol=1e-6)
    np.testing.assert_allclose(nuc.W, np.ones((2, 2)), atol=1e-3)
    assert nuc.objective <= np.linalg.norm(f.W, "nuc")
    assert f.objective <= np.linalg.norm(nuc.W)
    np.testing.assert_allclose(correlation(f.W, nuc.W), np.sqrt(3) / 2, atol=1e-4)


def test_infeasible_is_a_status():
    for norm in ("fro", "nuc"):
        res = solve_att_svm(X3, Z3, [2], norm=norm)
        assert res.status == "infeasible" and np.isinf(res.objective) and np.all(np.isnan(res.W))
        assert res.multipliers is None
    assert solve_att_svm_cvxpy(X3, Z3, [2]).status == "infeasible"
    assert not is_feasible(X3, Z3, [2]) and is_feasible(X3, Z3, [0])
    assert not is_locally_optimal(X3, Z3, [2], np.zeros((1, 3)))


def test_mask_and_no_constraints():
    X, Z, alpha = _data(1, n=2, T=4, d=3)
    mask = np.zeros((2, 4), bool)
    mask[np.arange(2), alpha] = True
    res = solve_att_svm(X, Z, alpha, mask=mask)
    assert res.status == "optimal" and res.objective == 0.0
    np.testing.assert_array_equal(res.W, 0.0)
    # Hiding a token removes exactly its constraint.
    full = solve_att_svm(X, Z, alpha)
    mask = np.ones((2, 4), bool)
    hidden = (alpha[0] + 1) % 4
    mask[0, hidden] = False
    part = solve_att_svm(X, Z, alpha, mask=mask)
    assert np.isnan(part.margins[0, hidden]) and part.objective <= full.objective + 1e-12


def test_flatten_queries_shapes_and_causal_mask():
    Xs = np.random.default_rng(0).standard_normal((2, 3, 4))
    flat = flatten_queries(Xs, "all", causal=True)
    assert flat.X.shape == (6, 3, 4) and flat.Z.shape == (6, 4)
    np.testing.assert_array_equal(flat.mask[:3], np.tril(np.ones((3, 3), bool)))
    np.testing.assert_array_equal(flat.Z[4], Xs[1, 1])
    last = flatten_queries(Xs, "last")
    assert last.X.shape == (2, 3, 4) and last.mask.all()
    cross = flatten_queries(Xs, np.ones((2, 2, 4)), causal=True)
    assert cross.mask[1].tolist() == [True, True, False]
    with pytest.raises(ValueError, match="queries"):
        flatten_queries(Xs, np.ones((2, 4, 4)), causal=True)


def test_optimal_tokens_and_ties():
    np.testing.assert_array_equal(optimal_tokens(X1, [1.0], [0.9, 1.09]), [0])
    with pytest.raises(ValueError, match="not unique"):
        optimal_tokens(np.array([[[1.0, 0.0], [1.0, 0.0]]]), [1.0], [1.0, 0.0])


def test_correlation():
    A = np.arange(4.0).reshape(2, 2)
    assert correlation(A, 2 * A) == pytest.approx(1.0)
    assert correlation(A, -A) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="zero"):
        correlation(A, np.zeros((2, 2)))


def test_enumerate_alphas():
    alphas = list(enumerate_alphas(2, 3))
    assert len(alphas) == 9
    assert [a.tolist() for a in alphas[:2]] == [[0, 0], [0, 1]] and alphas[-1].tolist() == [2, 2]


@pytest.mark.parametrize("n, T, name", [(True, 3, "n"), (2.5, 3, "n"), ("2", 3, "n"), (0, 3, "n"),
                                        (2, True, "T"), (2, 2.5, "T"), (2, "3", "T"), (2, 0, "T"),
                                        (10**9, 3, "n"), (2, 10**9, "T"), (10**9, 1, "n")])
def test_enumerate_alphas_validates_when_called(n, T, name):
    # Regression (issue 15): a generator function validated nothing until iterated, accepted
    # True / 2.5 / "2", and product(range(10**9), repeat=2) exhausted memory.
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        enumerate_alphas(n, T)


@pytest.mark.parametrize("kwargs, match", [
    ({"Z": np.ones((2, 3))}, "Z"),
    ({"alpha": [0, 5]}, "alpha"),
    ({"alpha": [0]}, "alpha"),
    ({"alpha": [0.5, 1]}, "alpha"),
    ({"norm": "spectral"}, "norm"),
    ({"X": np.full((2, 3, 2), np.nan)}, "X"),
    ({"mask": np.array([[False, True, True], [True, True, True]])}, "mask"),
    ({"mask": np.ones((2, 2), bool)}, "mask"),
])
def test_bad_input_raises(kwargs, match):
    args = {"X": np.ones((2, 3, 2)), "Z": np.ones((2, 2)), "alpha": [0, 1]}
    args.update(kwargs)
    extra = {k: args.pop(k) for k in ("norm", "mask") if k in args}
    with pytest.raises(ValueError, match=match):
        solve_att_svm(args["X"], args["Z"], args["alpha"], **extra)


def test_data_helpers():
    from theory.attention_svm import random_instance, reference_instance

    X, Z, Y, v = random_instance(3, 4, 5, rng=0)
    assert X.shape == (3, 4, 5) and Z.shape == (3, 5) and Y.shape == (3,) and v.shape == (5,)
    np.testing.assert_allclose(np.linalg.norm(X, axis=2), 1.0)
    np.testing.assert_array_equal(random_instance(3, 4, 5, rng=0)[0], X)
    for k in (1, 2, 3):
        Xk, Zk, Yk, vk = reference_instance(k)
        assert Xk.shape[0] == Zk.shape[0] == Yk.shape[0]
    with pytest.raises(ValueError, match="k"):
        reference_instance(4)
    with pytest.raises(ValueError, match="d"):
        random_instance(3, 4, 0)
