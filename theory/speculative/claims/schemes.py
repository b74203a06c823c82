"""Claims on the verification schemes: closed forms, recursions, K-SEQ, greedy, OTM, negative controls."""

from __future__ import annotations

import math

import numpy as np

from theory.claims import Measurement, claim
from theory.speculative.claims._common import EXACT, LP, lossless_errors, support
from theory.speculative.instances import CASE_B, random_tied_pair
from theory.speculative.optimal import (
    canonical_is_k2,
    optimal_acceptance,
    optimal_acceptance_lp,
)
from theory.speculative.reference import rrs_wor_bruteforce
from theory.speculative.schemes import acceptance_rate, exact_scheme, kseq_rho


@claim("speculative.rrs-closed",
       source="miao2024specinfer, recursive rejection sampling",
       statement="rrs: 1 - prod(1 - beta_i) = enumerated acceptance; enumerated law = p")
def _rrs_closed(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 10 if fast else 100
    worst = 0.0
    for _ in range(trials):
        p, q = random_tied_pair(int(rng.integers(2, 8)), rng)
        worst = max(worst, *lossless_errors("rrs", p, q, int(rng.integers(1, 5))))
    return Measurement(worst, EXACT, {"trials": trials})


@claim("speculative.rrs-wor-recursion",
       source="jeon2024recursive, recursive rejection sampling without replacement",
       statement="rrs-wor: batched tree recursion = per-tuple brute force (acceptance); law = p")
def _rrs_wor_recursion(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 6 if fast else 60
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 7))
        k = int(rng.integers(1, min(v, 4) + 1))
        p, q = random_tied_pair(v, rng, min_support=k)
        if k > support(q):
            continue
        ref = rrs_wor_bruteforce(p, q, k)
        law, acc = ref.law, ref.value
        worst = max(worst, abs(acc - acceptance_rate("rrs-wor", p, q, k)),
                    0.5 * float(np.abs(law - p).sum()), *lossless_errors("rrs-wor", p, q, k))
    return Measurement(worst, EXACT, {"trials": trials})


@claim("speculative.kseq-lossless",
       source="sun2023spectr, K-SEQ",
       statement=("[proposed] kseq: law = p; alpha = 1 - (1 - beta(rho*))^K = enumeration; "
                  "K = 2: rho* = 2 - beta, alpha = 2 beta - beta^2"))
def _kseq_lossless(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 10 if fast else 100
    worst = 0.0
    for _ in range(trials):
        p, q = random_tied_pair(int(rng.integers(2, 8)), rng)
        k = int(rng.integers(1, 5))
        worst = max(worst, *lossless_errors("kseq", p, q, k))
        rho, beta = kseq_rho(p, q, 2)
        if rho > 1:
            worst = max(worst, abs(rho - (2 - beta)),
                        abs(acceptance_rate("kseq", p, q, 2) - (2 * beta - beta**2)))
    return Measurement(worst, EXACT, {"trials": trials})


@claim("speculative.kseq-guarantee",
       source="sun2023spectr, K-SEQ is (1 - (1 - 1/K)^K)-optimal",
       statement="alpha_kseq / alpha*_iid - (1 - (1 - 1/K)^K) >= 0 for K in {2, 3, 4, 8}")
def _kseq_guarantee(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 200 if fast else 4000
    margin = math.inf
    worst_ratio = {}
    for k in (2, 3, 4, 8):
        bound = 1 - (1 - 1 / k) ** k
        ratios = []
        for _ in range(trials // 4):
            p, q = random_tied_pair(int(rng.integers(2, 12)), rng)
            opt = optimal_acceptance(p, q, k)
            if opt > 0:
                ratios.append(acceptance_rate("kseq", p, q, k) / opt)
        worst_ratio[k] = min(ratios)
        margin = min(margin, worst_ratio[k] - bound)
    return Measurement(margin, 0.0, {"trials": trials, "worst_ratio": worst_ratio}, direction=">=")


@claim("speculative.greedy-optimal",
       source="hu2025optimal, greedy drafts",
       statement=("greedy: p(T) + sum min(p, q~) = set LP on the greedy "
                  "draft law = enumerated acceptance; law = p"))
def _greedy_optimal(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 8 if fast else 80
    exact_err, lp_err = 0.0, 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 12))
        k = int(rng.integers(1, min(v, 5) + 1))
        p, q = random_tied_pair(v, rng, min_support=k)
        if k > support(q):
            continue
        closed = acceptance_rate("greedy", p, q, k)
        exact_err = max(exact_err, abs(closed - optimal_acceptance(p, q, k, drafts="greedy")),
                        *lossless_errors("greedy", p, q, k))
        lp_err = max(lp_err, abs(optimal_acceptance_lp(p, q, k, drafts="greedy").value - closed))
    return Measurement(max(exact_err / EXACT, lp_err / LP), 1.0,
                       {"trials": trials, "exact_err": exact_err, "lp_err": lp_err,
                        "units": "error / tolerance"})


@claim("speculative.otm-lossless",
       source="sun2023spectr, optimal transport sampler",
       statement="optimal / optimal-wor samplers from the LP plan: law = p and acceptance = alpha* (V <= 6)")
def _otm_lossless(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 4 if fast else 40
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 7))
        k = int(rng.integers(2, 4))
        p, q = random_tied_pair(v, rng, min_support=k)
        for scheme in ("optimal", "optimal-wor"):
            if scheme == "optimal-wor" and k > support(q):
                continue
            worst = max(worst, *lossless_errors(scheme, p, q, k))
    return Measurement(worst, LP, {"trials": trials})


@claim("speculative.khisti-k2",
       source="khisti2024multidraft, canonical K = 2 scheme",
       statement=("[proposed] K = 2: importance-sampling selection then single-draft "
                  "verification (LP over w) attains alpha*_iid"))
def _khisti_k2(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 5 if fast else 50
    worst = 0.0
    for _ in range(trials):
        p, q = random_tied_pair(int(rng.integers(2, 8 if fast else 15)), rng)
        worst = max(worst, abs(canonical_is_k2(p, q) - optimal_acceptance(p, q, 2)))
    return Measurement(worst, LP, {"trials": trials})


@claim("speculative.deterministic",
       source="derived, deterministic target (theory.speculative.schemes)",
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
       source="derived, point-mass draft (theory.speculative.schemes)",
       statement="q = delta_1, p = (1/2, 1/2): alpha* = 1/2 for every K; naive emits token 1 w.p. 1 - 2^-K")
def _point_mass(fast: bool, rng: np.random.Generator) -> Measurement:
    p, q = np.array([0.5, 0.5]), np.array([0.0, 1.0])
    worst = 0.0
    for k in range(1, 7):
        worst = max(worst, abs(optimal_acceptance(p, q, k) - 0.5),
                    abs(exact_scheme("naive", p, q, k).law[1] - (1 - 2.0**-k)))
    return Measurement(worst, EXACT, {"K": "1..6"})


@claim("speculative.uniform-draft",
       source="hu2025optimal, subset formula; derived, uniform draft",
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
       source="sun2023spectr, naive multi-draft verification is biased",
       statement=("the lossy controls are flagged: exact TV(naive on "
                  "case B), TV(rrs-dedup on a searched witness) > 1e-3"))
def _negative_controls(fast: bool, rng: np.random.Generator) -> Measurement:
    pb, qb = CASE_B
    naive_tv = 0.5 * float(np.abs(exact_scheme("naive", pb, qb, 2).law - pb).sum())
    dedup_tv, witness = _dedup_witness(rng, 20 if fast else 200)
    return Measurement(min(naive_tv, dedup_tv), 1e-3,
                       {"naive_tv": naive_tv, "rrs_dedup_tv": dedup_tv, "witness": witness}, direction=">=")
