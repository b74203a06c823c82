"""Registered claims of :mod:`theory.attention_svm`.

Compound claims report the worst ratio ``violation / tolerance`` over their conditions (pass at
``<= 1``); the components are listed in ``params``.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from scipy.optimize import linprog

from theory.attention_svm.data import random_instance
from theory.attention_svm.dynamics import (
    HEADS,
    LOSSES,
    classify,
    loss_and_gradient,
    make_head,
    regularization_path,
    train_attention,
)
from theory.attention_svm.equivalence import svm_equivalence
from theory.attention_svm.instances import (
    V_INST1,
    V_INST2,
    WMM_INST2,
    WNUC_INST2,
    X_INST1,
    X_INST2,
    X_INST3,
    Z_INST1,
    Z_INST2,
    Z_INST3,
)
from theory.attention_svm.reference import solve_att_svm_cvxpy
from theory.attention_svm.svm import (
    build_constraints,
    correlation,
    flatten_queries,
    is_feasible,
    is_locally_optimal,
    optimal_tokens,
    solve_att_svm,
    token_scores,
)
from theory.claims import Measurement, claim
from theory.testing import complementarity, dual_violation, primal_violation

TF_SVM = "tarzanagh2023svm"
MMTS = "tarzanagh2023maxmargin"




def _unit(a: np.ndarray) -> np.ndarray:
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


def _instance(rng: np.random.Generator, n: int, T: int, d: int) -> tuple[np.ndarray, ...]:
    return tuple(random_instance(n, T, d, rng=rng))


def _kkt_residual(X: np.ndarray, Z: np.ndarray, alpha: np.ndarray, W: np.ndarray, lam: np.ndarray) -> float:
    """Worst KKT residual recomputed from scratch: feasibility, dual sign, complementarity, W = sum lam A.

    Complementarity is relative to ``max(1, max lam)`` and stationarity to ``max(1, ||W||_F)``.
    """
    n, T, _ = X.shape
    m = np.einsum("itd,de,ie->it", X[np.arange(n), alpha][:, None, :] - X, W, Z)
    off = np.ones((n, T), bool)
    off[np.arange(n), alpha] = False
    lam_off = np.where(off, lam, 0.0)
    recon = np.einsum("it,itd,ie->de", lam_off, X[np.arange(n), alpha][:, None, :] - X, Z)
    return max(primal_violation(m[off]), dual_violation(lam_off[off]),
               complementarity(lam_off[off], m[off], scale=max(1.0, float(lam_off.max()))),
               float(np.abs(W - recon).max()) / max(1.0, float(np.linalg.norm(W))))


@claim("attention_svm.fro-kkt", source=f"{TF_SVM}, Att-SVM (Frobenius)",
       statement="W^mm satisfies KKT (W = sum lam A, lam >= 0, lam (m - 1) = 0, m >= 1) and matches cvxpy")
def _fro_kkt(fast: bool, rng: np.random.Generator) -> Measurement:
    trials, (n, T, d) = (3, (10, 5, 6)) if fast else (10, (50, 10, 20))
    kkt, rel = 0.0, 0.0
    for _ in range(trials):
        X, Z, _, _ = _instance(rng, n, T, d)
        alpha = rng.integers(0, T, n)
        res = solve_att_svm(X, Z, alpha)
        ref = solve_att_svm_cvxpy(X, Z, alpha, norm="fro")
        if res.status != "optimal" or ref.status != "optimal" or res.multipliers is None:
            return Measurement(float("nan"), 1.0, {"status": [res.status, ref.status]})
        kkt = max(kkt, _kkt_residual(X, Z, alpha, res.W, res.multipliers))
        rel = max(rel, abs(res.objective - ref.objective) / ref.objective)
    return Measurement(max(kkt / 1e-9, rel / 1e-6), 1.0,
                       {"trials": trials, "n": n, "T": T, "d": d, "kkt_residual": kkt, "tol_kkt": 1e-9,
                        "rel_objective_vs_cvxpy": rel, "tol_rel": 1e-6})


@claim("attention_svm.nuc-dual", source=f"{TF_SVM}, Att-SVM (nuclear)",
       statement="||W*||_* agrees (Clarabel vs SCS) and equals the dual value sum lam, ||sum lam A||_op <= 1")
def _nuc_dual(fast: bool, rng: np.random.Generator) -> Measurement:
    trials, (n, T, d) = (2, (4, 4, 4)) if fast else (6, (8, 5, 6))
    solvers, dual, sanity = 0.0, 0.0, 0.0
    for _ in range(trials):
        X, Z, _, _ = _instance(rng, n, T, d)
        alpha = rng.integers(0, T, n)
        a = solve_att_svm(X, Z, alpha, norm="nuc", solver="CLARABEL")
        b = solve_att_svm(X, Z, alpha, norm="nuc", solver="SCS")
        f = solve_att_svm(X, Z, alpha, norm="fro")
        if a.status != "optimal" or b.status != "optimal" or f.status != "optimal" or a.multipliers is None:
            return Measurement(float("nan"), 1.0, {"status": [a.status, b.status, f.status]})
        solvers = max(solvers, abs(a.objective - b.objective) / a.objective)
        lam_sum = float(np.nansum(a.multipliers))
        dual = max(dual, abs(lam_sum - a.objective) / a.objective, a.diagnostics["stationarity"])
        sanity = max(sanity, a.objective - float(np.linalg.norm(f.W, "nuc")),
                     f.objective - float(np.linalg.norm(a.W)))
    return Measurement(max(solvers / 1e-4, dual / 1e-5, max(sanity, 0.0) / 1e-6), 1.0,
                       {"trials": trials, "n": n, "T": T, "d": d, "rel_clarabel_vs_scs": solvers,
                        "dual_gap_or_op_excess": dual, "sanity_violation": sanity})


@claim("attention_svm.reference-instances", source=f"{TF_SVM}; {MMTS}, single-input example",
       statement="closed-form instances: W^mm, norms, supports, multipliers, local optimality, infeasibility")
def _reference(fast: bool, rng: np.random.Generator) -> Measurement:
    del fast, rng  # deterministic
    err = []
    want = {0: (np.array([[-1.0, 0.0], [10.0, 0.0]]) / 10.1, [2], [np.nan, 0.0, 1.0 / 1.01]),
            1: (np.array([[1.0, 0.0], [0.0, 0.0]]), [2], [0.0, np.nan, 1.0]),
            2: (np.array([[-1.0, 0.0], [-1.1, 0.0]]), [0, 1], [1.1, 1.11, np.nan])}
    gamma = token_scores(X_INST1, [1.0], V_INST1)
    for a, (W, sup, lam) in want.items():
        r = solve_att_svm(X_INST1, Z_INST1, [a])
        nuc = solve_att_svm(X_INST1, Z_INST1, [a], norm="nuc")
        assert r.multipliers is not None
        err += [np.abs(r.W - W).max() / 1e-9, abs(nuc.objective - np.linalg.norm(W)) / 1e-5,
                float(list(r.support[0]) != sup), np.nanmax(np.abs(r.multipliers[0] - lam)) / 1e-9]
        err.append(float(is_locally_optimal(X_INST1, Z_INST1, [a], gamma) != (a != 2)))
    f2 = solve_att_svm(X_INST2, Z_INST2, [0, 0, 0])
    n2 = solve_att_svm(X_INST2, Z_INST2, [0, 0, 0], norm="nuc")
    err += [np.abs(f2.W - WMM_INST2).max() / 1e-9, abs(n2.objective - 2.0) / 2e-5,
            np.abs(n2.W - WNUC_INST2).max() / 1e-3]
    for a, W in ((0, np.array([[0.0, 1.0], [0.0, 0.0]])), (1, np.array([[0.0, -1.0], [0.0, 0.0]]))):
        err.append(np.abs(solve_att_svm(X_INST3, Z_INST3, [a]).W - W).max() / 1e-9)
    err.append(float(solve_att_svm(X_INST3, Z_INST3, [2]).status != "infeasible"))
    err.append(float(solve_att_svm(X_INST3, Z_INST3, [2], norm="nuc").status != "infeasible"))
    return Measurement(float(max(err)), 1.0, {"conditions": len(err)})


@claim("attention_svm.rank-one", source=f"{TF_SVM}; {MMTS}, p-SVM",
       statement="n = 1: W^mm = W*^mm = u* z^T / ||z||^2 has rank one and ||W||_F = ||W||_*")
def _rank_one(fast: bool, rng: np.random.Generator) -> Measurement:
    trials, (T, d) = (3, (5, 4)) if fast else (15, (8, 6))
    worst = 0.0
    for _ in range(trials):
        X, Z, _, _ = _instance(rng, 1, T, d)
        Z = Z * rng.uniform(0.5, 2.0)
        alpha = rng.integers(0, T, 1)
        f = solve_att_svm(X, Z, alpha)
        nuc = solve_att_svm(X, Z, alpha, norm="nuc")
        # Independent route: the d-dimensional SVM on token differences (queries e_1 in R^d).
        u = solve_att_svm(X, np.eye(d)[:1], alpha).W[:, 0]
        closed = np.outer(u, Z[0]) / float(Z[0] @ Z[0])
        s = np.linalg.svd(f.W, compute_uv=False)
        worst = max(worst, abs(f.objective - nuc.objective) / f.objective / 1e-6,
                    float(s[1] / s[0]) / 1e-9, np.abs(f.W - closed).max() / 1e-9)
    return Measurement(worst, 1.0, {"trials": trials, "T": T, "d": d})


@claim("attention_svm.rank-bound", source=f"{TF_SVM}, rank of W^mm",
       statement="rank W^mm <= min(n, d), as W^mm = sum_i (sum_t lam_it (x_ia - x_it)) z_i^T")
def _rank_bound(fast: bool, rng: np.random.Generator) -> Measurement:
    cells = [(3, 5, 2), (3, 5, 5), (5, 5, 3), (5, 5, 8)] if fast else \
        [(n, T, d) for n, T in ((5, 5), (10, 5), (5, 10)) for d in (2, 3, 5, 10, 15)]
    excess, deficit, tried = 0, 0, 0
    for n, T, d in cells:
        for _ in range(3 if fast else 5):
            X, Z, Y, v = _instance(rng, n, T, d)
            r = solve_att_svm(X, Z, optimal_tokens(X, Y, v))
            if r.status != "optimal":
                continue
            tried += 1
            s = np.linalg.svd(r.W, compute_uv=False)
            rank = int(np.sum(s > 1e-6 * s[0]))
            excess = max(excess, rank - min(n, d))
            deficit += int(rank < min(n, d))
    return Measurement(float(excess) if tried else float("nan"), 0.0,
                       {"cells": cells, "solved": tried, "rank_deficient_cases": deficit})


def _in_hull_lp(G: np.ndarray) -> bool:
    """Whether 0 is in conv(rows of G): an LP feasibility problem (HiGHS)."""
    m = G.shape[0]
    A_eq = np.vstack([G.T, np.ones((1, m))])
    b_eq = np.zeros(A_eq.shape[0])
    b_eq[-1] = 1.0
    res = linprog(np.zeros(m), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return bool(res.status == 0)


@claim("attention_svm.infeasible-iff-hull", source=f"{TF_SVM}, feasibility of Att-SVM",
       statement="solve_att_svm reports infeasible exactly when 0 lies in conv{A_it} (LP certificate)")
def _infeasible(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 30 if fast else 200
    disagree, counts = 0, {"feasible": 0, "infeasible": 0}
    for k in range(trials):
        n, T, d = (1 + k % 3, 3 + k % 3, 1 + k % 2)
        X, Z, _, _ = _instance(rng, n, T, d)
        alpha = rng.integers(0, T, n)
        status = solve_att_svm(X, Z, alpha).status
        in_hull = _in_hull_lp(build_constraints(X, Z, alpha, np.ones((n, T), bool)).G)
        counts["infeasible" if in_hull else "feasible"] += 1
        disagree += int((status == "infeasible") != in_hull)
    disagree += int(solve_att_svm(X_INST3, Z_INST3, [2]).status != "infeasible")
    both = counts["feasible"] > 0 and counts["infeasible"] > 0
    return Measurement(float(disagree) if both else float("nan"), 0.0, {"trials": trials, **counts})


@claim("attention_svm.flatten", source=f"{TF_SVM}, sequence/self-attention extension",
       statement="[proposed] multi-query and causal Att-SVM via flatten_queries = the explicit constraint"
                 " list (cvxpy)")
def _flatten(fast: bool, rng: np.random.Generator) -> Measurement:
    import cvxpy as cp

    trials, (n, T, d) = (3, (2, 4, 6)) if fast else (9, (3, 5, 8))
    worst = 0.0
    modes = ("causal self-attention", "full self-attention", "causal cross-attention (2 queries)")
    for k in range(trials):
        Xs = _unit(rng.standard_normal((n, T, d)))
        mode = modes[k % 3]
        causal = mode.startswith("causal")
        Qs = _unit(rng.standard_normal((n, 2, d))) if "cross" in mode else None
        flat = flatten_queries(Xs, "all" if Qs is None else Qs, causal=causal)
        alpha = np.array([rng.integers(0, p + 1) if causal else rng.integers(0, T) for p in flat.position])
        ours = solve_att_svm(flat.X, flat.Z, alpha, mask=flat.mask)
        W = cp.Variable((d, d))
        cons = []
        K = T if Qs is None else Qs.shape[1]
        for i in range(n):
            for q in range(K):
                a = alpha[i * K + q]
                query = Xs[i, q] if Qs is None else Qs[i, q]
                for t in range(q + 1 if causal else T):
                    if t != a:
                        cons.append((Xs[i, a] - Xs[i, t]) @ W @ query >= 1)
        prob = cp.Problem(cp.Minimize(cp.norm(W, "fro")), cons)
        prob.solve(solver="CLARABEL")
        if ours.status != "optimal" or prob.status != cp.OPTIMAL or prob.value is None:
            return Measurement(float("nan"), 1e-6, {"status": [ours.status, prob.status], "mode": mode})
        worst = max(worst, abs(ours.objective - float(prob.value)) / float(prob.value))
    return Measurement(worst, 1e-6, {"trials": trials, "n": n, "T": T, "d": d, "modes": modes})


@claim("attention_svm.reg-path", source=f"{TF_SVM}, regularization path (W)",
       statement="W_R = argmin_(|W|<=R) L: corr(W_R, W^mm) >= 0.99 at R = 30|W^mm|, rising once R >= 2|W^mm|")
def _reg_path(fast: bool, rng: np.random.Generator) -> Measurement:
    trials, restarts, steps = (1, 3, 400) if fast else (4, 10, 1500)
    mults = np.array([4.0, 8.0, 16.0, 30.0]) if fast else np.array([0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0])
    final_gap, drop, curves = 0.0, 0.0, []
    done = 0
    while done < trials:
        X, Z, Y, v = _instance(rng, 3, 4, 4)
        svm = solve_att_svm(X, Z, optimal_tokens(X, Y, v))
        if svm.status != "optimal":
            continue
        done += 1
        path = regularization_path(X, Z, Y, v, mults * svm.objective, restarts=restarts, steps=steps,
                                   seeded=False, rng=rng)
        corr = np.array([correlation(W, svm.W) for W in path])
        curves.append(np.round(corr, 6).tolist())
        final_gap = max(final_gap, 1.0 - corr[-1])
        large = corr[mults >= 2.0]
        drop = max(drop, float(np.max(large[:-1] - large[1:], initial=0.0)))
    return Measurement(max(final_gap / 0.01, drop / 1e-3), 1.0,
                       {"R_over_norm": mults.tolist(), "corr": curves, "restarts": restarts, "steps": steps,
                        "one_minus_corr_at_max_R": final_gap, "largest_drop_R>=2norm": drop})


@claim("attention_svm.reg-path-kq", source=f"{TF_SVM}, regularization path (K, Q)",
       statement="instance 2: K_R Q_R^T on ||K||^2+||Q||^2 <= 2R aligns with W*^mm (corr >= 0.99), not W^mm")
def _reg_path_kq(fast: bool, rng: np.random.Generator) -> Measurement:
    radii = [20.0, 40.0]
    path = regularization_path(X_INST2, Z_INST2, np.ones(3), V_INST2, radii, param="KQ",
                               restarts=3 if fast else 10, steps=400 if fast else 1500, seeded=False, rng=rng)
    c_nuc = min(correlation(W, WNUC_INST2) for W in path)
    c_fro = max(correlation(W, WMM_INST2) for W in path)
    return Measurement(max((1.0 - c_nuc) / 0.01, (c_fro - 0.93) / 0.002 + 1.0), 1.0,
                       {"radii": radii, "min_corr_nuclear": c_nuc, "max_corr_frobenius": c_fro})


@claim("attention_svm.w-gd-direction", source=f"{TF_SVM}, W-GD directional convergence; {MMTS}",
       statement="normalised W-GD from 0: corr(W, W^mm(a_hat)) >= 0.999, 1-corr falling, a_hat locally opt.")
def _w_gd(fast: bool, rng: np.random.Generator) -> Measurement:
    runs, steps = (4, 3000) if fast else (20, 4000)
    marks = [steps // 4, steps // 2, 3 * steps // 4, steps]
    ok = 0
    rows: list[float | str] = []  # 1 - corr at the end per run, or "infeasible"
    slopes: list[float] = []
    for _ in range(runs):
        X, Z, Y, v = _instance(rng, 6, 8, 10)
        tr = train_attention(X, Z, Y, v=v, steps=steps, checkpoints=marks)
        alpha_hat = np.argmax(tr.softmax_final, axis=1)
        svm = solve_att_svm(X, Z, alpha_hat)
        if svm.status != "optimal":
            rows.append("infeasible")
            continue
        gaps = [1.0 - correlation(W, svm.W) for W in tr.iterates]
        if min(gaps) > 0:  # empirical rate: slope of log(1 - corr) against log k (no constant asserted)
            slopes.append(float(np.polyfit(np.log(marks), np.log(gaps), 1)[0]))
        local = is_locally_optimal(X, Z, alpha_hat, token_scores(X, Y, v))
        good = (gaps[-1] <= 1e-3 and bool(np.all(np.diff(gaps) < 0))
                and tr.max_softmax[-1] >= 1 - 1e-6 and local)
        ok += int(good)
        rows.append(float(gaps[-1]))
    return Measurement(ok / runs, 0.75, {"runs": runs, "steps": steps, "n": 6, "T": 8, "d": 10,
                                         "one_minus_corr_final": rows,
                                         "median_loglog_slope": float(np.median(slopes)) if slopes else None},
                       direction=">=")


@claim("attention_svm.init-global-local", source=f"{TF_SVM}, local convergence; {MMTS}, single-input example",
       statement="instance 1: GD from 0 reaches W^mm(alpha=0), from [[0,0],[-1,0]] the local W^mm(alpha=1)")
def _init(fast: bool, rng: np.random.Generator) -> Measurement:
    del rng
    steps = 1500 if fast else 3000
    targets = [solve_att_svm(X_INST1, Z_INST1, [a]).W for a in (0, 1)]
    corr = []
    for init, target in ((None, targets[0]), (np.array([[0.0, 0.0], [-1.0, 0.0]]), targets[1])):
        tr = train_attention(X_INST1, Z_INST1, [1.0], v=V_INST1, steps=steps, init=init)
        corr.append(correlation(tr.W, target))
    return Measurement(1.0 - min(corr), 1e-4, {"steps": steps, "corr_global_local": corr})


@claim("attention_svm.kq-gd-nuclear", source=f"{TF_SVM}, (K, Q) gradient descent (observed empirically)",
       statement="instance 2: KQ-GD aligns with W*^mm (corr >= 0.99), not W^mm (<= 0.93); W-GD gives W^mm")
def _kq_gd(fast: bool, rng: np.random.Generator) -> Measurement:
    seeds = 3 if fast else 8
    Y = np.ones(3)
    nuc, fro = [], []
    for _ in range(seeds):
        tr = train_attention(X_INST2, Z_INST2, Y, v=V_INST2, param="KQ", steps=3000, rng=rng)
        nuc.append(correlation(tr.W, WNUC_INST2))
        fro.append(correlation(tr.W, WMM_INST2))
    w = train_attention(X_INST2, Z_INST2, Y, v=V_INST2, steps=3000, init=0.1 * rng.standard_normal((2, 2)))
    w_fro, w_nuc = correlation(w.W, WMM_INST2), correlation(w.W, WNUC_INST2)
    viol = [(1.0 - float(np.mean(nuc))) / 0.01, (float(np.mean(fro)) - 0.93) / 0.002 + 1.0,
            (1.0 - w_fro) / 1e-4, abs(w_nuc - np.sqrt(3) / 2) / 0.002]
    return Measurement(max(viol), 1.0, {"seeds": seeds, "kq_corr_nuclear": nuc, "kq_corr_frobenius": fro,
                                        "w_corr_frobenius": w_fro, "w_corr_nuclear": w_nuc})


@claim("attention_svm.overparam-feasible", source=f"{TF_SVM}, over-parameterisation",
       statement="generic data with d >= max(n, T-1): Att-SVM(alpha) is feasible for every alpha tried")
def _overparam(fast: bool, rng: np.random.Generator) -> Measurement:
    cells, per = ([(3, 4, 3), (4, 6, 5)], 10) if fast else ([(3, 4, 3), (5, 5, 5), (4, 8, 7), (6, 6, 8)], 50)
    infeasible, tried = 0, 0
    for n, T, d in cells:
        X, Z, _, _ = _instance(rng, n, T, d)
        for _ in range(per):
            infeasible += int(not is_feasible(X, Z, rng.integers(0, T, n)))
            tried += 1
    # Control: below the threshold (d = 1) some alpha must be infeasible, or the test is vacuous.
    Xc, Zc, _, _ = _instance(rng, 3, 4, 1)
    control = sum(not is_feasible(Xc, Zc, rng.integers(0, 4, 3)) for _ in range(20))
    return Measurement(float(infeasible) if control > 0 else float("nan"), 0.0,
                       {"cells_n_T_d": cells, "alphas_tried": tried, "infeasible_at_d=1_control": control})


@claim("attention_svm.overparam-benign", source=f"{TF_SVM}, over-parameterisation (benign landscape)",
       statement="n = T = 5: the share of W-GD runs reaching the global SVM is larger at d = 10 than d = 2")
def _overparam_benign(fast: bool, rng: np.random.Generator) -> Measurement:
    runs, steps = (8, 1500) if fast else (40, 3000)
    share = {}
    for d in (2, 10):
        kinds = []
        for _ in range(runs):
            X, Z, Y, v = _instance(rng, 5, 5, d)
            b = 1.0 / np.sqrt(d)
            tr = train_attention(X, Z, Y, v=v, steps=steps, init=rng.uniform(-b, b, (d, d)))
            kinds.append(classify(X, Z, token_scores(X, Y, v), tr.W))
        share[d] = kinds.count("global") / runs
    return Measurement(share[10] - share[2], 1.0 / runs,
                       {"runs": runs, "steps": steps, "global_share": share}, direction=">=")


def _risk(X: np.ndarray, Z: np.ndarray, Y: np.ndarray, v: np.ndarray, head: str, loss: str,
          M: np.ndarray) -> float:
    return float(loss_and_gradient(X, Z, Y, M, v=v, head=head, loss=loss)[0])


@claim("attention_svm.gradient-fd", source="derived, theory.attention_svm.dynamics.loss_and_gradient",
       statement="analytic gradients in W and (K, Q) equal central differences for every head and loss")
def _gradient(fast: bool, rng: np.random.Generator) -> Measurement:
    n, T, d = (3, 4, 3) if fast else (5, 6, 5)
    X, Z, Y, _ = _instance(rng, n, T, d)
    h, worst = 1e-5, 0.0
    for head in HEADS:
        v = make_head(None, head, d, rng=rng).v
        for loss in LOSSES:
            K, Q = rng.standard_normal((d, d)), rng.standard_normal((d, d))
            _, G = loss_and_gradient(X, Z, Y, K @ Q.T, v=v, head=head, loss=loss)
            _, (gK, gQ) = loss_and_gradient(X, Z, Y, (K, Q), v=v, head=head, loss=loss)
            fd = np.zeros((3, d, d))
            for a in range(d):
                for b in range(d):
                    E = np.zeros((d, d))
                    E[a, b] = h

                    f = partial(_risk, X, Z, Y, v, head, loss)

                    fd[0, a, b] = (f(K @ Q.T + E) - f(K @ Q.T - E)) / (2 * h)
                    fd[1, a, b] = (f((K + E) @ Q.T) - f((K - E) @ Q.T)) / (2 * h)
                    fd[2, a, b] = (f(K @ (Q + E).T) - f(K @ (Q - E).T)) / (2 * h)
            for an, num in zip((G, gK, gQ), fd):
                worst = max(worst, float(np.abs(an - num).max() / max(np.abs(num).max(), 1e-12)))
    return Measurement(worst, 1e-6, {"n": n, "T": T, "d": d, "step": h, "heads": HEADS, "losses": LOSSES})


@claim("attention_svm.svm-equivalence", source=f"{TF_SVM}, nonlinear heads (SVM-equivalence)",
       statement="singleton O_i: W^dir = Att-SVM(a_hat), W^fin = 0; W^eq keeps logit gaps in O, = cvxpy")
def _svm_eq(fast: bool, rng: np.random.Generator) -> Measurement:
    import cvxpy as cp

    n, T, d = (3, 4, 5) if fast else (4, 6, 8)
    X, Z, Y, v = _instance(rng, n, T, d)
    tr = train_attention(X, Z, Y, v=v, steps=3000)
    alpha_hat = np.argmax(tr.softmax_final, axis=1)
    eq = svm_equivalence(X, Z, tr.softmax_final, tr.W)
    single = max(np.abs(eq.W_dir - solve_att_svm(X, Z, alpha_hat).W).max(), np.abs(eq.W_fin).max()) / 1e-9
    # Two selected tokens per sample, from an arbitrary W (the decomposition is algebraic).
    W = rng.standard_normal((d, d))
    s = np.full((n, T), 1e-9)
    s[:, :2] = rng.dirichlet([2.0, 2.0], n)
    s /= s.sum(axis=1, keepdims=True)
    eq2 = svm_equivalence(X, Z, s, W)
    gaps = np.einsum("itd,de,ie->it", X[:, 1:2] - X[:, :1], eq2.W_eq, Z)[:, 0]
    keep = np.abs(gaps - np.log(s[:, 1] / s[:, 0])).max() / 1e-9
    Wv = cp.Variable((d, d))
    cons = []
    for i in range(n):
        cons.append((X[i, 0] - X[i, 1]) @ Wv @ Z[i] == 0)
        cons += [(X[i, 0] - X[i, t]) @ Wv @ Z[i] >= 1 for t in range(2, T)]
    prob = cp.Problem(cp.Minimize(cp.norm(Wv, "fro")), cons)
    prob.solve(solver="CLARABEL")
    ref = abs(float(np.linalg.norm(eq2.W_dir)) - float(prob.value)) / float(prob.value) / 1e-6
    return Measurement(max(single, keep, ref), 1.0, {"n": n, "T": T, "d": d, "singleton": single,
                                                     "logit_gaps": keep, "dir_vs_cvxpy": ref})
