"""Hypothesis strategies for extreme but valid inputs: near-point masses (1 - eps with eps down to
the smallest subnormal), entries of 1e-300, exact zeros, float32-rounded then renormalised pmfs,
costs of huge and tiny magnitude."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

EPSILONS = (1e-15, 2.5e-16, 4e-12, 1e-9, 1e-300, 5e-324)
_unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_infinity=False)


@st.composite
def extreme_pmfs(draw: st.DrawFn, n: int, *, tiny: bool = True) -> np.ndarray:
    """A length-n pmf summing to 1 within 1e-12, drawn from one of five extreme families
    (``tiny=False``: no entries below 1e-15 other than exact zeros)."""
    modes = ["near-point", "tiny", "zeros", "float32", "spread"] if tiny else \
        ["near-point", "zeros", "float32", "spread"]
    mode = draw(st.sampled_from(modes))
    w = draw(hnp.arrays(np.float64, n, elements=_unit)) + 1e-3
    if mode == "near-point":
        eps = draw(st.sampled_from(EPSILONS if tiny else EPSILONS[:4]))
        w = np.full(n, eps / (n - 1))
        w[draw(st.integers(0, n - 1))] = 1.0 - eps
        return w
    if mode == "tiny":
        mask = draw(hnp.arrays(np.bool_, n))
        mask[draw(st.integers(0, n - 1))] = False
        w[mask] = draw(st.sampled_from([1e-300, 1e-200, 1e-100]))
    elif mode == "zeros":
        mask = draw(hnp.arrays(np.bool_, n))
        mask[draw(st.integers(0, n - 1))] = False
        w[mask] = 0.0
    elif mode == "float32":
        w = (w / w.sum()).astype(np.float32).astype(np.float64)
    return w / w.sum()


@st.composite
def extreme_joints(draw: st.DrawFn) -> np.ndarray:
    """A 2-d joint pmf whose flattened law is an extreme pmf."""
    r, c = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    return draw(extreme_pmfs(r * c)).reshape(r, c)


@st.composite
def extreme_costs(draw: st.DrawFn, rows: int, cols: int) -> np.ndarray:
    scale = draw(st.sampled_from([1.0, 1e-8, 1e8]))
    return scale * draw(hnp.arrays(np.float64, (rows, cols), elements=_unit))


@st.composite
def extreme_stochastic(draw: st.DrawFn, n: int) -> np.ndarray:
    return np.stack([draw(extreme_pmfs(n)) for _ in range(n)])
