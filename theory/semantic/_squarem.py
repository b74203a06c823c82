"""SQUAREM extrapolation (Varadhan & Roland 2008) for fixed-point maps on the open simplex.

Shared by the Blahut-Arimoto iteration and the BA-type causal (backward) recursion.
"""

from __future__ import annotations

import numpy as np


def squarem_point(x0: np.ndarray, x1: np.ndarray, x2: np.ndarray) -> np.ndarray | None:
    """Extrapolate two successive fixed-point steps ``x0 -> x1 -> x2``.

    With ``r = x1 - x0``, ``v = x2 - 2 x1 + x0`` and ``alpha = min(-||r|| / ||v||, -1)`` the
    point is ``x0 - 2 alpha r + alpha^2 v``. While it leaves the open simplex, ``alpha`` steps back
    towards ``-1`` (the plain double step), since a letter set to 0 could never revive. Returns
    the normalised point, or ``None`` when ``v = 0`` or no step keeps every entry positive. The
    caller decides whether to accept it (it must not worsen the objective). Cost O(size).
    """
    r = x1 - x0
    v = x2 - 2 * x1 + x0
    nv = float(np.linalg.norm(v))
    if nv == 0:
        return None
    alpha = min(-float(np.linalg.norm(r)) / nv, -1.0)
    x = x0 - 2 * alpha * r + alpha * alpha * v
    while np.any(x <= 0) and alpha < -1.0 - 1e-9:
        alpha = 0.5 * (alpha - 1.0)
        x = x0 - 2 * alpha * r + alpha * alpha * v
    if not np.all(x > 0):
        return None
    return x / x.sum()
