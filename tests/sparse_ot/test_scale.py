"""Semi-smooth Newton, smoothing with continuation and the mass-only feasible support (issue 16).

Each new route is checked against an independent one: Newton against the L-BFGS of the dual
formulation and against quadratic OT; the Hessian product against finite differences of the
gradient; the chain support and the forest plan against an LP and the marginals.
"""

from __future__ import annotations

import numpy as np
import pytest

from theory.sparse_ot import (
    quadratic_ot,
    solve_sparse_ot,
    sparse_ot_bruteforce,
    sparse_ot_problem,
    uniform_points,
)
from theory.sparse_ot._certificate import support_feasible
from theory.sparse_ot._feasible import chain_mask, forest_plan
from theory.sparse_ot._newton import hessian, hessian_matrix, newton_ascent
from theory.sparse_ot._objectives import semi_dual_parts
from theory.sparse_ot._problem import normalise


def test_hessian_product_matches_the_gradient_and_the_sparse_matrix():
    a, b, C = uniform_points(30, 1)
    P, _ = normalise(sparse_ot_problem(a, b, C, k=4, gamma=1.0))
    alpha = np.random.default_rng(2).normal(scale=1e-3, size=30)
    _, g, idx, t, _ = semi_dual_parts(alpha, P, P.k)
    product, diag = hessian(idx, t, 30, P.gamma)
    v = np.random.default_rng(3).normal(size=30)
    h = 1e-9
    # -d(grad)/d(alpha) = H on a piece where the top-k sets and supports do not change
    _, g2, idx2, t2, _ = semi_dual_parts(alpha + h * v, P, P.k)
    assert np.array_equal(idx2, idx) and np.array_equal(t2 > 0, t > 0)
    assert np.allclose(-(g2 - g) / h, product(v), rtol=1e-5, atol=1e-6 * np.abs(product(v)).max())
    H = hessian_matrix(idx, t, 30, P.gamma)
    assert np.allclose(H @ v, product(v), rtol=1e-12, atol=1e-12)
    assert np.allclose(H.diagonal(), diag, rtol=1e-12, atol=1e-12)


def test_newton_on_the_full_simplex_is_quadratic_ot():
    a, b, C = uniform_points(40, 4)
    P, sc = normalise(sparse_ot_problem(a, b, C, k=None, gamma=0.5))
    run = newton_ascent(lambda x: semi_dual_parts(x, P, 40)[:4], np.zeros(40), P.gamma, tol=1e-13,
                        max_iter=200)
    assert run.status == "converged" and run.grad_norm <= 1e-13
    ref = quadratic_ot(a, b, C, gamma=0.5)  # our L-BFGS route
    assert sc.value(run.value) == pytest.approx(ref.value, rel=1e-10)


@pytest.mark.parametrize("k", [10, 20])
def test_large_semi_dual_newton_agrees_with_the_dual_formulation(k):
    # m n > 2500: the semi-dual starts Newton at alpha = 0; the dual formulation is L-BFGS only
    a, b, C = uniform_points(80, 5)
    semi = solve_sparse_ot(a, b, C, k=k, gamma=1.0, tol=1e-9)
    dual = solve_sparse_ot(a, b, C, k=k, gamma=1.0, tol=1e-9, formulation="dual")
    assert semi.status == "optimal" and semi.diagnostics["dual_status"] == "converged"
    assert semi.value == pytest.approx(dual.value, rel=1e-7)
    assert semi.value <= semi.polished_value * (1 + 1e-9)
    assert semi.diagnostics["certificate_marginal_error"] <= 1e-12


def test_chain_support_has_two_rows_per_column_and_carries_the_marginals():
    rng = np.random.default_rng(6)
    found = 0
    for _ in range(60):
        m = int(rng.integers(2, 40))
        n = int(rng.integers(m, 60))
        a = rng.dirichlet(np.full(m, rng.uniform(0.2, 2.0)))
        b = rng.dirichlet(np.full(n, rng.uniform(0.2, 2.0)))
        mask = chain_mask(a, b)
        if mask is None:
            continue
        found += 1
        assert mask.sum(axis=0).max() <= 2
        assert support_feasible(a, b, mask)
    assert found >= 45  # the greedy fails on a few; most random pairs get a support
    a, b, _ = uniform_points(1000, 0)
    mask = chain_mask(a, b)
    assert mask is not None and mask.sum(axis=0).max() <= 2


def test_forest_plan_is_exactly_feasible_and_bounds_brute_force():
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(10):
        a, b = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(4))
        C = rng.uniform(size=(3, 4))
        mask = chain_mask(a, b)
        if mask is None:
            continue
        P = sparse_ot_problem(a, b, C, k=2, gamma=0.7)
        T = forest_plan(P, mask)
        assert T is not None and np.all(T[~mask] == 0)
        assert np.abs(T.sum(axis=1) - a).max() <= 1e-15 and np.abs(T.sum(axis=0) - b).max() <= 1e-15
        upper = float(np.sum(T * C) + 0.35 * np.sum(T * T))
        assert upper >= sparse_ot_bruteforce(a, b, C, k=2, gamma=0.7).value - 1e-12
        checked += 1
    assert checked >= 5


def test_a_feasible_plan_is_returned_where_the_dual_supports_fail():
    # Before issue 16's fallback this instance family ended "no_feasible_plan" at k = 2 and 5
    a, b, C = uniform_points(120, 0)
    for k in (2, 5):
        res = solve_sparse_ot(a, b, C, k=k, gamma=1.0, tol=1e-6, max_iter=2000)
        assert res.status in ("optimal", "feasible", "max_iter")
        T = res.polished_plan
        assert T is not None and np.count_nonzero(T, axis=0).max() <= k
        assert res.diagnostics["certificate_marginal_error"] <= 1e-10
        assert res.value <= res.polished_value * (1 + 1e-12)


@pytest.mark.parametrize("k", [4, 6])
def test_smoothing_after_a_stalled_newton_phase_reaches_at_least_the_dual_lbfgs(k):
    # kinked optimum (P_k > D_k here): Newton stalls, smoothing with continuation takes over
    a, b, C = uniform_points(80, 5)
    semi = solve_sparse_ot(a, b, C, k=k, gamma=1.0, tol=1e-9)
    dual = solve_sparse_ot(a, b, C, k=k, gamma=1.0, tol=1e-9, formulation="dual")
    assert semi.diagnostics["smoothed"] and semi.status == "feasible"
    assert semi.value >= dual.value - 1e-12 * abs(dual.value)
    assert semi.value <= semi.polished_value <= dual.polished_value * (1 + 1e-12)
