"""Registered claims of :mod:`theory.speculative`.

Random instances: p, q ~ Dirichlet(0.5), seeded, with exact zeros and ties in p/q mixed in.
Claims that mix exact routes (tolerance 1e-12) with LP routes (HiGHS, tolerance 1e-7) measure
the worst error in units of its own tolerance and pass at ``<= 1``.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import ot

from theory.claims import Measurement, claim
from theory.speculative._common import SCHEMES
from theory.speculative.coupling import maximal_coupling_acceptance
from theory.speculative.draftsets import (
    _wor_all_in_enumerate,
    _wor_all_in_quad,
    wor_k2_prefix_all_in,
    wor_prefix_all_in,
)
from theory.speculative.montecarlo import simulate
from theory.speculative.optimal import (
    canonical_is_k2,
    full_lp_acceptance,
    optimal_acceptance,
    optimal_acceptance_lp,
    optimal_subset,
)
from theory.speculative.schemes import acceptance_rate, exact_scheme, kseq_rho

EXACT = 1e-12
LP = 1e-7

CASE_A = (np.array([0.5, 0.5]), np.array([0.8, 0.2]))
CASE_B = (np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5]))


def _instance(rng: np.random.Generator, v: int, min_support: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Dirichlet(0.5) pair with occasional exact zeros and ties of p/q."""
    p = rng.dirichlet(np.full(v, 0.5))
    q = rng.dirichlet(np.full(v, 0.5))
    if v >= 3 and rng.random() < 0.5:  # a tie: two tokens with the same (p, q)
        i, j = rng.choice(v, 2, replace=False)
        p[j], q[j] = p[i], q[i]
    if rng.random() < 0.3:
        p[rng.integers(v)] = 0.0
    if v > min_support and rng.random() < 0.3:
        q[rng.integers(v)] = 0.0
    if p.sum() == 0:
        p[0] = 1.0
    return p / p.sum(), q / q.sum()


def _support(q: np.ndarray) -> int:
    return int(np.count_nonzero(q > 0))


@claim("speculative.single-draft-coupling",
       source="SpecTr (Sun et al. 2023), Sec. 2",
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
       source="SpecTr (Sun et al. 2023); Hu et al. (ICLR 2025)",
       statement="K = 1: every draft law, every scheme and its exact enumeration give sum min(p, q)")
def _single_draft(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 5 if fast else 40
    worst = 0.0
    for _ in range(trials):
        p, q = _instance(rng, int(rng.integers(2, 9)))
        ref = float(np.minimum(p, q).sum())
        values = [optimal_acceptance(p, q, 1, drafts=d) for d in ("iid", "wor", "greedy")]
        values += [acceptance_rate(s, p, q, 1) for s in SCHEMES]
        values += [exact_scheme(s, p, q, 1).acceptance for s in ("rrs", "rrs-wor", "kseq", "greedy")]
        values.append(full_lp_acceptance(p, q, 1, solver="emd"))
        worst = max(worst, max(abs(v - ref) for v in values))
    return Measurement(worst, EXACT, {"trials": trials, "V": "2..8"})


def _kseq_case_poly(p: np.ndarray, q: np.ndarray, k: int) -> float:
    """rho* of the reference cases, where beta(rho) = c + d / rho near rho*: root of
    rho^K - (rho (1 - c) - d)^K - (c rho + d) rho^K = 0 in (1, K)."""
    # In cases A-C the smallest q = 0.2 sits below p/rho, the others above: c = 0.2, d = 0.5.
    c, d = 0.2, 0.5
    r = np.polynomial.Polynomial([0.0, 1.0])
    poly = r**k - (r * (1 - c) - d) ** k - (c * r + d) * r**k
    roots = [complex(z) for z in poly.roots()]
    return min(z.real for z in roots if abs(z.imag) < 1e-9 and 1 < z.real < k)


@claim("speculative.reference-cases",
       source="spec Sec. 7 (exact rationals by subset brute force)",
       statement=("cases A-C: alpha*_iid, alpha*_wor, B*, single, "
                  "rrs, rrs-wor, kseq (rho*), greedy as tabulated"))
def _reference_cases(fast: bool, rng: np.random.Generator) -> Measurement:
    pa, qa = CASE_A
    pb, qb = CASE_B
    table = [  # (p, q, K, iid, B*_iid, wor, B*_wor, single, rrs, rrs-wor, greedy)
        (pa, qa, 2, 43 / 50, {0}, 1.0, set(), 7 / 10, 19 / 25, 1.0, 1.0),
        (pb, qb, 2, 43 / 50, {1, 2}, 69 / 70, {1, 2}, 7 / 10, 19 / 25, 41 / 50, 9 / 10),
        (pb, qb, 3, 247 / 250, {1, 2}, 1.0, set(), 7 / 10, 101 / 125, 1.0, 1.0),
    ]
    exact_err, lp_err = 0.0, 0.0
    for p, q, k, a_iid, b_iid, a_wor, b_wor, single, rrs, rrs_wor, greedy in table:
        v_iid, s_iid = optimal_subset(p, q, k)
        v_wor, s_wor = optimal_subset(p, q, k, drafts="wor")
        rho = _kseq_case_poly(p, q, k)
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
    # Case A, K-SEQ, sympy-checked closed form: rho* = (9 + sqrt 31)/10, alpha = (68 + 2 sqrt 31)/100.
    exact_err = max(exact_err, abs(kseq_rho(pa, qa, 2)[0] - (9 + math.sqrt(31)) / 10),
                    abs(acceptance_rate("kseq", pa, qa, 2) - (68 + 2 * math.sqrt(31)) / 100))
    naive = exact_scheme("naive", pb, qb, 2).law
    exact_err = max(exact_err, float(np.abs(naive - np.array([0.35, 0.39, 0.26])).max()))
    return Measurement(max(exact_err / EXACT, lp_err / LP), 1.0,
                       {"exact_err": exact_err, "lp_err": lp_err, "units": "error / tolerance"})


@claim("speculative.subset-dual",
       source="Hu et al. (ICLR 2025), subset selection; total unimodularity",
       statement=("set LP (HiGHS) = sorted subset formula, iid and wor; "
                  "its dual v is integral and B = {v > 1/2} attains it"))
def _subset_dual(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 6 if fast else 60
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 7 if fast else 9))
        k = int(rng.integers(2, 4))
        p, q = _instance(rng, v, min_support=k)
        for drafts in ("iid", "wor"):
            if drafts == "wor" and k > _support(q):
                continue
            res = optimal_acceptance_lp(p, q, k, drafts=drafts)
            formula = optimal_acceptance(p, q, k, drafts=drafts)
            d = res.diagnostics
            worst = max(worst, abs(res.value - formula), d["dual_integrality"],
                        abs(d["subset_objective"] - res.value), abs(d["dual_objective"] - res.value))
    return Measurement(worst, LP, {"trials": trials, "V": "2..8", "K": "2..3"})


@claim("speculative.full-vs-reduced",
       source="SpecTr (Sun et al. 2023), OTM; reduction to draft sets",
       statement=("full OT over draft tuples (POT emd and HiGHS) = "
                  "reduced set LP = subset formula (V <= 5, K <= 3)"))
def _full_vs_reduced(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 3 if fast else 20
    exact_err, lp_err = 0.0, 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 6))
        k = int(rng.integers(2, 4))
        p, q = _instance(rng, v, min_support=k)
        for drafts in ("iid", "wor"):
            if drafts == "wor" and k > _support(q):
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
       source="Hu et al. (ICLR 2025), O(V log V) subset selection",
       statement="iid: min over the V+1 prefixes of the p/q order = min over all 2^V subsets (V <= 12)")
def _sorted_prefix(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 30 if fast else 300
    worst = 0.0
    for _ in range(trials):
        p, q = _instance(rng, int(rng.integers(2, 9 if fast else 13)))
        k = int(rng.integers(1, 6))
        worst = max(worst, abs(optimal_subset(p, q, k)[0]
                               - optimal_subset(p, q, k, method="bruteforce")[0]))
    return Measurement(worst, EXACT, {"trials": trials, "V": "2..12", "K": "1..5"})


@claim("speculative.wor-prefix",
       source="Hu et al. (ICLR 2025) (q-convexity; proof not checked)",
       statement=("observed: without replacement, the prefix search "
                  "= brute force over all subsets (V <= 7, K <= 4)"))
def _wor_prefix(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 15 if fast else 200
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 7 if fast else 8))
        k = int(rng.integers(2, min(v, 4) + 1))
        p, q = _instance(rng, v, min_support=k)
        if k > _support(q):
            continue
        worst = max(worst, abs(optimal_subset(p, q, k, drafts="wor")[0]
                               - optimal_subset(p, q, k, drafts="wor", method="bruteforce")[0]))
    return Measurement(worst, 1e-8, {"trials": trials, "V": "2..7", "K": "2..4"})


def _wor_all_in_rational(q: np.ndarray, members: np.ndarray, k: int) -> float:
    """Exact P(all k wor drafts in B) in rational arithmetic (the float q taken as exact)."""
    qf = [Fraction(float(x)) for x in q]
    total = sum(qf)
    acc = Fraction(0)
    for x in itertools.permutations([int(m) for m in members if q[m] > 0], k):
        prob, used = Fraction(1), Fraction(0)
        for xi in x:
            prob *= qf[xi] / (total - used)
            used += qf[xi]
        acc += prob
    return float(acc)


@claim("speculative.wor-race",
       source="derived: race representation of sampling without replacement",
       statement=("P(all K wor drafts in B): prefix grid = exact rational enumeration (1e-10, "
                  "concentrated drafts included); quad = float enumeration (1e-12)"))
def _wor_race(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 6 if fast else 40
    quad_err, grid_err = 0.0, 0.0
    for t in range(trials):
        v = int(rng.integers(4, 8))
        k = int(rng.integers(2, 5))
        q = rng.dirichlet(np.full(v, 0.5 if t % 2 else 0.1))  # every other case concentrated
        if k > _support(q):
            continue
        order = rng.permutation(v)
        grid = wor_prefix_all_in(q[order], k)
        for j in range(v + 1):
            grid_err = max(grid_err, abs(grid[j] - _wor_all_in_rational(q, order[:j], k)))
        # Quadrature against float enumeration, on draws floored away from q_x ~ 1 where the
        # float enumeration itself loses digits in 1 / (1 - sum of used q).
        q = 0.999 * q + 0.001 / v
        for j in range(1, v + 1):
            quad_err = max(quad_err, abs(_wor_all_in_quad(q, order[:j], k)
                                         - _wor_all_in_enumerate(q, order[:j], k)))
    params: dict[str, object] = {"trials": trials, "quad_err": quad_err, "grid_err": grid_err}
    if not fast:  # large vocabularies: grid against quad on a few prefixes
        spread = rng.dirichlet(np.full(32_000, 0.3))
        peaked = np.concatenate([[0.9, 0.06, 0.035], 0.005 * rng.dirichlet(np.ones(4997))])
        for name, q, k in (("V32000_K4", spread, 4), ("V5000_K8_concentrated", peaked, 8)):
            grid = wor_prefix_all_in(q, k)
            v = q.shape[0]
            big = max(abs(grid[j] - _wor_all_in_quad(q, np.arange(j), k)) for j in (10, v // 2, v - 1))
            params[f"grid_vs_quad_{name}"] = big
            grid_err = max(grid_err, big)
    return Measurement(max(quad_err / EXACT, grid_err / 1e-10), 1.0,
                       {**params, "units": "max(quad_err / 1e-12, grid_err / 1e-10)"})


@claim("speculative.wor-k2-closed",
       source="derived (checked against enumeration)",
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
            worst = max(worst, abs(closed[j] - _wor_all_in_enumerate(q, order[:j], 2)))
    return Measurement(worst, EXACT, {"trials": trials, "V": "2..9", "dirichlet": 1.0})


@claim("speculative.wor-ge-iid",
       source="Hu et al. (ICLR 2025), abstract; proof: P_wor(B) <= q(B)^K factor by factor",
       statement="alpha*_wor >= alpha*_iid (min gap >= -1e-12; V up to 2000, K = 2..6)")
def _wor_ge_iid(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 20 if fast else 150
    gap = math.inf
    for _ in range(trials):
        v = int(rng.choice([3, 8, 50, 400] if fast else [3, 8, 50, 400, 2000]))
        k = int(rng.integers(2, 7))
        p, q = _instance(rng, v, min_support=k)
        if k > _support(q):
            continue
        gap = min(gap, optimal_acceptance(p, q, k, drafts="wor") - optimal_acceptance(p, q, k))
    return Measurement(gap, -EXACT, {"trials": trials}, direction=">=")


@claim("speculative.monotone-k",
       source="SpecTr (Sun et al. 2023); subset formula",
       statement="alpha*(K+1) >= alpha*(K) for iid and wor drafts, K = 1..7")
def _monotone_k(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 10 if fast else 80
    gap = math.inf
    for _ in range(trials):
        v = int(rng.choice([4, 20, 300]))
        p, q = _instance(rng, v, min_support=8)
        for drafts in ("iid", "wor"):
            top = min(8, _support(q)) if drafts == "wor" else 8
            vals = [optimal_acceptance(p, q, k, drafts=drafts) for k in range(1, top + 1)]
            gap = min(gap, float(np.min(np.diff(vals))) if len(vals) > 1 else 0.0)
    return Measurement(gap, -EXACT, {"trials": trials}, direction=">=")


def _lossless_errors(scheme: str, p: np.ndarray, q: np.ndarray, k: int) -> tuple[float, float]:
    ex = exact_scheme(scheme, p, q, k)
    return abs(ex.acceptance - acceptance_rate(scheme, p, q, k)), 0.5 * float(np.abs(ex.law - p).sum())


@claim("speculative.rrs-closed",
       source="SpecInfer recursive rejection sampling",
       statement="rrs: 1 - prod(1 - beta_i) = enumerated acceptance; enumerated law = p")
def _rrs_closed(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 10 if fast else 100
    worst = 0.0
    for _ in range(trials):
        p, q = _instance(rng, int(rng.integers(2, 8)))
        worst = max(worst, *_lossless_errors("rrs", p, q, int(rng.integers(1, 5))))
    return Measurement(worst, EXACT, {"trials": trials})


def _rrs_wor_bruteforce(p: np.ndarray, q: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Independent route: loop over ordered distinct tuples, run the verifier on each."""
    law = np.zeros(p.shape[0])
    acc = 0.0
    for x in itertools.permutations(np.flatnonzero(q > 0).tolist(), k):
        prob, left = 1.0, np.ones(q.shape[0], dtype=bool)
        for xi in x:  # probability of the whole ordered tuple; the unused mass summed directly
            prob *= q[xi] / q[left].sum()
            left[xi] = False
        cur_p, cur_q, reach = p.copy(), q.copy(), 1.0
        for xi in x:
            a = min(1.0, cur_p[xi] / cur_q[xi])
            law[xi] += prob * reach * a
            acc += prob * reach * a
            reach *= 1.0 - a
            nxt = np.maximum(cur_p - cur_q, 0.0)
            cur_p = nxt / nxt.sum() if nxt.sum() > 0 else nxt
            cur_q = cur_q.copy()
            cur_q[xi] = 0.0
            cur_q = cur_q / cur_q.sum() if cur_q.sum() > 0 else cur_q
        law += prob * reach * cur_p
    return law, acc


@claim("speculative.rrs-wor-recursion",
       source="RSD (Jeon et al.); recursive rejection sampling without replacement",
       statement="rrs-wor: batched tree recursion = per-tuple brute force (acceptance); law = p")
def _rrs_wor_recursion(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 6 if fast else 60
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 7))
        k = int(rng.integers(1, min(v, 4) + 1))
        p, q = _instance(rng, v, min_support=k)
        if k > _support(q):
            continue
        law, acc = _rrs_wor_bruteforce(p, q, k)
        worst = max(worst, abs(acc - acceptance_rate("rrs-wor", p, q, k)),
                    0.5 * float(np.abs(law - p).sum()), *_lossless_errors("rrs-wor", p, q, k))
    return Measurement(worst, EXACT, {"trials": trials})


@claim("speculative.kseq-lossless",
       source="SpecTr (Sun et al. 2023), K-SEQ (reconstructed)",
       statement=("kseq: law = p; alpha = 1 - (1 - beta(rho*))^K = enumeration; "
                  "K = 2: rho* = 2 - beta, alpha = 2 beta - beta^2"))
def _kseq_lossless(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 10 if fast else 100
    worst = 0.0
    for _ in range(trials):
        p, q = _instance(rng, int(rng.integers(2, 8)))
        k = int(rng.integers(1, 5))
        worst = max(worst, *_lossless_errors("kseq", p, q, k))
        rho, beta = kseq_rho(p, q, 2)
        if rho > 1:
            worst = max(worst, abs(rho - (2 - beta)),
                        abs(acceptance_rate("kseq", p, q, 2) - (2 * beta - beta**2)))
    return Measurement(worst, EXACT, {"trials": trials})


@claim("speculative.kseq-guarantee",
       source="SpecTr (Sun et al. 2023): K-SEQ is (1 - (1 - 1/K)^K)-optimal",
       statement="alpha_kseq / alpha*_iid - (1 - (1 - 1/K)^K) >= 0 for K in {2, 3, 4, 8}")
def _kseq_guarantee(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 200 if fast else 4000
    margin = math.inf
    worst_ratio = {}
    for k in (2, 3, 4, 8):
        bound = 1 - (1 - 1 / k) ** k
        ratios = []
        for _ in range(trials // 4):
            p, q = _instance(rng, int(rng.integers(2, 12)))
            opt = optimal_acceptance(p, q, k)
            if opt > 0:
                ratios.append(acceptance_rate("kseq", p, q, k) / opt)
        worst_ratio[k] = min(ratios)
        margin = min(margin, worst_ratio[k] - bound)
    return Measurement(margin, 0.0, {"trials": trials, "worst_ratio": worst_ratio}, direction=">=")


@claim("speculative.greedy-optimal",
       source="Hu et al. (ICLR 2025), greedy drafts",
       statement=("greedy: p(T) + sum min(p, q~) = set LP on the greedy "
                  "draft law = enumerated acceptance; law = p"))
def _greedy_optimal(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 8 if fast else 80
    exact_err, lp_err = 0.0, 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 12))
        k = int(rng.integers(1, min(v, 5) + 1))
        p, q = _instance(rng, v, min_support=k)
        if k > _support(q):
            continue
        closed = acceptance_rate("greedy", p, q, k)
        exact_err = max(exact_err, abs(closed - optimal_acceptance(p, q, k, drafts="greedy")),
                        *_lossless_errors("greedy", p, q, k))
        lp_err = max(lp_err, abs(optimal_acceptance_lp(p, q, k, drafts="greedy").value - closed))
    return Measurement(max(exact_err / EXACT, lp_err / LP), 1.0,
                       {"trials": trials, "exact_err": exact_err, "lp_err": lp_err,
                        "units": "error / tolerance"})


@claim("speculative.otm-lossless",
       source="SpecTr (Sun et al. 2023), optimal transport sampler",
       statement="optimal / optimal-wor samplers from the LP plan: law = p and acceptance = alpha* (V <= 6)")
def _otm_lossless(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 4 if fast else 40
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 7))
        k = int(rng.integers(2, 4))
        p, q = _instance(rng, v, min_support=k)
        for scheme in ("optimal", "optimal-wor"):
            if scheme == "optimal-wor" and k > _support(q):
                continue
            worst = max(worst, *_lossless_errors(scheme, p, q, k))
    return Measurement(worst, LP, {"trials": trials})


@claim("speculative.khisti-k2",
       source="Khisti et al. (2024), canonical K = 2 scheme (details unverified)",
       statement=("K = 2: importance-sampling selection then single-draft "
                  "verification (LP over w) attains alpha*_iid"))
def _khisti_k2(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 5 if fast else 50
    worst = 0.0
    for _ in range(trials):
        p, q = _instance(rng, int(rng.integers(2, 8 if fast else 15)))
        worst = max(worst, abs(canonical_is_k2(p, q) - optimal_acceptance(p, q, 2)))
    return Measurement(worst, LP, {"trials": trials})


@claim("speculative.deterministic",
       source="spec Sec. 7, deterministic target",
       statement="p = (1, 0), q = (1/2, 1/2): alpha* = rrs = kseq = 1 - 2^-K, rho* = 2 (1 - 2^-K), K = 1..4")
def _deterministic(fast: bool, rng: np.random.Generator) -> Measurement:
    p, q = np.array([1.0, 0.0]), np.array([0.5, 0.5])
    worst = 0.0
    for k in range(1, 5):
        want = 1 - 2.0**-k
        got = [optimal_acceptance(p, q, k), acceptance_rate("rrs", p, q, k),
               acceptance_rate("kseq", p, q, k), exact_scheme("kseq", p, q, k).acceptance]
        worst = max(worst, *(abs(g - want) for g in got), abs(kseq_rho(p, q, k)[0] - 2 * want))
    return Measurement(worst, EXACT, {"K": "1..4"})


@claim("speculative.point-mass",
       source="spec Sec. 7, point-mass draft",
       statement="q = delta_1, p = (1/2, 1/2): alpha* = 1/2 for every K; naive emits token 1 w.p. 1 - 2^-K")
def _point_mass(fast: bool, rng: np.random.Generator) -> Measurement:
    p, q = np.array([0.5, 0.5]), np.array([0.0, 1.0])
    worst = 0.0
    for k in range(1, 7):
        worst = max(worst, abs(optimal_acceptance(p, q, k) - 0.5),
                    abs(exact_scheme("naive", p, q, k).law[1] - (1 - 2.0**-k)))
    return Measurement(worst, EXACT, {"K": "1..6"})


@claim("speculative.uniform-draft",
       source="derived from the subset formula",
       statement=("uniform draft: alpha* = min_j [(sum of j smallest p) + 1 "
                  "- (j/V)^K]; V=3, K=2: min(1, x_min + 8/9, 1 - x_max + 5/9)"))
def _uniform_draft(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 20 if fast else 200
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 60))
        k = int(rng.integers(1, 7))
        p = rng.dirichlet(np.full(v, 0.5))
        smallest = np.concatenate([[0.0], np.cumsum(np.sort(p))])
        want = float(np.min(smallest + 1 - (np.arange(v + 1) / v) ** k))
        worst = max(worst, abs(optimal_acceptance(p, np.full(v, 1 / v), k) - want))
        x = rng.dirichlet(np.ones(3))
        closed3 = min(1.0, x.min() + 8 / 9, 1 - x.max() + 5 / 9)
        worst = max(worst, abs(optimal_acceptance(x, np.full(3, 1 / 3), 2) - closed3))
    return Measurement(worst, EXACT, {"trials": trials})


def _dedup_witness(rng: np.random.Generator, tries: int) -> tuple[float, dict[str, object]]:
    best, where = 0.0, {}
    for _ in range(tries):
        p, q = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(3))
        for k in (2, 3):
            d = 0.5 * float(np.abs(exact_scheme("rrs-dedup", p, q, k).law - p).sum())
            if d > best:
                best, where = d, {"p": p.round(4).tolist(), "q": q.round(4).tolist(), "K": k}
    return best, where


@claim("speculative.negative-controls",
       source="SpecTr (Sun et al. 2023): naive multi-draft verification is biased",
       statement=("the lossy controls are flagged: exact TV(naive on "
                  "case B), TV(rrs-dedup on a searched witness) > 1e-3"))
def _negative_controls(fast: bool, rng: np.random.Generator) -> Measurement:
    pb, qb = CASE_B
    naive_tv = 0.5 * float(np.abs(exact_scheme("naive", pb, qb, 2).law - pb).sum())
    dedup_tv, witness = _dedup_witness(rng, 20 if fast else 200)
    return Measurement(min(naive_tv, dedup_tv), 1e-3,
                       {"naive_tv": naive_tv, "rrs_dedup_tv": dedup_tv, "witness": witness}, direction=">=")


def _mc_cases(rng: np.random.Generator, fast: bool) -> list[tuple[np.ndarray, np.ndarray, int]]:
    cases = [(*CASE_B, 2)]
    for k in ((3,) if fast else (2, 3)):
        cases.append((*_instance(rng, 6, min_support=4), k))
    return cases


@claim("speculative.monte-carlo",
       source="spec Sec. 6 (Monte Carlo check of every scheme)",
       statement=("every scheme (controls included): |MC acceptance - exact| "
                  "<= 4 sigma; lossless schemes: chi-square p > 1e-3"))
def _monte_carlo(fast: bool, rng: np.random.Generator) -> Measurement:
    n = 40_000 if fast else 400_000
    worst_z, min_p = 0.0, 1.0
    for p, q, k in _mc_cases(rng, fast):
        if k > _support(q):
            continue
        for scheme in (*SCHEMES, "naive", "rrs-dedup"):
            sim = simulate(scheme, p, q, k, n=n, rng=rng)
            exact = exact_scheme(scheme, p, q, k).acceptance
            sigma = math.sqrt(max(exact * (1 - exact), 1e-300) / n)
            worst_z = max(worst_z, abs(sim.acceptance - exact) / sigma if exact * (1 - exact) > 0
                          else abs(sim.acceptance - exact) * 1e12)
            if scheme in SCHEMES:
                min_p = min(min_p, sim.pvalue)
    # Pass when both hold: z <= 4 and p > 1e-3, i.e. max(z / 4, 1e-3 / p) <= 1.
    return Measurement(max(worst_z / 4, 1e-3 / max(min_p, 1e-300)), 1.0,
                       {"n": n, "worst_z": worst_z, "min_pvalue": min_p, "units": "max(z/4, 1e-3/p)"})


@claim("speculative.monte-carlo-controls",
       source="spec Sec. 6 (negative controls fail the Monte Carlo test)",
       statement=("Monte Carlo flags the lossy controls: chi-square p-value "
                  "of naive (case B) and rrs-dedup (witness) < 1e-6"))
def _monte_carlo_controls(fast: bool, rng: np.random.Generator) -> Measurement:
    n = 40_000 if fast else 400_000
    pb, qb = CASE_B
    naive = simulate("naive", pb, qb, 2, n=n, rng=rng).pvalue
    p = np.array([0.016, 0.536, 0.448])
    q = np.array([0.697, 0.01, 0.293])
    dedup_tv = 0.5 * float(np.abs(exact_scheme("rrs-dedup", p, q, 3).law - p).sum())
    dedup = simulate("rrs-dedup", p, q, 3, n=n, rng=rng).pvalue
    return Measurement(max(naive, dedup), 1e-6,
                       {"n": n, "naive_p": naive, "rrs_dedup_p": dedup, "rrs_dedup_exact_tv": dedup_tv})


@claim("speculative.lossless",
       source="SpecInfer, RSD, SpecTr, Hu et al.",
       statement="every real scheme (rrs, rrs-wor, kseq, greedy) has exact output law p: max TV < 1e-12")
def _lossless(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 10 if fast else 100
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 7))
        k = int(rng.integers(1, min(v, 4) + 1))
        p, q = _instance(rng, v, min_support=k)
        for scheme in ("rrs", "kseq", "rrs-wor", "greedy"):
            if scheme in ("rrs-wor", "greedy") and k > _support(q):
                continue
            worst = max(worst, _lossless_errors(scheme, p, q, k)[1])
    return Measurement(worst, EXACT, {"trials": trials})


@claim("speculative.sanity-chain",
       source="spec Sec. 6 item 4",
       statement=("single <= rrs <= alpha*_iid <= alpha*_wor, rrs-wor <= alpha*_wor, "
                  "(1-(1-1/K)^K) alpha*_iid <= kseq <= alpha*_iid"))
def _sanity_chain(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 20 if fast else 200
    margin = math.inf
    for _ in range(trials):
        v = int(rng.integers(2, 9))
        k = int(rng.integers(2, min(v, 4) + 1))
        p, q = _instance(rng, v, min_support=k)
        single = float(np.minimum(p, q).sum())
        rrs = acceptance_rate("rrs", p, q, k)
        kseq = acceptance_rate("kseq", p, q, k)
        iid = optimal_acceptance(p, q, k)
        gaps = [rrs - single, iid - rrs, iid - kseq, kseq - (1 - (1 - 1 / k) ** k) * iid]
        if k <= _support(q):
            wor = optimal_acceptance(p, q, k, drafts="wor")
            gaps += [wor - iid, wor - acceptance_rate("rrs-wor", p, q, k)]
        margin = min(margin, *gaps)
    return Measurement(margin, -EXACT, {"trials": trials}, direction=">=")


@claim("speculative.acceptance-one",
       source="subset formula (Hu et al., ICLR 2025)",
       statement="alpha* = 1 iff p(B) >= P(all K drafts in B) for every B (iid: q(B)^K; wor), by brute force")
def _acceptance_one(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 30 if fast else 300
    mismatches, ones = 0, 0
    for _ in range(trials):
        v = int(rng.integers(2, 7))
        k = int(rng.integers(2, min(v, 4) + 1))
        q = rng.dirichlet(np.full(v, 0.7))
        # Mix p towards q^(1/K)-like flattening so that both outcomes occur.
        flat = q ** (1 / k)
        eps = float(rng.uniform(0, 1))
        p = (1 - eps) * flat / flat.sum() + eps * rng.dirichlet(np.ones(v))
        masks = (np.arange(2**v)[:, None] >> np.arange(v)[None, :]) & 1
        for drafts in ("iid", "wor"):
            if drafts == "iid":
                all_in = (masks @ q) ** k
            else:
                all_in = np.array([_wor_all_in_enumerate(q, np.flatnonzero(m), k) for m in masks])
            criterion = bool(np.all(masks @ p - all_in >= -EXACT))
            is_one = optimal_acceptance(p, q, k, drafts=drafts) >= 1 - EXACT
            ones += int(is_one)
            mismatches += int(criterion != is_one)
    return Measurement(float(mismatches), 0.0, {"trials": trials, "instances_with_alpha_1": ones})

from theory.speculative import claims_batch as _claims_batch  # noqa: E402,F401
from theory.speculative import claims_trees as _claims_trees  # noqa: E402,F401
