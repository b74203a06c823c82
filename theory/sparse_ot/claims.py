"""Registered claims of :mod:`theory.sparse_ot` (Liu, Puigcerver, Blondel, ICLR 2023).

Every check compares two independent routes (closed forms, brute force over supports or subsets,
cvxpy/CLARABEL, scipy's LP, POT) on random instances drawn from the claim's generator, or on the
exact instances A and B (theory.sparse_ot.reference).
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
from collections.abc import Callable

import cvxpy as cp
import numpy as np
import ot

from theory.claims import Measurement, claim
from theory.sparse_ot.conjugates import conj_topk, ksupport_sq, max_k
from theory.sparse_ot.instances import instance_a, instance_b
from theory.sparse_ot.reference import dual_cvx, exact_ot, relaxed_cvx, sparse_ot_bruteforce
from theory.sparse_ot.router import route
from theory.sparse_ot.solver import (
    SparseOTProblem,
    beta_from_alpha,
    dual_objective,
    plan_from_semi_dual,
    quadratic_ot,
    relaxed_primal_value,
    semi_dual_objective,
    solve_sparse_ot,
    sparse_ot_problem,
)

SRC = "liu2023sparsity"


def _instance(rng: np.random.Generator, m: int, n: int, *, mass: float = 1.0,
              negative: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random marginals of total ``mass`` (Dirichlet(1)) and a cost in [-1, 1] (or [0, 1])."""
    a = mass * rng.dirichlet(np.ones(m))
    b = mass * rng.dirichlet(np.ones(n))
    C = rng.uniform(-1.0 if negative else 0.0, 1.0, size=(m, n))
    return a, b, C


def _rel(x: float, y: float) -> float:
    return abs(x - y) / max(1.0, abs(x), abs(y))


@claim("sparse_ot.column-sparsity", source=SRC + ", Sec. 3 (plan recovery)",
       statement="every recovered column has <= k nonzeros (semi-dual, dual); rows for sparsity='row'")
def _column_sparsity(fast: bool, rng: np.random.Generator) -> Measurement:
    sizes = [(7, 5)] if fast else [(7, 5), (6, 9), (30, 25), (60, 40)]
    ks = (1, 3) if fast else (1, 2, 3)
    worst = -np.inf
    for m, n in sizes:
        a, b, C = _instance(rng, m, n)
        for k in ks:
            for form in ("semi-dual", "dual"):
                r = solve_sparse_ot(a, b, C, k=k, gamma=0.5, formulation=form)
                worst = max(worst, float(np.max(np.count_nonzero(r.plan > 0, axis=0))) - k)
            r = solve_sparse_ot(a, b, C, k=k, gamma=0.5, sparsity="row")
            worst = max(worst, float(np.max(np.count_nonzero(r.plan > 0, axis=1))) - k)
    return Measurement(worst, 0.0, {"sizes": sizes, "k": list(ks), "gamma": 0.5,
                                    "measured": "max_j nnz(t_j) - k"})


@claim("sparse_ot.semi-dual-column-sums", source=SRC + ", semi-dual plan T[:,j] = b_j P_k(...)",
       statement="the semi-dual plan has exact column sums b at every alpha (max abs error / max b)")
def _column_sums(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 20 if fast else 200
    worst = 0.0
    for _ in range(trials):
        m, n = rng.integers(2, 30, size=2)
        a, b, C = _instance(rng, int(m), int(n), mass=float(rng.uniform(0.5, 20)))
        k = int(rng.integers(1, m + 1))
        P = sparse_ot_problem(a, b, C, k=k, gamma=float(rng.uniform(0.05, 5)))
        T = plan_from_semi_dual(rng.normal(size=int(m)), P)
        worst = max(worst, float(np.max(np.abs(T.sum(axis=0) - b)) / b.max()))
    return Measurement(worst, 1e-12, {"trials": trials})


@claim("sparse_ot.semi-dual-equals-dual-at-beta", source=SRC + ", semi-dual = max over beta",
       statement="S(alpha) = D(alpha, beta(alpha)) with beta_j = -gamma b_j theta_j, at random alpha")
def _semi_equals_dual(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 50 if fast else 500
    worst = 0.0
    for _ in range(trials):
        m, n = (int(x) for x in rng.integers(2, 25, size=2))
        a, b, C = _instance(rng, m, n, mass=float(rng.uniform(0.5, 5)))
        P = sparse_ot_problem(a, b, C, k=int(rng.integers(1, m + 1)), gamma=float(rng.uniform(0.05, 5)))
        alpha = rng.normal(scale=2.0, size=m)
        s = semi_dual_objective(alpha, P)[0]
        d = dual_objective(alpha, beta_from_alpha(alpha, P), P)[0]
        # and beta(alpha) maximises D(alpha, .): no perturbation of beta does better
        d_pert = dual_objective(alpha, beta_from_alpha(alpha, P) + 1e-3 * rng.normal(size=n), P)[0]
        worst = max(worst, _rel(s, d), d_pert - d)
    return Measurement(worst, 1e-12, {"trials": trials})


@claim("sparse_ot.semi-dual-value-equals-dual-value", source=SRC + ", S_k = D_k",
       statement="solved semi-dual value = solved dual value = cvxpy dual value (relative)")
def _semi_value_dual_value(fast: bool, rng: np.random.Generator) -> Measurement:
    sizes = [(4, 3), (6, 5)] if fast else [(4, 3), (5, 6), (6, 5), (8, 8), (10, 7), (12, 12), (30, 25)]
    worst = 0.0
    for m, n in sizes:
        a, b, C = _instance(rng, m, n)
        k = int(rng.integers(2, m))
        g = float(rng.uniform(0.2, 5))
        s = solve_sparse_ot(a, b, C, k=k, gamma=g).value
        d = solve_sparse_ot(a, b, C, k=k, gamma=g, formulation="dual").value
        c = dual_cvx(a, b, C, k=k, gamma=g)[0]
        worst = max(worst, _rel(s, d), _rel(s, c), _rel(d, c))
    return Measurement(worst, 1e-7, {"sizes": sizes})


def _sd_value(x: np.ndarray, P: SparseOTProblem) -> float:
    return semi_dual_objective(x, P)[0]


def _d_value_alpha(x: np.ndarray, beta: np.ndarray, P: SparseOTProblem) -> float:
    return dual_objective(x, beta, P)[0]


def _d_value_beta(y: np.ndarray, alpha: np.ndarray, P: SparseOTProblem) -> float:
    return dual_objective(alpha, y, P)[0]


@claim("sparse_ot.gradients", source=SRC + ", gradients a - T1, b - T^T 1",
       statement="analytic semi-dual and dual gradients = central finite differences at random points")
def _gradients(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 10 if fast else 100
    steps = (1e-4, 1e-5, 1e-6)
    worst = 0.0

    def fd(f: Callable[[np.ndarray], float], x: np.ndarray, i: int) -> np.ndarray:
        # central differences at three steps: an exact piecewise quadratic needs one step that
        # does not straddle a kink
        out = []
        for h in steps:
            e = np.zeros_like(x)
            e[i] = h
            out.append((f(x + e) - f(x - e)) / (2 * h))
        return np.array(out)

    for _ in range(trials):
        m, n = (int(x) for x in rng.integers(2, 12, size=2))
        a, b, C = _instance(rng, m, n)
        P = sparse_ot_problem(a, b, C, k=int(rng.integers(1, m + 1)), gamma=float(rng.uniform(0.1, 3)))
        alpha, beta = rng.normal(size=m), rng.normal(size=n)
        _, g = semi_dual_objective(alpha, P)
        _, ga, gb = dual_objective(alpha, beta, P)
        f_s = functools.partial(_sd_value, P=P)
        f_a = functools.partial(_d_value_alpha, beta=beta, P=P)
        f_b = functools.partial(_d_value_beta, alpha=alpha, P=P)
        for i in range(m):
            e1, e2 = fd(f_s, alpha, i), fd(f_a, alpha, i)
            worst = max(worst, float(np.min(np.abs(e1 - g[i]))), float(np.min(np.abs(e2 - ga[i]))))
        for j in range(n):
            worst = max(worst, float(np.min(np.abs(fd(f_b, beta, j) - gb[j]))))
    return Measurement(worst, 1e-8, {"trials": trials, "steps": steps})


@claim("sparse_ot.conjugates", source=SRC + ", top-k and max-k conjugates",
       statement="top-k and max-k conjugates = brute force over k-subsets, POT, exact worked examples")
def _conjugates(fast: bool, rng: np.random.Generator) -> Measurement:
    from ot.smooth import SparsityConstrained

    worst = 0.0
    # worked examples (exact fractions of the spec)
    x = [0.5, 0.2, 0.4, -0.1]
    s = [3.0, -1.0, 2.0, 0.5]
    for k, mk, om in [(1, 0.0, 2.25), (2, 81 / 400, 3.25), (3, 67 / 300, 3.3125), (4, 67 / 300, 3.3125)]:
        worst = max(worst, abs(max_k(x, k, 1.0)[0] - mk), abs(conj_topk(s, k, 2.0)[0] - om))
    trials = 100 if fast else 2000
    for _ in range(trials):
        d = int(rng.integers(2, 7))
        k = int(rng.integers(1, d + 1))
        rho = float(rng.uniform(0.1, 3))
        v = rng.normal(size=d)
        # brute force: best k-subset, each with the closed-form simplex projection on it
        best_m, best_o = -np.inf, 0.0
        for sub in itertools.combinations(range(d), k):
            sub_l = list(sub)
            val_m, y = max_k(v[sub_l], k, rho)
            best_m = max(best_m, val_m)
            best_o = max(best_o, float(np.sum(np.maximum(v[sub_l], 0) ** 2)) / (2 * rho))
        worst = max(worst, abs(max_k(v, k, rho)[0] - best_m), abs(conj_topk(v, k, rho)[0] - best_o))
        if k < d:  # POT's SparsityConstrained, only valid for k < d
            reg = SparsityConstrained(max_nz=k, gamma=rho)
            with contextlib.redirect_stdout(io.StringIO()):
                pv, pg = reg.max_Omega(v[:, None].copy(), np.ones(1))
                dv, dg = reg.delta_Omega(v[:, None].copy())
            worst = max(worst, abs(float(pv[0]) - max_k(v, k, rho)[0]),
                        abs(float(dv[0]) - conj_topk(v, k, rho)[0]),
                        float(np.max(np.abs(pg[:, 0] - max_k(v, k, rho)[1]))),
                        float(np.max(np.abs(dg[:, 0] - conj_topk(v, k, rho)[1]))))
    return Measurement(worst, 1e-12, {"trials": trials})


@claim("sparse_ot.weak-duality", source=SRC + ", D_k <= P_k",
       statement="D_k <= P_k (support enumeration) and D_k <= polished value, tiny instances")
def _weak_duality(fast: bool, rng: np.random.Generator) -> Measurement:
    sizes = [(3, 3), (3, 2)] if fast else [(3, 3), (3, 2), (4, 3), (3, 4), (4, 4)]
    worst = -np.inf
    for m, n in sizes:
        for k in range(1, m):
            a, b, C = _instance(rng, m, n)
            g = float(rng.uniform(0.2, 5))
            r = solve_sparse_ot(a, b, C, k=k, gamma=g, polish=True)
            p = sparse_ot_bruteforce(a, b, C, k=k, gamma=g).value
            assert r.polished_value is not None
            worst = max(worst, (r.value - p) / max(1.0, abs(p)), (p - r.polished_value) / max(1.0, abs(p))
                        if np.isfinite(r.polished_value) else -np.inf)
    return Measurement(worst, 1e-9, {"sizes": sizes, "measured": "max(D_k - P_k, P_k - polished)"})


@claim("sparse_ot.zero-gap-iff-sparse-relaxed-optimum", source=SRC + ", relaxation by the k-support norm",
       statement="R_k = D_k; zero gap iff a k-sparse relaxed optimum, then the recovered plan is optimal")
def _gap_iff(fast: bool, rng: np.random.Generator) -> Measurement:
    A, B = instance_a(), instance_b()
    cases = [(A.a, A.b, A.C, 1, A.gamma), (A.a, A.b, A.C, 2, A.gamma), (A.a, A.b, A.C, 3, A.gamma),
             (B.a, B.b, B.C, 1, B.gamma)]
    for _ in range(2 if fast else 10):
        a, b, C = _instance(rng, 3, 3, negative=False)
        cases.append((a, b, C, 2, float(rng.uniform(1, 10))))
    worst = 0.0
    n_gap = 0
    for a, b, C, k, g in cases:
        r = solve_sparse_ot(a, b, C, k=k, gamma=g)
        p = sparse_ot_bruteforce(a, b, C, k=k, gamma=g).value
        rk, T_rel = relaxed_cvx(a, b, C, k=k, gamma=g)
        worst = max(worst, _rel(rk, r.value))  # R_k = D_k
        gap = p - r.value
        sparse_relaxed = bool(np.all(np.count_nonzero(T_rel > 1e-6, axis=0) <= k))
        if gap <= 1e-7:  # no gap: the recovered plan is feasible and optimal
            worst = max(worst, r.marginal_error, _rel(r.primal_value, r.value),
                        0.0 if sparse_relaxed else 1.0)
        else:  # gap: no relaxed optimum is k-sparse, the recovered plan violates the rows
            n_gap += 1
            worst = max(worst, 1.0 if sparse_relaxed else 0.0, 1.0 if r.marginal_error <= 1e-6 else 0.0)
    return Measurement(worst, 1e-6, {"cases": len(cases), "gap_cases": n_gap})


@claim("sparse_ot.instance-a-gap",
       source=SRC + "; derived, theory.sparse_ot.reference (instance A in exact fractions)",
       statement="instance A, k=2: D_2 = 119/108, P_2 = 167/144 (gap 25/432), polished = 167/144")
def _instance_a(fast: bool, rng: np.random.Generator) -> Measurement:
    A = instance_a()
    worst = 0.0
    for form in ("semi-dual", "dual"):
        r = solve_sparse_ot(A.a, A.b, A.C, k=2, gamma=A.gamma, formulation=form, polish=True)
        assert r.polished_value is not None
        worst = max(worst, abs(r.value - float(A.dual[2])), abs(r.polished_value - float(A.primal[2])),
                    0.0 if r.marginal_error > 1e-3 else 1.0)
    p = sparse_ot_bruteforce(A.a, A.b, A.C, k=2, gamma=A.gamma).value
    worst = max(worst, abs(p - float(A.primal[2])))
    for k in (1, 3):
        r = solve_sparse_ot(A.a, A.b, A.C, k=k, gamma=A.gamma)
        worst = max(worst, abs(r.value - float(A.dual[k])), r.marginal_error)
    return Measurement(worst, 1e-7, {"gamma": A.gamma})


@claim("sparse_ot.k1-is-ot", source=SRC + ", limit case k = 1",
       statement="k = 1: D_1 = OT + gamma ||b||^2 / 2 for every gamma (OT by scipy LP)")
def _k1(fast: bool, rng: np.random.Generator) -> Measurement:
    gammas = np.logspace(-3, 2, 4 if fast else 12)
    sizes = [(6, 5), (8, 8)] if fast else [(6, 5), (8, 8), (20, 15), (30, 40)]
    worst = 0.0
    for m, n in sizes:
        a, b, C = _instance(rng, m, n, mass=float(rng.uniform(0.5, 3)))
        ot_val = exact_ot(a, b, C)
        for g in gammas:
            for form in ("semi-dual", "dual"):
                r = solve_sparse_ot(a, b, C, k=1, gamma=float(g), formulation=form)
                worst = max(worst, _rel(r.value, ot_val + 0.5 * g * b @ b))
    return Measurement(worst, 1e-9, {"sizes": sizes, "gammas": gammas.tolist()})


@claim("sparse_ot.large-k-is-qot", source=SRC + ", limit case k large",
       statement="k >= max column support of the QOT plan: value and plan = QOT (and k >= m exactly)")
def _large_k(fast: bool, rng: np.random.Generator) -> Measurement:
    sizes = [(8, 6), (12, 10)] if fast else [(8, 6), (12, 10), (40, 30), (80, 60)]
    worst_v, worst_p = 0.0, 0.0
    for m, n in sizes:
        a, b, C = _instance(rng, m, n)
        g = float(rng.uniform(0.5, 5))
        q = quadratic_ot(a, b, C, gamma=g)
        kmax = int(np.max(np.count_nonzero(q.plan > 0, axis=0)))
        for k in sorted({kmax, m}):
            r = solve_sparse_ot(a, b, C, k=k, gamma=g)
            worst_v = max(worst_v, _rel(r.value, q.value))
            worst_p = max(worst_p, float(np.max(np.abs(r.plan - q.plan))))
    return Measurement(max(worst_v, worst_p / 100.0), 1e-7,
                       {"sizes": sizes, "value_err": worst_v, "plan_err": worst_p,
                        "measured": "max(rel value error, plan error / 100)"})


@claim("sparse_ot.monotone-in-k", source=SRC + ", D_k nonincreasing in k",
       statement="D_1 >= D_2 >= ... >= D_m = QOT")
def _monotone(fast: bool, rng: np.random.Generator) -> Measurement:
    sizes = [(5, 4)] if fast else [(6, 5), (7, 7), (15, 12), (25, 20)]
    worst = -np.inf
    for m, n in sizes:
        a, b, C = _instance(rng, m, n)
        g = float(rng.uniform(0.5, 5))
        vals = [solve_sparse_ot(a, b, C, k=k, gamma=g).value for k in range(1, m + 1)]
        q = quadratic_ot(a, b, C, gamma=g).value
        worst = max(worst, max(vals[i + 1] - vals[i] for i in range(m - 1)), abs(vals[-1] - q))
    return Measurement(worst, 1e-9, {"sizes": sizes})


@claim("sparse_ot.sandwich", source=SRC + ", limit cases",
       statement="max(QOT, OT + gamma||b||^2/(2k)) <= D_k <= OT + gamma||b||^2/2")
def _sandwich(fast: bool, rng: np.random.Generator) -> Measurement:
    sizes = [(5, 4)] if fast else [(6, 5), (8, 8), (20, 15), (30, 30)]
    worst = -np.inf
    for m, n in sizes:
        a, b, C = _instance(rng, m, n)
        g = float(rng.uniform(0.1, 10))
        ot_val = exact_ot(a, b, C)
        q = quadratic_ot(a, b, C, gamma=g).value
        for k in range(1, m + 1):
            d = solve_sparse_ot(a, b, C, k=k, gamma=g).value
            worst = max(worst, q - d, ot_val + g * (b @ b) / (2 * k) - d, d - ot_val - g * (b @ b) / 2)
    # tight lower bound: a = 1, b = k (0/1 balanced assignments)
    m, k = 6, 2
    C = rng.uniform(size=(m, m // k))
    d = solve_sparse_ot(np.ones(m), np.full(m // k, float(k)), C, k=k, gamma=1.0).value
    tight = abs(d - exact_ot(np.ones(m), np.full(m // k, float(k)), C) - (k * k * (m // k)) / (2 * k))
    return Measurement(max(worst, tight), 1e-9, {"sizes": sizes, "tight_case_error": tight})


@claim("sparse_ot.invariances", source=SRC + "; derived, theory.sparse_ot._problem (cost shifts and scaling)",
       statement="row/column cost shifts add <u,a>+<v,b>; (sC, s gamma) scales by s; row = transposed column")
def _invariances(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    # (i) exact identities of the semi-dual at random alpha, any size:
    #     S_{C + u1' + 1v'}(alpha + u) = S_C(alpha) + <u,a> + <v,b>,  S_{sC, s gamma}(s alpha) = s S_C(alpha)
    for m, n in ([(6, 5), (30, 20)] if fast else [(6, 5), (30, 20), (200, 150)]):
        a, b, C = _instance(rng, m, n)
        g, k = float(rng.uniform(0.5, 3)), int(rng.integers(1, m + 1))
        u, v, s = rng.normal(size=m), rng.normal(size=n), float(rng.uniform(0.2, 5))
        alpha = rng.normal(size=m)
        base = semi_dual_objective(alpha, sparse_ot_problem(a, b, C, k=k, gamma=g))[0]
        sh = semi_dual_objective(alpha + u, sparse_ot_problem(a, b, C + u[:, None] + v[None, :], k=k,
                                                              gamma=g))[0]
        sc = semi_dual_objective(s * alpha, sparse_ot_problem(a, b, s * C, k=k, gamma=s * g))[0]
        worst = max(worst, _rel(sh, base + u @ a + v @ b), _rel(sc, s * base))
    # (ii) the solver (m n <= 2500: finished by smoothing, within ~1e-9 of the cvxpy optimum)
    for m, n in ([(4, 4)] if fast else [(6, 5), (8, 7), (5, 8), (15, 12), (30, 25)]):
        a, b, C = _instance(rng, m, n)
        g, k = float(rng.uniform(0.5, 3)), 2
        base_r = solve_sparse_ot(a, b, C, k=k, gamma=g)
        u, v = rng.normal(size=m), rng.normal(size=n)
        shifted = solve_sparse_ot(a, b, C + u[:, None] + v[None, :], k=k, gamma=g)
        worst = max(worst, _rel(shifted.value, base_r.value + u @ a + v @ b))
        s = float(rng.uniform(0.2, 5))
        scaled = solve_sparse_ot(a, b, s * C, k=k, gamma=s * g)
        worst = max(worst, _rel(scaled.value, s * base_r.value))
        row = solve_sparse_ot(b, a, C.T, k=k, gamma=g, sparsity="row")
        worst = max(worst, _rel(row.value, base_r.value), float(np.max(np.abs(row.plan - base_r.plan.T))))
    return Measurement(worst, 1e-8, {"measured": "max relative deviation (objective identities and "
                                                 "solver on small instances)"})


@claim("sparse_ot.polishing", source="derived, theory.sparse_ot._certificate (polishing on a support)",
       statement="polishing gives a feasible k-sparse plan with value >= D_k and = its own objective")
def _polishing(fast: bool, rng: np.random.Generator) -> Measurement:
    sizes = [(6, 5)] if fast else [(6, 5), (8, 8), (20, 15), (40, 30)]
    worst = -np.inf
    n_feasible = 0
    for m, n in sizes:
        for k in (2, 3):
            a, b, C = _instance(rng, m, n)
            g = float(rng.uniform(0.5, 5))
            r = solve_sparse_ot(a, b, C, k=k, gamma=g, polish=True)
            if r.polished_plan is None:
                continue
            n_feasible += 1
            T = r.polished_plan
            err = max(float(np.max(np.abs(T.sum(1) - a))), float(np.max(np.abs(T.sum(0) - b))))
            own = float(np.sum(T * C) + 0.5 * g * np.sum(T * T))
            assert r.polished_value is not None
            worst = max(worst, err, r.value - r.polished_value, abs(own - r.polished_value),
                        float(np.max(np.count_nonzero(T > 0, axis=0))) - k, float(np.min(T)) * -1.0)
    if n_feasible == 0:
        return Measurement(float("nan"), 1e-7, {"sizes": sizes, "polished": 0})
    return Measurement(worst, 1e-7, {"sizes": sizes, "polished": n_feasible})


@claim("sparse_ot.relaxed-primal", source=SRC + ", k-support norm relaxation",
       statement="R(T) of the relaxed optimum of instance A (k=2) = D_2 = 119/108; k-support norm = its "
                 "variational form")
def _relaxed(fast: bool, rng: np.random.Generator) -> Measurement:
    A = instance_a()
    T = np.array([[19 / 72, 5 / 72, 0], [5 / 72, 7 / 36, 5 / 72], [0, 5 / 72, 19 / 72]])
    err = abs(relaxed_primal_value(T, A.C, 2, A.gamma) - 119 / 108)
    # and ksupport_sq = its variational form min {sum w_i^2/theta_i : 0 <= theta <= 1, sum theta = k}
    for _ in range(3 if fast else 20):
        w = rng.normal(size=5)
        k = int(rng.integers(1, 6))
        th = cp.Variable(5)
        prob = cp.Problem(cp.Minimize(cp.sum(cp.hstack([cp.quad_over_lin(w[i], th[i]) for i in range(5)]))),
                          [th <= 1, cp.sum(th) == k])
        prob.solve(solver="CLARABEL")
        err = max(err, abs(ksupport_sq(w, k) - float(prob.value)) / max(1.0, float(prob.value)))
    return Measurement(err, 1e-7, {"k": 2, "gamma": A.gamma})


@claim("sparse_ot.bruteforce-infeasible", source="derived, theory.sparse_ot.reference (support enumeration)",
       statement="P_1 is infeasible (inf) for a = (1/2, 1/2), b = (1/3, 1/3, 1/3)")
def _infeasible(fast: bool, rng: np.random.Generator) -> Measurement:
    r = sparse_ot_bruteforce([0.5, 0.5], [1 / 3] * 3, rng.uniform(size=(2, 3)), k=1, gamma=1.0)
    feasible = sparse_ot_bruteforce([0.5, 0.5], [0.25] * 4, rng.uniform(size=(2, 4)), k=1, gamma=1.0)
    ok = (not np.isfinite(r.value)) and r.plan is None and np.isfinite(feasible.value)
    return Measurement(0.0 if ok else 1.0, 0.0, {"n_supports": r.n_supports})


@claim("sparse_ot.quadratic-ot-references", source="blondel2018smooth",
       statement="quadratic_ot = POT smooth_ot_dual(l2) = cvxpy dual with k = m (relative value)")
def _qot(fast: bool, rng: np.random.Generator) -> Measurement:
    sizes = [(5, 4), (8, 9)] if fast else [(5, 4), (8, 9), (20, 25), (40, 30)]
    worst = 0.0
    for m, n in sizes:
        a, b, C = _instance(rng, m, n)
        g = float(rng.uniform(0.2, 5))
        q = quadratic_ot(a, b, C, gamma=g)
        _, log = ot.smooth.smooth_ot_dual(a, b, C, g, reg_type="l2", stopThr=1e-14, numItermax=20000,
                                             log=True)
        c = dual_cvx(a, b, C, k=m, gamma=g)[0]
        worst = max(worst, _rel(q.value, -float(log["res"].fun)), _rel(q.value, c), q.marginal_error)
    return Measurement(worst, 1e-7, {"sizes": sizes})


@claim("sparse_ot.small-gamma-limit", source=SRC + ", limit gamma -> 0",
       statement="0 <= D_k(gamma) - OT <= gamma ||b||^2/2, decreasing to 0 as gamma -> 0")
def _small_gamma(fast: bool, rng: np.random.Generator) -> Measurement:
    a, b, C = _instance(rng, *((5, 4) if fast else (8, 7)))
    ot_val = exact_ot(a, b, C)
    gammas = np.logspace(0, -6, 3 if fast else 10)
    worst = -np.inf
    prev = np.inf
    for g in gammas:
        d = solve_sparse_ot(a, b, C, k=2, gamma=float(g)).value - ot_val
        worst = max(worst, -d, d - g * (b @ b) / 2, d - prev)
        prev = d
    return Measurement(worst, 1e-8, {"gammas": gammas.tolist(), "k": 2})


@claim("sparse_ot.certified-gap", source="derived, theory.sparse_ot._certificate (certified duality gap)",
       statement="every run returns a feasible k-sparse plan bracketing brute force (value <= P_k <= "
                 "polished_value), optimal iff relative gap <= tol, and reaches tol when P_k = D_k")
def _certified_gap(fast: bool, rng: np.random.Generator) -> Measurement:
    sizes = [(3, 3), (3, 4)] if fast else [(3, 3), (3, 4), (4, 3), (4, 4), (5, 3), (3, 5)]
    tol = 1e-10
    worst, n_opt, n_nogap = -np.inf, 0, 0
    for m, n in sizes:
        for k in range(1, m):
            a, b, C = _instance(rng, m, n)
            g = float(rng.uniform(0.2, 5))
            r = solve_sparse_ot(a, b, C, k=k, gamma=g, tol=tol)
            p = sparse_ot_bruteforce(a, b, C, k=k, gamma=g).value
            scale = max(1.0, abs(p)) if np.isfinite(p) else 1.0
            worst = max(worst, (r.value - p) / scale)  # weak duality
            if r.polished_plan is None:  # no plan: must be truly infeasible
                worst = max(worst, 0.0 if not np.isfinite(p) else 1.0)
                continue
            T = r.polished_plan
            err = max(float(np.max(np.abs(T.sum(1) - a))), float(np.max(np.abs(T.sum(0) - b))))
            own = float(np.sum(T * C) + 0.5 * g * np.sum(T * T))
            nnz = float(np.max(np.count_nonzero(T > 0, axis=0))) - k
            worst = max(worst, err / 1e-9 * 1e-10, (p - r.polished_value) / scale, nnz,
                        abs(own - r.polished_value) / scale,
                        0.0 if (r.status == "optimal") == (r.relative_gap <= tol) else 1.0)
            n_opt += r.status == "optimal"
            if p - r.value <= 1e-9 * scale:  # no duality gap: the certificate must close
                n_nogap += 1
                worst = max(worst, 0.0 if r.relative_gap <= 1e-6 else 1.0)
    return Measurement(worst, 1e-10, {"sizes": sizes, "optimal": n_opt, "no_gap_instances": n_nogap,
                                      "measured": "max(D - P_k, P_k - U, 0.1 marg.err/1e-9, nnz - k, "
                                                  "status mismatch, open certificate without gap)"})


@claim("sparse_ot.router-capacity",
       source="liu2023sparsity, sparse mixture-of-experts routing (experts choose tokens)",
       statement="experts-choose router: every expert <= capacity tokens and exact expert loads S/E")
def _router(fast: bool, rng: np.random.Generator) -> Measurement:
    shapes = [(32, 4)] if fast else [(32, 4), (64, 8), (128, 8)]
    worst = -np.inf
    for S, E in shapes:
        r = route(rng.normal(size=(S, E)), method="experts-choose", capacity_factor=1.0)
        worst = max(worst, r.stats["expert_nnz_max"] - r.k, r.stats["col_error"])
    return Measurement(worst, 1e-9, {"shapes": shapes, "gamma": 1.0,
                                     "measured": "max(expert nnz - capacity, max |T^T 1 - S/E|)"})
