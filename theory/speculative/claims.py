"""Registered claims of :mod:`theory.speculative`."""

from __future__ import annotations

import numpy as np
import ot

from theory.claims import Measurement, claim
from theory.speculative.coupling import maximal_coupling_acceptance


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
