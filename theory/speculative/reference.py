"""Independent reference routes of the speculative area: slow, exact, straight from definitions.

Public, used by the claims and tests to check the fast solvers: exact rational and floating-point
enumeration of the without-replacement race, its adaptive quadrature, a brute-force rrs-wor
verifier over ordered tuples, and the K-SEQ threshold of the reference cases as a polynomial root.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

from theory.speculative._race import wor_all_in_enumerate, wor_all_in_quad_err
from theory.speculative.schemes import SchemeLaw

__all__ = [
    "kseq_case_rho",
    "rrs_wor_bruteforce",
    "wor_all_in_enumerate",
    "wor_all_in_quad",
    "wor_all_in_rational",
]


def kseq_case_rho(p: np.ndarray, q: np.ndarray, k: int) -> float:
    """K-SEQ rho* of the reference cases A-C by a polynomial root (independent of the bisection).

    There ``beta(rho) = c + d / rho`` near rho* with c = 0.2, d = 0.5 (the smallest q = 0.2 sits
    below p/rho, the others above), so rho* is the root in (1, K) of
    ``rho^K - (rho (1 - c) - d)^K - (c rho + d) rho^K``. ``p`` and ``q`` name the case; only
    cases A-C of :mod:`theory.speculative.instances` satisfy the premise.
    """
    c, d = 0.2, 0.5
    r = np.polynomial.Polynomial([0.0, 1.0])
    poly = r**k - (r * (1 - c) - d) ** k - (c * r + d) * r**k
    roots = [complex(z) for z in poly.roots()]
    return min(z.real for z in roots if abs(z.imag) < 1e-9 and 1 < z.real < k)


def wor_all_in_rational(q: np.ndarray, members: np.ndarray, k: int) -> float:
    """Exact ``P(all k drafts without replacement lie in B)`` in rational arithmetic.

    ``members`` is B; the float q is taken as exact. Enumerates the ordered k-tuples of B:
    O(|B|^k) fractions, small instances only.
    """
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


def wor_all_in_quad(q: np.ndarray, members: np.ndarray, k: int) -> float:
    """``P(all k drafts without replacement lie in B)`` by adaptive quadrature of the race integral.

    ``1 - lambda - lambda int_0^inf e^{-lambda t} P(1 <= N_B(t) < K) dt`` with ``lambda =
    q(outside B)``, integrated in ``s = log t`` by ``scipy.integrate.quad`` (QUADPACK), the
    Poisson-binomial law of the arrivals formed in probability space. Independent of the
    trapezoid and closed-form prefix routes of :mod:`theory.speculative.draftsets`.

    Parameters
    ----------
    q, members, k
        As :func:`wor_all_in_enumerate`: the draft pmf, the token indices of B, K >= 1.

    Returns
    -------
    float
        The value only (the error estimate is checked by ``wor_all_in(..., method="quad")``);
        O(K^2 |B|) per quadrature node.
    """
    return wor_all_in_quad_err(q, members, k)[0]


def rrs_wor_bruteforce(p: np.ndarray, q: np.ndarray, k: int) -> SchemeLaw:
    """Exact law and acceptance of rrs-wor by looping over ordered distinct draft tuples.

    Runs the recursive rejection verifier on each tuple (probability of the whole ordered tuple,
    the unused mass summed directly): O(V^k k V), small instances only.

    Returns
    -------
    SchemeLaw
        ``law`` of the emitted token and ``value`` = acceptance (status ``"exact"``).
    """
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
    return SchemeLaw(value=acc, status="exact", converged=True, diagnostics={"law_sum": float(law.sum())},
                     law=law, sequential_acceptance=acc)
