"""Reference instances of the speculative area with their exact answers, and synthetic pairs.

``CASE_A`` and ``CASE_B`` are the hand-checked reference cases; ``REFERENCE_TABLE`` lists their
exact answers (rationals by subset brute force). :func:`synthetic_pair`, :func:`random_pair` and
:func:`random_tied_pair` build pairs for figures, notebooks, benchmarks and claims (no model
downloads).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from theory._info import softmax
from theory._rng import RngLike, as_generator
from theory._validate import as_int, as_positive_float

#: Case A (target, draft): V = 2.
CASE_A = (np.array([0.5, 0.5]), np.array([0.8, 0.2]))
#: Case B (target, draft): V = 3.
CASE_B = (np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5]))
#: Exact answers of cases A-C (case C is case B with K = 3): rows
#: ``(case, K, alpha*_iid, B*_iid, alpha*_wor, B*_wor, single, rrs, rrs-wor, greedy)``.
REFERENCE_TABLE: tuple[tuple[Any, ...], ...] = (
    ("A", 2, 43 / 50, {0}, 1.0, set(), 7 / 10, 19 / 25, 1.0, 1.0),
    ("B", 2, 43 / 50, {1, 2}, 69 / 70, {1, 2}, 7 / 10, 19 / 25, 41 / 50, 9 / 10),
    ("B", 3, 247 / 250, {1, 2}, 1.0, set(), 7 / 10, 101 / 125, 1.0, 1.0),
)
#: Case A, K-SEQ with K = 2 (closed form, checked with sympy): rho* and acceptance.
CASE_A_KSEQ = ((9 + math.sqrt(31)) / 10, (68 + 2 * math.sqrt(31)) / 100)
#: Case B, K = 2: exact law of the naive (negative-control) scheme.
CASE_B_NAIVE_LAW = (0.35, 0.39, 0.26)

#: Largest vocabulary the synthetic pairs build.
MAX_VOCAB = 10**7


def synthetic_pair(vocab: int = 50, temperature: float = 1.0, *, wobble: float = 0.8
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Return a Zipf-like target and a perturbed draft at a common temperature.

    ``z_p[i] = -ln(i + 1)``, ``z_q[i] = z_p[i] + wobble * sin(1.7 i + 0.3)``,
    ``p = softmax(z_p / T)``, ``q = softmax(z_q / T)``. Deterministic; O(V).

    Returns
    -------
    (target, draft)
        Two pmfs of length ``vocab``.
    """
    v = as_int(vocab, "vocab", min_value=2, max_value=MAX_VOCAB)
    t = as_positive_float(temperature, "temperature")
    w = as_positive_float(wobble, "wobble", allow_zero=True)
    i = np.arange(v, dtype=np.float64)
    z_p = -np.log(i + 1.0)
    z_q = z_p + w * np.sin(1.7 * i + 0.3)
    return softmax(z_p / t), softmax(z_q / t)


def random_pair(vocab: int, rng: RngLike = None, *, concentration: float = 0.5
                ) -> tuple[np.ndarray, np.ndarray]:
    """Independent Dirichlet(concentration) target and draft. O(V).

    ``rng`` is a seed, a Generator or None (see :func:`theory._rng.as_generator`).
    """
    v = as_int(vocab, "vocab", min_value=2, max_value=MAX_VOCAB)
    c = as_positive_float(concentration, "concentration")
    gen = as_generator(rng)
    return gen.dirichlet(np.full(v, c)), gen.dirichlet(np.full(v, c))


def random_tied_pair(vocab: int, rng: RngLike = None, *, min_support: int = 1
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Dirichlet(0.5) pair with occasional exact zeros and ties of p/q (the claims' instances).

    With probability 1/2 (V >= 3) two tokens share (p, q); with probability 0.3 one p is set to 0;
    with probability 0.3 one q is set to 0 when ``V > min_support``. Both are renormalised.
    """
    gen = as_generator(rng)
    v = as_int(vocab, "vocab", min_value=1, max_value=MAX_VOCAB)
    p = gen.dirichlet(np.full(v, 0.5))
    q = gen.dirichlet(np.full(v, 0.5))
    if v >= 3 and gen.random() < 0.5:  # a tie: two tokens with the same (p, q)
        i, j = gen.choice(v, 2, replace=False)
        p[j], q[j] = p[i], q[i]
    if gen.random() < 0.3:
        p[gen.integers(v)] = 0.0
    if v > min_support and gen.random() < 0.3:
        q[gen.integers(v)] = 0.0
    if p.sum() == 0:
        p[0] = 1.0
    return p / p.sum(), q / q.sum()
