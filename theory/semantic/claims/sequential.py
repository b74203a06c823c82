"""Sequential rate-distortion claims: nonanticipative, block and feed-forward RDFs."""

from __future__ import annotations

import numpy as np

from theory.claims import Measurement, claim
from theory.semantic.instances import HAMMING2
from theory.semantic.rate_distortion import (
    h2,
    star,
)
from theory.semantic.reference import sequential_rate_distortion_cvx
from theory.semantic.sequential import (
    block_rate_distortion,
    feedforward_rate_distortion,
    markov_source,
    nonanticipative_rate_distortion,
)


def _bsms(n: int, p: float = 0.2) -> np.ndarray:
    return markov_source([0.5, 0.5], [[1 - p, p], [p, 1 - p]], n)


@claim("semantic.nrdf-no-feedback", source="charalambous2014nonanticipative",
       statement="NRDF optimiser: I(X->Y) = I(X;Y), causal; block RDF optimiser: I(X->Y) < I(X;Y) (negative"
                 " control)")
def _nrdf_nofb(fast: bool, rng: np.random.Generator) -> Measurement:
    worst, gaps = 0.0, []
    for n in ([2] if fast else [2, 3]):
        src = _bsms(n)
        for D in ([0.1] if fast else [0.05, 0.1, 0.2]):
            na = nonanticipative_rate_distortion(src, HAMMING2, D=D)
            bl = block_rate_distortion(src, HAMMING2, D=D)
            gap = bl.mutual_information - bl.directed_information
            gaps.append(gap)
            # fails if the NRDF kernel leaks future letters or the block control shows no feedback
            worst = max(worst, abs(na.mutual_information - na.directed_information), na.causality_violation,
                        max(0.0, 1e-3 - gap), max(0.0, 1e-3 - bl.causality_violation))
    return Measurement(worst, 1e-6, {"block_feedback_gaps": gaps})


@claim("semantic.sequential-rdf-order", source="venkataramanan2007feedforward; naiss2011feedforward",
       statement="R_ff(D) <= R(D) <= R_na(D) per letter for a Markov source, all equal at n = 1")
def _seq_order(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for n in ([1, 2] if fast else [1, 2, 3]):
        src = _bsms(n)
        for D in ([0.1] if fast else [0.05, 0.1, 0.15, 0.25]):
            na = nonanticipative_rate_distortion(src, HAMMING2, D=D).rate
            bl = block_rate_distortion(src, HAMMING2, D=D).rate
            ff = feedforward_rate_distortion(src, HAMMING2, D=D).rate
            worst = max(worst, ff - bl, bl - na)
            if n == 1:
                worst = max(worst, abs(ff - bl), abs(na - bl))
    return Measurement(worst, 1e-6, {})


@claim("semantic.bsms-nrdf-per-stage", source="stavrou2014nrdf",
       statement="BSMS(p), per-stage E d_t <= D: n R_na = (1 - h(D)) + (n-1)(h(p*D) - h(D))")
def _bsms_stage(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for p in ([0.2] if fast else [0.1, 0.2, 0.3]):
        for n in ([2] if fast else [2, 3]):
            src = _bsms(n, p)
            for D in ([0.1] if fast else [0.05, 0.1, 0.2]):
                r = nonanticipative_rate_distortion(src, HAMMING2, D=D, per_stage=True)
                formula = (1 - h2(D)) + (n - 1) * (h2(star(p, D)) - h2(D))
                worst = max(worst, abs(n * r.rate - formula))
    return Measurement(worst, 1e-6, {})


@claim("semantic.nrdf-ba-equals-cvx", source="charalambous2014nonanticipative;"
                                              " derived, theory.semantic._causal (BA-type recursion)",
       statement="BA-type backward recursion NRDF = convex-program NRDF (BSMS, Hamming)")
def _nrdf_ba(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for n in ([2] if fast else [2, 3]):
        src = _bsms(n)
        for D in ([0.1] if fast else [0.05, 0.1, 0.2]):
            a = sequential_rate_distortion_cvx(src, HAMMING2, D=D).rate
            b = nonanticipative_rate_distortion(src, HAMMING2, D=D, method="ba").rate
            worst = max(worst, abs(a - b))
    if not fast:  # a non-symmetric source with a ternary reproduction alphabet
        src = markov_source([0.6, 0.4], [[0.7, 0.3], [0.2, 0.8]], 2)
        d = np.array([[0.0, 1.0, 0.4], [1.0, 0.0, 0.5]])
        worst = max(worst, abs(sequential_rate_distortion_cvx(src, d, D=0.15).rate
                               - nonanticipative_rate_distortion(src, d, D=0.15, method="ba").rate))
    return Measurement(worst, 1e-6, {})
