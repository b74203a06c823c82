"""Regression tests for the hostile-input reproducers of issue 15 (sparse_ot items).

Each case gives a clean ValueError naming the argument, or a value checked against an exact route
(POT's network simplex, brute force over supports, closed forms).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import ot
import pytest

from theory.sparse_ot import (
    beta_from_alpha,
    dual_cvx,
    dual_objective,
    exact_ot,
    gaussian_toy,
    ksupport_sq,
    max_k,
    plan_from_dual,
    plan_from_semi_dual,
    proj_sparse_simplex,
    relaxed_cvx,
    semi_dual_objective,
    solve_sparse_ot,
    sparse_ot_bruteforce,
    sparse_ot_problem,
)


def _rand(seed, m, n):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(m)), rng.dirichlet(np.ones(n)), rng.uniform(size=(m, n))


def test_tiny_total_mass_does_not_crash_the_process():
    """Marginals of total mass 1e-300 used to kill the interpreter (SIGSEGV): run in a child."""
    code = textwrap.dedent("""
        import numpy as np
        from theory.sparse_ot import solve_sparse_ot, exact_ot
        u = np.full(4, 0.25) * 1e-300
        C = np.random.default_rng(0).uniform(size=(4, 4))
        for kw in ({}, {"formulation": "dual"}, {"sparsity": "row"}, {"polish": True}):
            r = solve_sparse_ot(u, u, C, k=2, gamma=0.5, **kw)
            assert r.status == "optimal", r.status
        print(exact_ot(u, u, C))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_tiny_total_mass_values_scale_exactly():
    u = np.full(4, 0.25)
    C = np.random.default_rng(0).uniform(size=(4, 4))
    ref = solve_sparse_ot(u, u, C, k=2, gamma=0.5e-300)  # (a, b) -> t (a, b) is gamma -> gamma t
    tiny = solve_sparse_ot(u * 1e-300, u * 1e-300, C, k=2, gamma=0.5)
    assert tiny.value == pytest.approx(1e-300 * ref.value, rel=1e-9)
    assert exact_ot(u * 1e-300, u * 1e-300, C) == pytest.approx(1e-300 * ot.emd2(u, u, C), rel=1e-12)
    assert tiny.polished_plan is not None
    np.testing.assert_allclose(tiny.polished_plan.sum(0), u * 1e-300, rtol=1e-9, atol=0)


@pytest.mark.parametrize("z", [1.0, 3.0, 1e-300])
def test_sparse_simplex_projection_of_huge_entries(z):
    y = proj_sparse_simplex([1e300] * 5, k=2, z=z)
    assert y.sum() == pytest.approx(z, rel=1e-12) and np.count_nonzero(y) == 2
    y2 = proj_sparse_simplex([1e300, 2e300, -1e300, 1.5e300], k=3, z=z)
    np.testing.assert_allclose(y2, [0, z, 0, 0], rtol=1e-12, atol=0)


def test_max_k_extreme_entries_and_rho():
    v, g = max_k([1e300, 1e300, 0.5e300], 2, 1.0)
    assert v == pytest.approx(1e300, rel=1e-12) and g == pytest.approx([0.5, 0.5, 0.0])
    v, g = max_k([0.3, 0.2, 0.1], 2, 1e-300)  # rho -> 0: the plain maximum
    assert v == pytest.approx(0.3, rel=1e-12) and g == pytest.approx([1.0, 0.0, 0.0])


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint16])
def test_ksupport_sq_of_integer_arrays_within_its_bounds(dtype):
    rng = np.random.default_rng(1)
    for _ in range(50):
        w = rng.integers(0 if dtype == np.uint16 else -100, 100, size=6).astype(dtype)
        k = int(rng.integers(1, 7))
        wf = w.astype(np.float64)
        v = ksupport_sq(w, k)
        assert v == ksupport_sq(wf, k)
        l1, l2 = np.abs(wf).sum() ** 2, wf @ wf
        assert max(l2, l1 / k) * (1 - 1e-12) <= v <= l1 * (1 + 1e-12)
    assert ksupport_sq(np.array([-128], dtype=np.int8), 1) == 128.0 ** 2


def test_float16_marginals_that_do_not_balance_are_rejected():
    a = np.array([0.1, 0.2, 0.7], dtype=np.float16)
    b = np.array([0.3, 0.3, 0.4], dtype=np.float16)
    with pytest.raises(ValueError, match="a, b"):
        sparse_ot_bruteforce(a, b, np.zeros((3, 3)), k=2, gamma=1.0)


@pytest.mark.parametrize("seed", range(4))
def test_weak_duality_with_float16_marginals_and_rounded_costs(seed):
    rng = np.random.default_rng(seed)
    a = np.full(3, 1 / 3, dtype=np.float16).astype(np.float64)
    a /= a.sum()
    b = np.array([0.25, 0.25, 0.5], dtype=np.float16).astype(np.float64)
    b *= a.sum() / b.sum()  # within 1e-9: accepted, and balanced exactly inside
    C = np.round(rng.uniform(size=(3, 3)), 4)
    r = solve_sparse_ot(a, b, C, k=2, gamma=float(rng.uniform(0.5, 5)))
    p = sparse_ot_bruteforce(a, b, C, k=2, gamma=r.gamma)
    assert r.value <= p.value + 1e-12 * max(1.0, abs(p.value))
    assert p.plan is not None
    np.testing.assert_allclose(p.plan.sum(1), a, atol=1e-14)


@pytest.mark.parametrize("seed", range(3))
def test_cvx_references_agree_with_the_solver_on_3x4(seed):
    a, b, C = _rand(seed, 3, 4)
    r = solve_sparse_ot(a, b, C, k=2, gamma=1.0)
    d, rel = dual_cvx(a, b, C, k=2, gamma=1.0), relaxed_cvx(a, b, C, k=2, gamma=1.0)
    assert d.status in ("optimal", "optimal_inaccurate") and rel.status in ("optimal", "optimal_inaccurate")
    assert d.value == pytest.approx(r.value, rel=1e-7, abs=1e-9)
    assert rel.value == pytest.approx(r.value, rel=1e-7, abs=1e-9)
    value, alpha, beta = d  # the former tuple interface
    assert value == d[0] and alpha.shape == (3,) and beta.shape == (4,)


def test_costs_times_1e12_certificate_brackets_brute_force():
    a, b, C = _rand(0, 3, 4)
    r = solve_sparse_ot(a, b, 1e12 * C, k=2, gamma=1.0)
    p = sparse_ot_bruteforce(a, b, 1e12 * C, k=2, gamma=1.0).value
    assert np.isfinite(p) and np.isfinite(r.polished_value)
    # the certificate brackets the exact primal: value <= P_k <= polished_value
    assert r.value <= p * (1 + 1e-12) and p <= r.polished_value * (1 + 1e-12)
    assert (r.status == "optimal") == (r.relative_gap <= 1e-10)


def test_cvx_references_at_1e12_report_a_status_not_an_exception():
    a, b, C = _rand(0, 3, 4)
    for res in (dual_cvx(a, b, 1e12 * C, k=2, gamma=1.0), relaxed_cvx(a, b, 1e12 * C, k=2, gamma=1.0)):
        assert isinstance(res.status, str)
        if res.status in ("optimal", "optimal_inaccurate"):
            assert np.isfinite(res.value)
        else:
            assert np.isnan(res.value) and not res.converged


def test_dual_cvx_solver_error_becomes_a_status(monkeypatch):
    from cvxpy.error import SolverError

    import theory.sparse_ot.reference as ref

    def boom(*args, **kwargs):
        raise SolverError("injected")

    monkeypatch.setattr(ref, "cvx_solve", boom)
    a, b, C = _rand(1, 3, 3)
    d = dual_cvx(a, b, C, k=2, gamma=1.0)
    assert d.status == "solver_error" and not d.converged and np.isnan(d.value)
    assert relaxed_cvx(a, b, C, k=2, gamma=1.0).status == "solver_error"


@pytest.mark.parametrize("seed", range(3))
def test_exact_ot_with_negative_costs_matches_emd2(seed):
    """POT 0.9.x's network simplex reports "Problem infeasible" and returns 0 for costs near -1000
    (that was the reported disagreement); exact_ot is right: it equals ot.emd2 on the cost shifted
    to be non-negative, minus the shift times the mass (an exact identity)."""
    rng = np.random.default_rng(seed)
    a = np.array([1.0, 2.0, 3.0, 1.0, 1.0]) / 8
    b = np.array([4.0, 1.0, 2.0, 1.0]) / 8
    C = rng.uniform(-1e3, -1e3 + 1.0, size=(5, 4))
    assert exact_ot(a, b, C) == pytest.approx(ot.emd2(a, b, C + 1e3) - 1e3, rel=1e-12)


@pytest.mark.parametrize("call", [
    lambda P, z: semi_dual_objective(z, P),
    lambda P, z: dual_objective(z, np.zeros(4), P),
    lambda P, z: dual_objective(np.zeros(3), z, P),
    lambda P, z: plan_from_semi_dual(z, P),
    lambda P, z: plan_from_dual(z, np.zeros(4), P),
    lambda P, z: beta_from_alpha(z, P),
])
@pytest.mark.parametrize("bad", [np.array(0.0), np.zeros(7), np.array([[0.0, 1.0, 2.0]])])
def test_low_level_objectives_reject_malformed_potentials(call, bad):
    a, b, C = _rand(2, 3, 4)
    P = sparse_ot_problem(a, b, C, k=2, gamma=1.0)
    with pytest.raises(ValueError, match="alpha|beta"):
        call(P, bad)


def test_gaussian_toy_size_guard():
    # Regression (issue 15): gaussian_toy(10**9) allocated an n x n cost (MemoryError).
    with pytest.raises(ValueError, match=r"\bn\b.*<= 10000"):
        gaussian_toy(10**9)
    a, b, C = gaussian_toy(16)
    assert a.sum() == pytest.approx(1.0) and b.sum() == pytest.approx(1.0) and C.max() == 1.0


def test_tiny_mass_on_a_stalled_instance_gives_a_status_not_an_internal_error():
    # Regression: 3x4 marginals of mass 1e-300 (gamma_n ~ 6e-301 after normalising) made the
    # smoothing continuation overflow ([s]_+^2 / gamma) and raise "alpha: non-finite" from inside
    # the solver. The value must equal brute force at the scaled gamma, with an honest status.
    a, b = np.full(3, 1 / 3), np.full(4, 1 / 4)
    C = np.random.default_rng(0).random((3, 4))
    ref = sparse_ot_bruteforce(a, b, C, k=2, gamma=0.5e-300)
    res = solve_sparse_ot(a * 1e-300, b * 1e-300, C, k=2, gamma=0.5)
    assert res.value == pytest.approx(1e-300 * ref.value, rel=1e-9)
    assert res.status in ("optimal", "feasible", "no_feasible_plan") and np.all(res.plan >= 0)
    assert res.converged == (res.status == "optimal")
    if res.polished_plan is not None:  # a feasible plan: an upper bound on P_k, marginals met
        assert res.polished_value >= 1e-300 * ref.value * (1 - 1e-9)
        T = res.polished_plan
        assert np.abs(T.sum(1) - 1e-300 * a).max() <= 1e-9 * 1e-300
        assert np.abs(T.sum(0) - 1e-300 * b).max() <= 1e-9 * 1e-300
        assert np.count_nonzero(T, axis=0).max() <= 2


@pytest.mark.parametrize("func, n_potentials", [(dual_objective, 2), (plan_from_dual, 2),
                                                (semi_dual_objective, 1), (plan_from_semi_dual, 1),
                                                (beta_from_alpha, 1)])
@pytest.mark.parametrize("P", [None, "P", (np.ones(3) / 3, np.ones(4) / 4, np.zeros((3, 4)))])
def test_low_level_objectives_name_a_wrong_problem(func, n_potentials, P):
    # an AttributeError ('NoneType' object has no attribute 'shape') escaped before
    args = (np.zeros(3), np.zeros(4))[:n_potentials]
    with pytest.raises(TypeError, match=r"\bP\b.*SparseOTProblem"):
        func(*args, P)


@pytest.mark.parametrize("k", [1, 2])
def test_subnormal_cost_range_is_solved_not_refused(k):
    # Regression (large adversarial profile): a cost range of 5e-324 made gamma * sum(a) / range
    # overflow and the solver refuse a well-posed problem; the cost term is negligible there.
    a = np.array([1.0, 1e-15])
    C = np.array([[0.0, 5e-324], [5e-324, 5e-324]])
    res = solve_sparse_ot(a, a, C, k=k, gamma=1.0)
    ref = sparse_ot_bruteforce(a, a, C, k=k, gamma=1.0)
    assert res.status == "optimal"
    assert res.value == pytest.approx(ref.value, rel=1e-12)
    assert res.primal_value >= res.value - 1e-12


@pytest.mark.parametrize("k, status, value", [(1, "infeasible", None), (2, "optimal", 0.75)])
def test_subnormal_column_mass_gives_the_brute_force_answer(k, status, value):
    # Regression (adversarial extremes with tiny masses): b = [1, 5e-324] made (alpha - c_j) /
    # (gamma b_j) overflow in the projection: an internal error from scipy's MILP (k = 1) or
    # "alpha: non-finite" (k = 2). Columns are now projected onto the simplex of mass gamma b_j.
    a, b, C = np.array([0.5, 0.5]), np.array([1.0, 5e-324]), np.array([[0.0, 1.0], [1.0, 1.0]])
    ref = sparse_ot_bruteforce(a, b, C, k=k, gamma=1.0)
    for kw in ({}, {"formulation": "dual"}, {"polish": True}):
        res = solve_sparse_ot(a, b, C, k=k, gamma=1.0, **kw)
        assert res.status == status and np.isfinite(res.value)
        if value is None:
            assert ref.plan is None  # no 1-sparse plan: column 0 needs both rows
        else:
            assert res.value == pytest.approx(ref.value, rel=1e-12) == value
            assert res.primal_value >= res.value - 1e-12
