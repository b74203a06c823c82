"""The active-set Frobenius route: agreement with NNLS and tight cvxpy, certificates, degenerate cases."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
from scipy.optimize import linprog

from theory._result import SolverResult
from theory.attention_svm import random_instance, solve_att_svm
from theory.attention_svm.svm import build_constraints


def _problem(seed, n, T, d):
    X, Z, _, _ = random_instance(n, T, d, rng=seed)
    return X, Z, np.random.default_rng(seed + 1).integers(0, T, n)


def _cvxpy_tight(X, Z, alpha):
    """min ||W||_F^2 by Clarabel at tolerances near machine precision (the independent route)."""
    n, T, d = X.shape
    cons = build_constraints(X, Z, alpha, np.ones((n, T), bool))
    W = cp.Variable((d, d))
    prob = cp.Problem(cp.Minimize(cp.sum_squares(W)), [cp.sum(cp.multiply(cons.D @ W, cons.Q), axis=1) >= 1])
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, tol_ktratio=1e-10)
    assert prob.status == cp.OPTIMAL
    return np.asarray(W.value), float(np.sqrt(prob.value))


@pytest.mark.parametrize(("seed", "n", "T", "d"),
                         [(0, 10, 5, 4), (1, 30, 6, 8), (2, 25, 8, 12), (3, 5, 12, 3)])
def test_active_set_agrees_with_nnls_and_cvxpy(seed, n, T, d):
    X, Z, alpha = _problem(seed, n, T, d)
    ours = solve_att_svm(X, Z, alpha, method="active_set")
    old = solve_att_svm(X, Z, alpha, method="nnls")
    assert old.status == "optimal"  # seeds chosen feasible
    assert ours.status == "optimal" and ours.solver == "active_set" and ours.converged
    np.testing.assert_allclose(ours.value, old.value, rtol=1e-9)
    np.testing.assert_allclose(ours.W, old.W, atol=1e-7)
    W_ref, value_ref = _cvxpy_tight(X, Z, alpha)
    np.testing.assert_allclose(ours.value, value_ref, rtol=1e-9)
    np.testing.assert_allclose(ours.W, W_ref, atol=1e-7)
    assert ours.diagnostics["kkt_residual"] <= 1e-12


def test_certificate_at_moderate_scale():
    X, Z, alpha = _problem(7, 150, 10, 20)  # 1350 constraints in R^400: the dense route is slow here
    res = solve_att_svm(X, Z, alpha)
    assert res.status == "optimal" and res.solver == "active_set"
    diag = res.diagnostics
    assert diag["kkt_residual"] <= 1e-12
    # Recomputed from the per-token outputs, not from the solver's own vectors.
    n, T, _ = X.shape
    off = ~np.isnan(res.margins)
    assert res.multipliers is not None
    lam = np.where(off, res.multipliers, 0.0)
    D = X[np.arange(n), alpha][:, None, :] - X
    np.testing.assert_allclose(np.einsum("it,itd,ie->de", lam, D, Z), res.W, atol=1e-12 * res.value)
    assert res.margins[off].min() >= 1 - 1e-12 and lam.min() >= 0
    assert np.abs(lam[off] * (res.margins[off] - 1)).max() <= 1e-12 * max(1.0, lam.max())
    np.testing.assert_allclose(lam.sum(), res.value**2, rtol=1e-11)


def _in_hull(X, Z, alpha):
    n, T, _ = X.shape
    G = build_constraints(X, Z, alpha, np.ones((n, T), bool)).G
    A_eq = np.vstack([G.T, np.ones((1, G.shape[0]))])
    b_eq = np.zeros(A_eq.shape[0])
    b_eq[-1] = 1.0
    return linprog(np.zeros(G.shape[0]), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs").status == 0


def test_infeasible_instances_decided_like_the_hull_test():
    rng = np.random.default_rng(11)
    seen = {True: 0, False: 0}
    for k in range(40):
        n, T, d = 1 + k % 3, 3 + k % 3, 1 + k % 2
        X, Z, _, _ = random_instance(n, T, d, rng=rng)
        alpha = rng.integers(0, T, n)
        hull = _in_hull(X, Z, alpha)
        seen[hull] += 1
        assert (solve_att_svm(X, Z, alpha).status == "infeasible") == hull
        assert (solve_att_svm(X, Z, alpha, method="nnls").status == "infeasible") == hull
    assert seen[True] and seen[False]


def test_active_set_alone_reports_an_unbounded_dual_as_max_iter():
    X = np.array([[[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]]])  # token 2 is the midpoint: 0 in the hull
    Z = np.array([[0.0, 1.0]])
    res = solve_att_svm(X, Z, [2], method="active_set", max_iter=200)
    assert res.status == "max_iter" and not res.converged and res.n_iter == 200
    assert res.diagnostics["kkt_residual"] > 1e-3
    assert solve_att_svm(X, Z, [2]).status == "infeasible"


def test_zero_constraint_is_infeasible_at_once():
    X = np.array([[[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]])  # tokens 0 and 1 coincide: A = 0
    res = solve_att_svm(X, np.array([[0.0, 1.0]]), [0], method="active_set")
    assert res.status == "infeasible" and res.converged and res.n_iter == 0


def test_duplicate_constraints():
    X, Z, alpha = _problem(3, 8, 5, 4)
    single = solve_att_svm(X, Z, alpha)
    double = solve_att_svm(np.concatenate([X, X]), np.concatenate([Z, Z]), np.concatenate([alpha, alpha]),
                           method="active_set")
    assert double.status == "optimal" and double.diagnostics["kkt_residual"] <= 1e-12
    np.testing.assert_allclose(double.W, single.W, atol=1e-12)
    assert single.multipliers is not None and double.multipliers is not None
    # The multipliers split between the copies (any split is optimal; the sum is determined).
    np.testing.assert_allclose(np.nan_to_num(double.multipliers[:8] + double.multipliers[8:]),
                               np.nan_to_num(single.multipliers), atol=1e-9 * single.value**2)
    # Two identical tokens in every sequence: identical constraints inside a sample.
    X3 = X.copy()
    X3[:, 4] = X3[:, 3]
    a3 = np.where(alpha >= 3, 0, alpha)
    ours, old = solve_att_svm(X3, Z, a3, method="active_set"), solve_att_svm(X3, Z, a3, method="nnls")
    assert ours.status == old.status == "optimal" and ours.diagnostics["kkt_residual"] <= 1e-12
    np.testing.assert_allclose(ours.W, old.W, atol=1e-9)


def test_budget_and_result_protocol():
    X, Z, alpha = _problem(1, 30, 6, 8)
    short = solve_att_svm(X, Z, alpha, method="active_set", max_iter=3)
    assert isinstance(short, SolverResult)
    assert short.status == "max_iter" and not short.converged and short.n_iter == 3
    assert np.all(np.isfinite(short.W)) and short.diagnostics["kkt_residual"] > 1e-12
    full = solve_att_svm(X, Z, alpha)
    assert full.objective == full.value and full.iterations == full.n_iter > 0
    with pytest.raises(TypeError):
        full.diagnostics["kkt_residual"] = 0.0  # type: ignore[index]
    with pytest.raises(ValueError, match="method"):
        solve_att_svm(X, Z, alpha, method="simplex")
    with pytest.raises(ValueError, match="max_iter"):
        solve_att_svm(X, Z, alpha, max_iter=0)


def test_masked_tokens():
    X, Z, alpha = _problem(4, 12, 6, 5)
    mask = np.ones((12, 6), bool)
    rows = np.arange(0, 12, 2)
    mask[rows, (alpha[rows] + 1) % 6] = False
    ours = solve_att_svm(X, Z, alpha, mask=mask, method="active_set")
    old = solve_att_svm(X, Z, alpha, mask=mask, method="nnls")
    np.testing.assert_allclose(ours.W, old.W, atol=1e-9)
    assert np.isnan(ours.margins[0, (alpha[0] + 1) % 6])
