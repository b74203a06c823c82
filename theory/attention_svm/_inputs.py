"""Boundary validation shared by the attention-SVM modules (tokens, queries, indices, masks)."""

from __future__ import annotations

from typing import Any

import numpy as np

from theory._validate import as_float_array, check_shapes


def tokens_and_queries(X: Any, Z: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``X`` (n, T, d) and ``Z`` (n, d): finite floats with matching n and d."""
    X = as_float_array(X, "X", ndim=3)
    n, _, d = X.shape
    Z = as_float_array(Z, "Z", ndim=2)
    check_shapes(Z=(Z, (n, d)))
    return X, Z


def index_vector(alpha: Any, n: int, T: int, name: str = "alpha") -> np.ndarray:
    """Validate a vector of n token indices in ``[0, T)``."""
    arr = np.asarray(alpha)
    if arr.shape != (n,):
        raise ValueError(f"{name}: expected shape ({n},), got {arr.shape}")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                                 or (np.issubdtype(arr.dtype, np.floating)
                                     and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))):
        raise ValueError(f"{name}: expected integer token indices, got dtype {arr.dtype}")
    out = arr.astype(np.int64)
    if np.any(out < 0) or np.any(out >= T):
        raise ValueError(f"{name}: indices must lie in [0, {T}), got min {out.min()} max {out.max()}")
    return out


def visibility_mask(mask: Any, n: int, T: int, alpha: np.ndarray | None = None) -> np.ndarray:
    """Validate a boolean (n, T) mask (None = all visible); ``mask[i, alpha_i]`` must be True."""
    if mask is None:
        return np.ones((n, T), dtype=bool)
    arr = np.asarray(mask)
    if arr.shape != (n, T):
        raise ValueError(f"mask: expected shape ({n}, {T}), got {arr.shape}")
    if arr.dtype != bool:
        if not np.all(np.isin(arr, (0, 1))):
            raise ValueError("mask: expected booleans (or 0/1 entries)")
        arr = arr.astype(bool)
    if alpha is not None and not np.all(arr[np.arange(n), alpha]):
        bad = int(np.flatnonzero(~arr[np.arange(n), alpha])[0])
        raise ValueError(f"mask: the selected token alpha[{bad}] = {alpha[bad]} must be visible")
    return arr


def labels(Y: Any, n: int) -> np.ndarray:
    """Validate labels in {-1, +1} of shape (n,)."""
    arr = as_float_array(Y, "Y", ndim=1)
    if arr.shape != (n,):
        raise ValueError(f"Y: expected shape ({n},), got {arr.shape}")
    if not np.all(np.abs(arr) == 1.0):
        raise ValueError("Y: labels must be -1 or +1")
    return arr


def square(W: Any, d: int, name: str) -> np.ndarray:
    """Validate a finite (d, d) matrix."""
    arr = as_float_array(W, name, ndim=2)
    check_shapes(**{name: (arr, (d, d))})
    return arr
