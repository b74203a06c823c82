"""solve_sparse_ot, quadratic_ot, brute force: exact instances, certificates, limit cases, validation."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import ot
import pytest

from theory.sparse_ot import (
    dual_cvx,
    instance_a,
    instance_b,
    quadratic_ot,
    relaxed_primal_value,
    semi_dual_objective,
    solve_sparse_ot,
    sparse_ot_bruteforce,
    sparse_ot_problem,
)

A, B = instance_a(), instance_b()


def _rand(seed, m, n, mass=1.0):
    rng = np.random.default_rng(seed)
    return mass * rng.dirichlet(np.ones(m)), mass * rng.dirichlet(np.ones(n)), rng.uniform(-1, 1, (m, n))


@pytest.mark.parametrize("form", ["semi-dual", "dual"])
def test_instance_a_gap_and_certificate(form):
    r = solve_sparse_ot(A.a, A.b, A.C, k=2, gamma=A.gamma, formulation=form, polish=True)
    assert r.value == pytest.approx(119 / 108, abs=1e-9)
    assert r.polished_value == pytest.approx(167 / 144, abs=1e-9)
    assert r.diagnostics["gap_bound"] == pytest.approx(25 / 432, abs=1e-9)
    assert r.marginal_error > 1e-3  # a gap forces a violated row marginal
    assert np.all(np.count_nonzero(r.plan > 0, axis=0) <= 2)
    P = r.polished_plan
    np.testing.assert_allclose(P.sum(1), A.a, atol=1e-9)
    np.testing.assert_allclose(P.sum(0), A.b, atol=1e-9)
    # brute force agrees with the exact P_2 and with the polished value
    assert sparse_ot_bruteforce(A.a, A.b, A.C, k=2, gamma=A.gamma).value == pytest.approx(167 / 144, abs=1e-9)


@pytest.mark.parametrize("k", [1, 3])
def test_instance_a_no_gap(k):
    r = solve_sparse_ot(A.a, A.b, A.C, k=k, gamma=A.gamma)
    assert r.value == pytest.approx(float(A.dual[k]), abs=1e-10)
    assert r.primal_value == pytest.approx(r.value, abs=1e-9)
    assert r.marginal_error < 1e-9


@pytest.mark.parametrize(("k", "form"), [(1, "semi-dual"), (2, "semi-dual"), (1, "dual"), (2, "dual")])
def test_instance_b_recovers_ot_plan(k, form):
    r = solve_sparse_ot(B.a, B.b, B.C, k=k, gamma=B.gamma, formulation=form)
    assert r.value == pytest.approx(13 / 400, abs=1e-10)
    np.testing.assert_allclose(r.plan, [[0.25, 0.25, 0, 0], [0, 0, 0.25, 0.25]], atol=1e-9)
    assert r.marginal_error < 1e-9


def test_relaxed_optimum_of_instance_a():
    T = np.array([[19 / 72, 5 / 72, 0], [5 / 72, 7 / 36, 5 / 72], [0, 5 / 72, 19 / 72]])
    assert relaxed_primal_value(T, A.C, 2, A.gamma) == pytest.approx(119 / 108, abs=1e-12)


def test_k1_equals_ot_plus_constant_with_unnormalised_mass():
    a, b, C = _rand(0, 9, 7, mass=3.0)
    for g in (1e-3, 0.5, 20.0):
        r = solve_sparse_ot(a, b, C, k=1, gamma=g)
        assert r.value == pytest.approx(ot.emd2(a, b, C) + 0.5 * g * b @ b, rel=1e-10)
        assert r.converged and r.n_iter == 0
        np.testing.assert_allclose(r.plan.sum(0), b, atol=1e-14)


def test_large_k_is_quadratic_ot_and_matches_pot():
    a, b, C = _rand(1, 10, 8)
    q = quadratic_ot(a, b, C, gamma=2.0)
    r = solve_sparse_ot(a, b, C, k=50, gamma=2.0)
    assert r.k == 10 and r.value == pytest.approx(q.value, abs=1e-12)
    np.testing.assert_allclose(r.plan, q.plan, atol=1e-12)
    G, log = ot.smooth.smooth_ot_dual(a, b, C, 2.0, reg_type="l2", stopThr=1e-14, numItermax=10000, log=True)
    assert q.value == pytest.approx(-log["res"].fun, rel=1e-8)
    np.testing.assert_allclose(q.plan, G, atol=1e-6)
    assert q.marginal_error < 1e-7 and q.primal_value == pytest.approx(q.value, rel=1e-7)


@pytest.mark.parametrize("seed", range(3))
def test_semi_dual_dual_cvx_and_bruteforce_agree(seed):
    a, b, C = _rand(seed, 3, 3)
    g, k = 2.0, 2
    s = solve_sparse_ot(a, b, C, k=k, gamma=g, polish=True)
    d = solve_sparse_ot(a, b, C, k=k, gamma=g, formulation="dual")
    c = dual_cvx(a, b, C, k=k, gamma=g)[0]
    p = sparse_ot_bruteforce(a, b, C, k=k, gamma=g)
    assert s.value == pytest.approx(d.value, abs=1e-8)
    assert s.value == pytest.approx(c, abs=1e-8)
    assert s.value <= p.value + 1e-9 <= s.polished_value + 2e-9
    if p.value - s.value < 1e-8:  # no gap: the recovered plan is feasible and optimal
        assert s.marginal_error < 1e-6


def test_row_sparsity_is_the_transposed_problem():
    a, b, C = _rand(4, 6, 9)
    col = solve_sparse_ot(b, a, C.T, k=2, gamma=1.0)
    row = solve_sparse_ot(a, b, C, k=2, gamma=1.0, sparsity="row")
    assert row.value == pytest.approx(col.value, abs=1e-14)
    np.testing.assert_allclose(row.plan, col.plan.T)
    assert row.alpha.shape == (6,) and row.beta.shape == (9,)
    assert np.all(np.count_nonzero(row.plan > 0, axis=1) <= 2)


def test_zero_marginal_entries():
    a = np.array([0.5, 0.0, 0.5])
    b = np.array([0.25, 0.0, 0.5, 0.25])
    C = np.random.default_rng(5).uniform(size=(3, 4))
    for k in (1, 2):
        r = solve_sparse_ot(a, b, C, k=k, gamma=1.0)
        assert np.all(np.isfinite(r.alpha)) and np.all(np.isfinite(r.beta))
        assert np.all(r.plan[:, 1] == 0)
        assert r.value <= sparse_ot_bruteforce(a, b, C, k=k, gamma=1.0).value + 1e-9


def test_nonconvergence_is_a_status_and_cold_start_runs():
    a, b, C = _rand(6, 30, 30)
    r = solve_sparse_ot(a, b, C, k=3, gamma=1.0, max_iter=2, warm_start=False)
    assert not r.converged and r.status == "max_iter"
    cold = solve_sparse_ot(a, b, C, k=3, gamma=1.0, warm_start=False)
    warm = solve_sparse_ot(a, b, C, k=3, gamma=1.0)
    assert cold.value == pytest.approx(warm.value, rel=1e-4)  # a cold start can stall earlier
    # the value is S(alpha) at the returned alpha: a valid lower bound
    P = sparse_ot_problem(a, b, C, k=3, gamma=1.0)
    assert warm.value == pytest.approx(semi_dual_objective(warm.alpha, P)[0], abs=1e-15)


def test_library_does_not_print(capsys):
    a, b, C = _rand(7, 8, 8)
    solve_sparse_ot(a, b, C, k=2, gamma=1.0, polish=True)
    solve_sparse_ot(a, b, C, k=2, gamma=1.0, formulation="dual")
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_bruteforce_infeasible_and_limit():
    r = sparse_ot_bruteforce([0.5, 0.5], [1 / 3] * 3, np.zeros((2, 3)), k=1, gamma=1.0)
    assert r.value == float("inf") and r.plan is None and r.n_feasible == 0
    with pytest.raises(ValueError, match="max_supports"):
        sparse_ot_bruteforce(np.ones(6) / 6, np.ones(6) / 6, np.zeros((6, 6)), k=3, gamma=1.0)


@pytest.mark.parametrize(("kwargs", "arg"), [
    ({"a": [0.5, 0.6]}, "a, b"),
    ({"a": [1.2, -0.2]}, "a"),
    ({"C": [[np.nan, 0.0], [0.0, 0.0]]}, "C"),
    ({"C": [[np.inf, 0.0], [0.0, 0.0]]}, "C"),
    ({"C": [[0.0, 1.0, 2.0]]}, "C"),
    ({"k": 0}, "k"),
    ({"k": 1.5}, "k"),
    ({"gamma": 0.0}, "gamma"),
    ({"gamma": -1.0}, "gamma"),
    ({"formulation": "primal"}, "formulation"),
    ({"sparsity": "both"}, "sparsity"),
    ({"tol": 0.0}, "tol"),
    ({"alpha_init": [0.0]}, "alpha_init"),
])
def test_bad_input_raises(kwargs, arg):
    args = {"a": [0.5, 0.5], "b": [0.5, 0.5], "C": [[0.0, 1.0], [1.0, 0.0]], "k": 1, "gamma": 1.0}
    args.update(kwargs)
    a, b, C = args.pop("a"), args.pop("b"), args.pop("C")
    with pytest.raises(ValueError, match=arg):
        solve_sparse_ot(a, b, C, **args)


def test_pot_reference_for_sparsity_constrained_semi_dual():
    """POT's semi-dual value is a lower bound too (from alpha = 0): it never exceeds ours."""
    a, b, C = _rand(8, 20, 20)
    with contextlib.redirect_stdout(io.StringIO()):
        _, log = ot.smooth.smooth_ot_semi_dual(a, b, C, 1.0, reg_type="sparsity_constrained", max_nz=3,
                                               log=True)
    r = solve_sparse_ot(a, b, C, k=3, gamma=1.0)
    assert -log["res"].fun <= r.value + 1e-9
    assert -log["res"].fun == pytest.approx(r.value, rel=1e-2)


@pytest.mark.parametrize("seed", range(6))
def test_every_run_ends_with_a_certificate(seed):
    """A feasible k-sparse plan (marginal error < 1e-9), value <= P_k <= polished_value, and
    status "optimal" exactly when the relative gap is <= tol."""
    rng = np.random.default_rng(100 + seed)
    m, n = (int(x) for x in rng.integers(3, 6, size=2))
    a, b, C = _rand(seed, m, n)
    k, g = int(rng.integers(2, m)), float(rng.uniform(0.3, 4))
    r = solve_sparse_ot(a, b, C, k=k, gamma=g, sparsity="row" if seed % 2 else "column")
    assert r.status in ("optimal", "feasible", "infeasible")
    assert (r.status == "optimal") == (r.relative_gap <= 1e-10)
    if r.polished_plan is not None:
        T = r.polished_plan
        assert max(np.abs(T.sum(1) - a).max(), np.abs(T.sum(0) - b).max()) < 1e-9
        nnz = np.count_nonzero(T > 0, axis=1 if seed % 2 else 0)
        assert nnz.max() <= k and T.min() >= 0
        assert r.gap == pytest.approx(r.polished_value - r.value, abs=1e-12)
        assert r.value <= r.polished_value + 1e-12


def test_instance_a_certificate_is_honest_about_the_duality_gap():
    r = solve_sparse_ot(A.a, A.b, A.C, k=2, gamma=A.gamma)
    assert r.status == "feasible"  # the dual is optimal but the primal is nonconvex: P_2 > D_2
    assert r.gap == pytest.approx(25 / 432, abs=1e-9)
    assert r.relative_gap == pytest.approx((25 / 432) / (167 / 144), rel=1e-8)  # shift 0 here


def test_infeasible_sparsity_is_proven():
    # n k = 4 < m + n - 1 = 7 with generic marginals: no column-2-sparse plan exists
    a, b, C = _rand(3, 6, 2)
    r = solve_sparse_ot(a, b, C, k=2, gamma=1.0)
    assert r.status == "infeasible" and r.polished_plan is None and r.polished_value == np.inf
    assert sparse_ot_bruteforce(a, b, C, k=2, gamma=1.0).value == np.inf


def test_result_protocol_and_aliases():
    from theory._result import SolverResult

    r = solve_sparse_ot(B.a, B.b, B.C, k=1, gamma=B.gamma)
    assert isinstance(r, SolverResult) and r.status == "optimal"
    assert r.solution is r.plan and r.iterations == r.n_iter and r.feasible_plan is r.polished_plan
    with pytest.raises(TypeError):
        r.diagnostics["gap_bound"] = 0.0  # read-only
    q = quadratic_ot(B.a, B.b, B.C, gamma=B.gamma)
    assert isinstance(q, SolverResult) and q.solution is q.plan
