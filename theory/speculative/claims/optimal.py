"""Claims on the optimal acceptance: single draft, reference cases, subset formula, set LP, wor race."""

from __future__ import annotations

import math

import numpy as np
import ot

from theory.claims import Measurement, claim
from theory.speculative._common import SCHEMES
from theory.speculative.claims._common import EXACT, LP, support
from theory.speculative.coupling import maximal_coupling_acceptance
from theory.speculative.draftsets import wor_k2_prefix_all_in, wor_prefix_all_in
from theory.speculative.instances import (
    CASE_A,
    CASE_A_KSEQ,
    CASE_B,
    CASE_B_NAIVE_LAW,
    REFERENCE_TABLE,
    random_tied_pair,
)
from theory.speculative.optimal import (
    full_lp_acceptance,
    optimal_acceptance,
    optimal_acceptance_lp,
    optimal_subset,
)
from theory.speculative.reference import (
    kseq_case_rho,
    wor_all_in_enumerate,
    wor_all_in_quad,
    wor_all_in_rational,
)
from theory.speculative.schemes import acceptance_rate, exact_scheme, kseq_rho


@claim("speculative.single-draft-coupling",
       source="sun2023spectr, Sec. 2",
       statement="alpha*(K=1) = sum min(p, q) = 1 - min_pi <pi, 1 - I> (exact OT, POT emd)")
def _single_draft_coupling(fast: bool, rng: np.random.Generator) -> Measurement:
    trials, vocab = (20, 30) if fast else (200, 100)
    worst = 0.0
    for _ in range(trials):
        # Dirichlet(0.3) pairs: peaked, with many near-zero entries, as LM distributions are.
        p = rng.dirichlet(np.full(vocab, 0.3))
        q = rng.dirichlet(np.full(vocab, 0.3))
        closed = maximal_coupling_acceptance(p, q)
        cost = 1.0 - np.eye(vocab)
        via_ot = 1.0 - float(ot.emd2(q, p, cost, numItermax=1_000_000))
        worst = max(worst, abs(closed - via_ot))
    return Measurement(worst, 1e-12, {"trials": trials, "V": vocab, "dirichlet": 0.3})


@claim("speculative.single-draft",
       source="sun2023spectr; hu2025optimal",
       statement="K = 1: every draft law, every scheme and its exact enumeration give sum min(p, q)")
def _single_draft(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 5 if fast else 40
    worst = 0.0
    for _ in range(trials):
        p, q = random_tied_pair(int(rng.integers(2, 9)), rng)
        ref = float(np.minimum(p, q).sum())
        values = [optimal_acceptance(p, q, 1, drafts=d) for d in ("iid", "wor", "greedy")]
        values += [acceptance_rate(s, p, q, 1) for s in SCHEMES]
        values += [exact_scheme(s, p, q, 1).acceptance for s in ("rrs", "rrs-wor", "kseq", "greedy")]
        values.append(full_lp_acceptance(p, q, 1, solver="emd"))
        worst = max(worst, max(abs(v - ref) for v in values))
    return Measurement(worst, EXACT, {"trials": trials, "V": "2..8"})


@claim("speculative.reference-cases",
       source="derived, theory.speculative.instances.REFERENCE_TABLE (exact rationals by subset brute force)",
       statement=("cases A-C: alpha*_iid, alpha*_wor, B*, single, "
                  "rrs, rrs-wor, kseq (rho*), greedy as tabulated"))
def _reference_cases(fast: bool, rng: np.random.Generator) -> Measurement:
    pa, qa = CASE_A
    pb, qb = CASE_B
    cases = {"A": CASE_A, "B": CASE_B}
    exact_err, lp_err = 0.0, 0.0
    for case, k, a_iid, b_iid, a_wor, b_wor, single, rrs, rrs_wor, greedy in REFERENCE_TABLE:
        p, q = cases[case]
        v_iid, s_iid = optimal_subset(p, q, k)
        v_wor, s_wor = optimal_subset(p, q, k, drafts="wor")
        rho = kseq_case_rho(p, q, k)
        beta = 0.2 + 0.5 / rho
        got = [v_iid, v_wor, optimal_acceptance(p, q, 1), acceptance_rate("rrs", p, q, k),
               acceptance_rate("rrs-wor", p, q, k), acceptance_rate("greedy", p, q, k),
               acceptance_rate("kseq", p, q, k), kseq_rho(p, q, k)[0],
               exact_scheme("kseq", p, q, k).acceptance, exact_scheme("rrs-wor", p, q, k).acceptance]
        want = [a_iid, a_wor, single, rrs, rrs_wor, greedy, 1 - (1 - beta) ** k, rho,
                1 - (1 - beta) ** k, rrs_wor]
        exact_err = max(exact_err, max(abs(g - w) for g, w in zip(got, want)))
        exact_err = max(exact_err, float(s_iid != frozenset(b_iid)), float(s_wor != frozenset(b_wor)))
        lp_err = max(lp_err, abs(optimal_acceptance_lp(p, q, k).value - a_iid),
                     abs(optimal_acceptance_lp(p, q, k, drafts="wor").value - a_wor))
    rho_a, alpha_a = CASE_A_KSEQ
    exact_err = max(exact_err, abs(kseq_rho(pa, qa, 2)[0] - rho_a),
                    abs(acceptance_rate("kseq", pa, qa, 2) - alpha_a))
    naive = exact_scheme("naive", pb, qb, 2).law
    exact_err = max(exact_err, float(np.abs(naive - np.array(CASE_B_NAIVE_LAW)).max()))
    return Measurement(max(exact_err / EXACT, lp_err / LP), 1.0,
                       {"exact_err": exact_err, "lp_err": lp_err, "units": "error / tolerance"})


@claim("speculative.subset-dual",
       source=("hu2025optimal, subset selection; "
               "derived, total unimodularity of the set LP (theory.speculative.optimal)"),
       statement=("set LP (HiGHS) = sorted subset formula, iid and wor; "
                  "its dual v is integral and B = {v > 1/2} attains it"))
def _subset_dual(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 6 if fast else 60
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 7 if fast else 9))
        k = int(rng.integers(2, 4))
        p, q = random_tied_pair(v, rng, min_support=k)
        for drafts in ("iid", "wor"):
            if drafts == "wor" and k > support(q):
                continue
            res = optimal_acceptance_lp(p, q, k, drafts=drafts)
            formula = optimal_acceptance(p, q, k, drafts=drafts)
            d = res.diagnostics
            worst = max(worst, abs(res.value - formula), d["dual_integrality"],
                        abs(d["subset_objective"] - res.value), abs(d["dual_objective"] - res.value))
    return Measurement(worst, LP, {"trials": trials, "V": "2..8", "K": "2..3"})


@claim("speculative.full-vs-reduced",
       source="sun2023spectr, OTM; derived, reduction to draft sets (theory.speculative.optimal)",
       statement=("full OT over draft tuples (POT emd and HiGHS) = "
                  "reduced set LP = subset formula (V <= 5, K <= 3)"))
def _full_vs_reduced(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 3 if fast else 20
    exact_err, lp_err = 0.0, 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 6))
        k = int(rng.integers(2, 4))
        p, q = random_tied_pair(v, rng, min_support=k)
        for drafts in ("iid", "wor"):
            if drafts == "wor" and k > support(q):
                continue
            formula = optimal_acceptance(p, q, k, drafts=drafts)
            exact_err = max(exact_err, abs(full_lp_acceptance(p, q, k, drafts=drafts, solver="emd")
                                           - formula))
            lp_err = max(lp_err,
                         abs(full_lp_acceptance(p, q, k, drafts=drafts, solver="highs") - formula),
                         abs(optimal_acceptance_lp(p, q, k, drafts=drafts).value - formula))
    return Measurement(max(exact_err / EXACT, lp_err / LP), 1.0,
                       {"trials": trials, "emd_err": exact_err, "lp_err": lp_err,
                        "units": "error / tolerance"})


@claim("speculative.sorted-prefix",
       source="hu2025optimal, O(V log V) subset selection",
       statement="iid: min over the V+1 prefixes of the p/q order = min over all 2^V subsets (V <= 12)")
def _sorted_prefix(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 30 if fast else 300
    worst = 0.0
    for _ in range(trials):
        p, q = random_tied_pair(int(rng.integers(2, 9 if fast else 13)), rng)
        k = int(rng.integers(1, 6))
        worst = max(worst, abs(optimal_subset(p, q, k)[0]
                               - optimal_subset(p, q, k, method="bruteforce")[0]))
    return Measurement(worst, EXACT, {"trials": trials, "V": "2..12", "K": "1..5"})


@claim("speculative.wor-prefix",
       source="hu2025optimal, q-convexity (proof not checked)",
       statement=("[proposed] observed: without replacement, the prefix search "
                  "= brute force over all subsets (V <= 7, K <= 4)"))
def _wor_prefix(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 15 if fast else 200
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 7 if fast else 8))
        k = int(rng.integers(2, min(v, 4) + 1))
        p, q = random_tied_pair(v, rng, min_support=k)
        if k > support(q):
            continue
        worst = max(worst, abs(optimal_subset(p, q, k, drafts="wor")[0]
                               - optimal_subset(p, q, k, drafts="wor", method="bruteforce")[0]))
    return Measurement(worst, 1e-8, {"trials": trials, "V": "2..7", "K": "2..4"})


@claim("speculative.wor-race",
       source="derived, race representation of sampling without replacement (theory.speculative.draftsets)",
       statement=("P(all K wor drafts in B): prefix grid = exact rational enumeration (1e-10, "
                  "concentrated drafts included); quad = float enumeration (1e-12)"))
def _wor_race(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 6 if fast else 40
    quad_err, grid_err = 0.0, 0.0
    for t in range(trials):
        v = int(rng.integers(4, 8))
        k = int(rng.integers(2, 5))
        q = rng.dirichlet(np.full(v, 0.5 if t % 2 else 0.1))  # every other case concentrated
        if k > support(q):
            continue
        order = rng.permutation(v)
        grid = wor_prefix_all_in(q[order], k)
        for j in range(v + 1):
            grid_err = max(grid_err, abs(grid[j] - wor_all_in_rational(q, order[:j], k)))
        # Quadrature against float enumeration, on draws floored away from q_x ~ 1 where the
        # float enumeration itself loses digits in 1 / (1 - sum of used q).
        q = 0.999 * q + 0.001 / v
        for j in range(1, v + 1):
            quad_err = max(quad_err, abs(wor_all_in_quad(q, order[:j], k)
                                         - wor_all_in_enumerate(q, order[:j], k)))
    params: dict[str, object] = {"trials": trials, "quad_err": quad_err, "grid_err": grid_err}
    if not fast:  # large vocabularies: grid against quad on a few prefixes
        spread = rng.dirichlet(np.full(32_000, 0.3))
        peaked = np.concatenate([[0.9, 0.06, 0.035], 0.005 * rng.dirichlet(np.ones(4997))])
        for name, q, k in (("V32000_K4", spread, 4), ("V5000_K8_concentrated", peaked, 8)):
            grid = wor_prefix_all_in(q, k)
            v = q.shape[0]
            big = max(abs(grid[j] - wor_all_in_quad(q, np.arange(j), k)) for j in (10, v // 2, v - 1))
            params[f"grid_vs_quad_{name}"] = big
            grid_err = max(grid_err, big)
    return Measurement(max(quad_err / EXACT, grid_err / 1e-10), 1.0,
                       {**params, "units": "max(quad_err / 1e-12, grid_err / 1e-10)"})


@claim("speculative.wor-k2-closed",
       source="derived, theory.speculative.draftsets (checked against enumeration)",
       statement="K = 2 without replacement: P(both in B) = q(B) - (1 - q(B)) sum_B q/(1 - q) = enumeration")
def _wor_k2_closed(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 20 if fast else 200
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 10))
        # Dirichlet(1): a token with q_x near 1 makes both routes lose digits in 1 / (1 - q_x).
        q = rng.dirichlet(np.ones(v))
        order = rng.permutation(v)
        closed = wor_k2_prefix_all_in(q[order])
        for j in range(v + 1):
            worst = max(worst, abs(closed[j] - wor_all_in_enumerate(q, order[:j], 2)))
    return Measurement(worst, EXACT, {"trials": trials, "V": "2..9", "dirichlet": 1.0})


@claim("speculative.wor-ge-iid",
       source="hu2025optimal, abstract; derived, P_wor(B) <= q(B)^K factor by factor",
       statement="alpha*_wor >= alpha*_iid (min gap >= -1e-12; V up to 2000, K = 2..6)")
def _wor_ge_iid(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 20 if fast else 150
    gap = math.inf
    for _ in range(trials):
        v = int(rng.choice([3, 8, 50, 400] if fast else [3, 8, 50, 400, 2000]))
        k = int(rng.integers(2, 7))
        p, q = random_tied_pair(v, rng, min_support=k)
        if k > support(q):
            continue
        gap = min(gap, optimal_acceptance(p, q, k, drafts="wor") - optimal_acceptance(p, q, k))
    return Measurement(gap, -EXACT, {"trials": trials}, direction=">=")


@claim("speculative.monotone-k",
       source="sun2023spectr; hu2025optimal, subset formula",
       statement="alpha*(K+1) >= alpha*(K) for iid and wor drafts, K = 1..7")
def _monotone_k(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 10 if fast else 80
    gap = math.inf
    for _ in range(trials):
        v = int(rng.choice([4, 20, 300]))
        p, q = random_tied_pair(v, rng, min_support=8)
        for drafts in ("iid", "wor"):
            top = min(8, support(q)) if drafts == "wor" else 8
            vals = [optimal_acceptance(p, q, k, drafts=drafts) for k in range(1, top + 1)]
            gap = min(gap, float(np.min(np.diff(vals))) if len(vals) > 1 else 0.0)
    return Measurement(gap, -EXACT, {"trials": trials}, direction=">=")
