"""Input validation at the public boundary: one place for every check.

Every function raises ``ValueError`` with a message that names the offending argument and says
how to fix it. Nothing is renormalised or clipped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: Absolute tolerance on the total mass of a probability vector or row.
PMF_ATOL = 1e-9


class InputTypeError(TypeError, ValueError):
    """Input of the wrong kind (complex, boolean, text).

    Both a ``TypeError`` and, like every other validation failure here, a ``ValueError``, so existing
    ``except ValueError`` works.
    """


def _reject_non_real(x: Any, arr: np.ndarray | None, name: str) -> None:
    """Raise :class:`InputTypeError` for complex, boolean or text input (never cast silently)."""
    kind = arr.dtype.kind if arr is not None else ""
    if kind == "c" or isinstance(x, complex):
        raise InputTypeError(f"{name}: complex input is not accepted; pass the real part explicitly "
                             "if that is what you mean")
    if kind == "b" or isinstance(x, (bool, np.bool_)):
        raise InputTypeError(f"{name}: expected numbers, got booleans; convert with .astype(float)")
    if (kind and kind in "USV") or isinstance(x, (str, bytes)):
        raise InputTypeError(f"{name}: expected numbers, got {type(x).__name__} of dtype "
                             f"{kind or 'str'}, not a float array")


def as_float_array(x: Any, name: str, *, ndim: int | None = None) -> np.ndarray:
    """Convert ``x`` to a finite float64 array, optionally of a fixed number of dimensions.

    Complex, boolean and string input raise :class:`InputTypeError` (a ``TypeError`` and a
    ``ValueError``: a cast would drop the imaginary part or reinterpret the values silently);
    everything else that is not a finite real array raises ``ValueError`` naming ``name``.
    """
    try:
        raw = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: cannot be converted to a float array ({exc})") from None
    _reject_non_real(x, raw, name)
    if raw.dtype.kind == "O":  # ragged or mixed lists: check every element
        for item in raw.ravel():
            if isinstance(item, (complex, np.complexfloating)):
                raise InputTypeError(f"{name}: complex input is not accepted; pass the real part explicitly")
            if isinstance(item, (bool, np.bool_, str, bytes)):
                raise InputTypeError(f"{name}: expected numbers, got an element of type "
                                     f"{type(item).__name__}")
    try:
        arr = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{name}: cannot be converted to a float array ({exc})") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name}: must not be empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name}: contains {bad} non-finite value(s) (NaN or inf); remove them")
    return arr


def as_nonnegative(x: Any, name: str, *, ndim: int | None = None) -> np.ndarray:
    """Finite float array with every entry ``>= 0`` (e.g. marginals that need not sum to 1)."""
    arr = as_float_array(x, name, ndim=ndim)
    if np.any(arr < 0):
        raise ValueError(
            f"{name}: entries must be non-negative, smallest is {arr.min():.3g}; clip or fix the input"
        )
    return arr


def as_pmf(p: Any, name: str = "p", *, size: int | None = None, atol: float = PMF_ATOL) -> np.ndarray:
    """Validate a probability vector: 1-d, finite, non-negative, summing to 1 within ``atol``.

    Parameters
    ----------
    p
        Array-like of probabilities.
    name
        Argument name used in error messages.
    size
        Required length, if any.
    atol
        Allowed absolute deviation of ``sum(p)`` from 1 (default ``1e-9``).
    """
    arr = as_nonnegative(p, name, ndim=1)
    if size is not None and arr.shape[0] != size:
        raise ValueError(f"{name}: expected length {size}, got {arr.shape[0]}")
    total = float(arr.sum())
    if abs(total - 1.0) > atol:
        raise ValueError(
            f"{name}: must sum to 1 within {atol:g}, sums to {total!r}; normalise it first (p / p.sum())"
        )
    return arr


def as_joint_pmf(p: Any, name: str = "joint", *, ndim: int | None = None,
                 atol: float = PMF_ATOL) -> np.ndarray:
    """Validate a joint pmf of any number of axes: finite, non-negative, total mass 1."""
    arr = as_nonnegative(p, name, ndim=ndim)
    total = float(arr.sum())
    if abs(total - 1.0) > atol:
        raise ValueError(
            f"{name}: must sum to 1 within {atol:g}, sums to {total!r}; normalise it first"
        )
    return arr


def as_stochastic_matrix(P: Any, name: str = "P", *, shape: tuple[int | None, int | None] | None = None,
                         atol: float = PMF_ATOL) -> np.ndarray:
    """Validate a row-stochastic array: last axis sums to 1 within ``atol`` for every row.

    Arrays with more than two axes are accepted (e.g. transition kernels of shape (S, Y, Y));
    the last axis is the one that must be normalised.
    """
    arr = as_nonnegative(P, name)
    if arr.ndim < 2:
        raise ValueError(f"{name}: expected at least a 2-d array of rows, got shape {arr.shape}")
    if shape is not None:
        for axis, want in enumerate(shape):
            if want is not None and arr.shape[axis] != want:
                raise ValueError(f"{name}: expected shape {shape} (None = any), got {arr.shape}")
    sums = arr.sum(axis=-1)
    worst = float(np.max(np.abs(sums - 1.0)))
    if worst > atol:
        idx = np.unravel_index(int(np.argmax(np.abs(sums - 1.0))), sums.shape)
        raise ValueError(
            f"{name}: every row must sum to 1 within {atol:g}; row {tuple(int(i) for i in idx)} sums to "
            f"{float(sums[idx])!r}; normalise rows (P / P.sum(-1, keepdims=True))"
        )
    return arr


def as_cost_matrix(C: Any, name: str = "C", *, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Validate a cost matrix: 2-d, finite (negative costs are allowed), optional exact shape."""
    arr = as_float_array(C, name, ndim=2)
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)}, got {arr.shape}")
    return arr


def check_shapes(**arrays: tuple[np.ndarray, Sequence[int | None]]) -> None:
    """Check several arrays against expected shapes (``None`` = any length on that axis).

    Example: ``check_shapes(X=(X, (n, T, d)), Z=(Z, (n, d)))``.
    """
    for name, (arr, shape) in arrays.items():
        if arr.ndim != len(shape) or any(w is not None and s != w for s, w in zip(arr.shape, shape)):
            raise ValueError(f"{name}: expected shape {tuple(shape)} (None = any), got {arr.shape}")


def as_int(x: Any, name: str, *, min_value: int | None = None, max_value: int | None = None) -> int:
    """Validate an integer parameter (bools are rejected) within optional bounds."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise ValueError(f"{name}: expected an integer, got {x!r} of type {type(x).__name__}")
    v = int(x)
    if min_value is not None and v < min_value:
        raise ValueError(f"{name}: must be >= {min_value}, got {v}")
    if max_value is not None and v > max_value:
        raise ValueError(f"{name}: must be <= {max_value}, got {v}")
    return v


def as_positive_float(x: Any, name: str, *, allow_zero: bool = False) -> float:
    """Validate a finite positive (or non-negative, with ``allow_zero``) real scalar."""
    _reject_non_real(x, np.asarray(x) if isinstance(x, np.ndarray | np.generic) else None, name)
    if np.ndim(x) != 0:
        raise ValueError(f"{name}: expected a scalar, got an array of shape {np.shape(x)}")
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, got {x!r}") from None
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}: must be finite and {bound}, got {x!r}")
    return v


def as_unit_float(x: Any, name: str, *, upper: float = 1.0) -> float:
    """Validate a real scalar in ``[0, upper]`` (a probability, a crossover rate, ...)."""
    v = as_positive_float(x, name, allow_zero=True)
    if v > upper:
        raise ValueError(f"{name}: must lie in [0, {upper:g}], got {x!r}")
    return v


def as_index_list(x: Any, name: str) -> tuple[int, ...]:
    """Validate an int or a sequence of ints (axis or token indices; bools and floats rejected)."""
    items: Any = [x] if isinstance(x, (int, np.integer, bool, np.bool_)) else x
    if isinstance(items, (str, bytes)) or np.ndim(items) > 1:
        raise ValueError(f"{name}: expected an integer or a sequence of integers, got {x!r}")
    try:
        seq = list(items)
    except TypeError:
        raise ValueError(f"{name}: expected an integer or a sequence of integers, got {x!r}") from None
    out = []
    for item in seq:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, (int, np.integer)):
            raise ValueError(f"{name}: expected integer indices, got {item!r} of type {type(item).__name__}")
        out.append(int(item))
    return tuple(out)


def as_choice(x: Any, name: str, choices: Sequence[str]) -> str:
    """Validate a string option against the allowed ``choices``."""
    if not isinstance(x, str) or x not in choices:
        raise ValueError(f"{name}: must be one of {', '.join(map(repr, choices))}; got {x!r}")
    return str(x)
