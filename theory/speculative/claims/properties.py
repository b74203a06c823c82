"""Cross-cutting claims: losslessness of every real scheme, the ordering chain, acceptance one."""

from __future__ import annotations

import math

import numpy as np

from theory.claims import Measurement, claim
from theory.speculative.claims._common import EXACT, lossless_errors, support
from theory.speculative.instances import random_tied_pair
from theory.speculative.optimal import optimal_acceptance
from theory.speculative.reference import wor_all_in_enumerate
from theory.speculative.schemes import acceptance_rate


@claim("speculative.lossless",
       source="miao2024specinfer; jeon2024recursive; sun2023spectr; hu2025optimal",
       statement="every real scheme (rrs, rrs-wor, kseq, greedy) has exact output law p: max TV < 1e-12")
def _lossless(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 10 if fast else 100
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 7))
        k = int(rng.integers(1, min(v, 4) + 1))
        p, q = random_tied_pair(v, rng, min_support=k)
        for scheme in ("rrs", "kseq", "rrs-wor", "greedy"):
            if scheme in ("rrs-wor", "greedy") and k > support(q):
                continue
            worst = max(worst, lossless_errors(scheme, p, q, k)[1])
    return Measurement(worst, EXACT, {"trials": trials})


@claim("speculative.sanity-chain",
       source="sun2023spectr; hu2025optimal; derived, ordering of the acceptances",
       statement=("single <= rrs <= alpha*_iid <= alpha*_wor, rrs-wor <= alpha*_wor, "
                  "(1-(1-1/K)^K) alpha*_iid <= kseq <= alpha*_iid"))
def _sanity_chain(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 20 if fast else 200
    margin = math.inf
    for _ in range(trials):
        v = int(rng.integers(2, 9))
        k = int(rng.integers(2, min(v, 4) + 1))
        p, q = random_tied_pair(v, rng, min_support=k)
        single = float(np.minimum(p, q).sum())
        rrs = acceptance_rate("rrs", p, q, k)
        kseq = acceptance_rate("kseq", p, q, k)
        iid = optimal_acceptance(p, q, k)
        gaps = [rrs - single, iid - rrs, iid - kseq, kseq - (1 - (1 - 1 / k) ** k) * iid]
        if k <= support(q):
            wor = optimal_acceptance(p, q, k, drafts="wor")
            gaps += [wor - iid, wor - acceptance_rate("rrs-wor", p, q, k)]
        margin = min(margin, *gaps)
    return Measurement(margin, -EXACT, {"trials": trials}, direction=">=")


@claim("speculative.acceptance-one",
       source="hu2025optimal, subset formula",
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
                all_in = np.array([wor_all_in_enumerate(q, np.flatnonzero(m), k) for m in masks])
            criterion = bool(np.all(masks @ p - all_in >= -EXACT))
            is_one = optimal_acceptance(p, q, k, drafts=drafts) >= 1 - EXACT
            ones += int(is_one)
            mismatches += int(criterion != is_one)
    return Measurement(float(mismatches), 0.0, {"trials": trials, "instances_with_alpha_1": ones})
