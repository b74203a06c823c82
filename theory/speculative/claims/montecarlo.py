"""Claims checked by Monte Carlo: the simulator against the exact laws, and its controls."""

from __future__ import annotations

import math

import numpy as np

from theory.claims import Measurement, claim
from theory.speculative._common import SCHEMES
from theory.speculative.claims._common import support
from theory.speculative.instances import CASE_B, random_tied_pair
from theory.speculative.montecarlo import simulate
from theory.speculative.schemes import exact_scheme


def _mc_cases(rng: np.random.Generator, fast: bool) -> list[tuple[np.ndarray, np.ndarray, int]]:
    cases = [(*CASE_B, 2)]
    for k in ((3,) if fast else (2, 3)):
        cases.append((*random_tied_pair(6, rng, min_support=4), k))
    return cases


@claim("speculative.monte-carlo",
       source="derived, Monte Carlo check of every scheme (theory.speculative.montecarlo)",
       statement=("every scheme (controls included): |MC acceptance - exact| "
                  "<= 4 sigma; lossless schemes: chi-square p > 1e-3"))
def _monte_carlo(fast: bool, rng: np.random.Generator) -> Measurement:
    n = 40_000 if fast else 400_000
    worst_z, min_p = 0.0, 1.0
    for p, q, k in _mc_cases(rng, fast):
        if k > support(q):
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
       source="derived, negative controls fail the Monte Carlo test (theory.speculative.montecarlo)",
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
