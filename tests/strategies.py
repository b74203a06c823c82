"""Hypothesis strategies shared by every area's tests: pmfs, joints, stochastic and cost matrices.

All strategies build arrays from bounded floats and normalise them, so every example is a valid
input (sums to 1 within 1e-12) and some entries can be exactly zero.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

_weights = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_infinity=False)


def _normalise(w: np.ndarray, axis: int | None = None) -> np.ndarray:
    w = w + 1e-3 * (w.sum(axis=axis, keepdims=True) == 0)  # an all-zero row becomes uniform
    return w / w.sum(axis=axis, keepdims=True)


@st.composite
def pmfs(draw: st.DrawFn, size: int | st.SearchStrategy[int] | None = None,
         min_prob: float = 0.0) -> np.ndarray:
    """A probability vector (default length 2 to 8); with ``min_prob > 0`` every entry is at
    least ``min_prob``."""
    if size is None:
        size = st.integers(2, 8)
    n = draw(size) if isinstance(size, st.SearchStrategy) else size
    w = _normalise(draw(hnp.arrays(np.float64, n, elements=_weights)))
    return (1 - n * min_prob) * w + min_prob if min_prob > 0 else w


@st.composite
def joint_pmfs(draw: st.DrawFn, shape: tuple[int, ...] | None = None, max_axes: int = 3,
               max_side: int = 4) -> np.ndarray:
    """A joint pmf over a product of small alphabets (default: 1 to ``max_axes`` axes)."""
    if shape is None:
        shape = tuple(draw(st.lists(st.integers(2, max_side), min_size=1, max_size=max_axes)))
    w = draw(hnp.arrays(np.float64, shape, elements=_weights))
    return _normalise(w.ravel()).reshape(shape)


@st.composite
def stochastic_matrices(draw: st.DrawFn, rows: int | None = None, cols: int | None = None,
                        min_prob: float = 0.0) -> np.ndarray:
    """A row-stochastic matrix (each row a pmf)."""
    r = rows if rows is not None else draw(st.integers(2, 6))
    c = cols if cols is not None else draw(st.integers(2, 6))
    w = _normalise(draw(hnp.arrays(np.float64, (r, c), elements=_weights)), axis=1)
    return (1 - c * min_prob) * w + min_prob if min_prob > 0 else w


@st.composite
def cost_matrices(draw: st.DrawFn, rows: int | None = None, cols: int | None = None,
                  allow_negative: bool = True) -> np.ndarray:
    """A finite cost matrix with entries in [-1, 1] (or [0, 1])."""
    r = rows if rows is not None else draw(st.integers(2, 6))
    c = cols if cols is not None else draw(st.integers(2, 6))
    lo = -1.0 if allow_negative else 0.0
    el = st.floats(min_value=lo, max_value=1.0, allow_nan=False, allow_infinity=False)
    return draw(hnp.arrays(np.float64, (r, c), elements=el))
