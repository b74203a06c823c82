"""Reference instances of sparsity-constrained OT with their exact answers, and instance families.

Instances A and B carry ``P_k`` and ``D_k`` as exact fractions (each certified by equal rational
relaxed-primal and dual objectives); :func:`gaussian_toy` is the 1-D toy of the figures and
:func:`uniform_points` the benchmark family of issue 16. Formerly in
:mod:`theory.sparse_ot.reference`, which still re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from theory._validate import as_int


@dataclass(frozen=True)
class ReferenceInstance:
    """A named instance with exact values ``P_k``/``D_k`` (Fractions) for the listed k."""

    name: str
    a: np.ndarray
    b: np.ndarray
    C: np.ndarray
    gamma: float
    primal: dict[int, Fraction]
    dual: dict[int, Fraction]


def instance_a() -> ReferenceInstance:
    """Return instance A: points 0, 1, 2, squared-distance cost, uniform marginals, ``gamma = 8``.

    It has a duality gap at k = 2 (``P_2 = 167/144 > D_2 = 119/108``), none at k = 1 (4/3) and k = 3 (QOT,
    19/18).
    """
    C = np.array([[0.0, 1.0, 4.0], [1.0, 0.0, 1.0], [4.0, 1.0, 0.0]])
    u = np.full(3, 1.0 / 3.0)
    return ReferenceInstance("A", u, u.copy(), C, 8.0,
                             {1: Fraction(4, 3), 2: Fraction(167, 144), 3: Fraction(19, 18)},
                             {1: Fraction(4, 3), 2: Fraction(119, 108), 3: Fraction(19, 18)})


def instance_b() -> ReferenceInstance:
    """Return instance B: two sources, four targets, squared distance, ``gamma = 0.1``.

    Sources 0, 1 (mass 1/2), targets 0, 0.2, 0.8, 1 (mass 1/4):
    ``P_k = D_k = QOT = 13/400`` for k = 1, 2 and the OT plan is recovered.
    """
    x, y = np.array([0.0, 1.0]), np.array([0.0, 0.2, 0.8, 1.0])
    C = (x[:, None] - y[None, :]) ** 2
    v = Fraction(13, 400)
    return ReferenceInstance("B", np.full(2, 0.5), np.full(4, 0.25), C, 0.1, {1: v, 2: v}, {1: v, 2: v})


#: Largest n of :func:`gaussian_toy` (its cost is an n x n float64 array: 10**4 -> 800 MB).
MAX_TOY_SIZE = 10_000


def gaussian_toy(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the 1-D toy of the figures: two discretised Gaussians on ``0..n-1`` and a squared cost.

    ``a`` is centred at ``10n/32`` with width ``4n/32``, ``b`` at ``16n/32`` with width ``5n/32``
    (both normalised); ``C_ij = (i - j)^2 / max (i - j)^2``. Returns ``(a, b, C)``. O(n^2) memory;
    ``2 <= n <= MAX_TOY_SIZE`` (else ``ValueError`` naming n).
    """
    n = as_int(n, "n", min_value=2, max_value=MAX_TOY_SIZE)
    x = np.arange(n, dtype=float)
    a = np.exp(-0.5 * ((x - 10 * n / 32) / (4 * n / 32)) ** 2)
    b = np.exp(-0.5 * ((x - 16 * n / 32) / (5 * n / 32)) ** 2)
    C = (x[:, None] - x[None, :]) ** 2
    return a / a.sum(), b / b.sum(), C / C.max()


def uniform_points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the benchmark instance: n sources and n targets uniform in the unit square.

    ``C_ij = ||x_i - y_j||^2 / max``, marginals ``a, b ~ Dirichlet(1)`` drawn after the points
    from ``np.random.default_rng(seed)``. Returns ``(a, b, C)``; O(n^2) memory,
    ``1 <= n <= MAX_TOY_SIZE``. Used by ``benchmarks/bench_sparse_ot.py`` and the
    time-to-certificate figure (issue 16).
    """
    n = as_int(n, "n", min_value=1, max_value=MAX_TOY_SIZE)
    seed = as_int(seed, "seed", min_value=0)
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(size=(n, 2)), rng.uniform(size=(n, 2))
    C = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    return rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n)), C / C.max()
