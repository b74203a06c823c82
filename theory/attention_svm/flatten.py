"""Multi-query and causal (self-)attention flattened into the single-query Att-SVM form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from theory._validate import as_choice, as_float_array


@dataclass(frozen=True)
class FlatQueries:
    """Several queries per sequence flattened into the single-query Att-SVM form.

    Row ``r`` is query ``position[r]`` of sequence ``sequence[r]``: its tokens ``X[r]`` are the
    tokens of that sequence, ``Z[r]`` the query and ``mask[r]`` its visible tokens. Selected
    tokens given per (sequence, query) as an (n, K) array flatten with ``alpha.reshape(-1)``.
    """

    X: np.ndarray
    Z: np.ndarray
    mask: np.ndarray
    sequence: np.ndarray
    position: np.ndarray


def flatten_queries(X_seq: Any, queries: Any = "all", *, causal: bool = False) -> FlatQueries:
    r"""Flatten multi-query (self-)attention into one Att-SVM row per (sequence, query).

    The problem ``min ||W|| s.t. (x_{i alpha_ik} - x_it)^T W q_ik >= 1`` for every sequence i,
    query k and visible ``t in V_ik \ {alpha_ik}`` is the single-query problem on the rows
    returned here (tokens ``X_i``, query ``q_ik``, mask row ``V_ik``).

    Parameters
    ----------
    X_seq
        Sequences, shape (n, T, d).
    queries
        ``"all"``: self-attention, query k is token k (K = T); ``"last"``: the last token only
        (K = 1); or an array (n, K, d) of separate queries (cross-attention).
    causal
        Query k sees tokens ``0..k`` only (self-attention, or K <= T separate queries); with
        ``"last"`` every token is visible.

    Returns
    -------
    FlatQueries
        Arrays with n*K rows, in order (sequence, query). Cost O(n K T d) memory.
    """
    X = as_float_array(X_seq, "X_seq", ndim=3)
    n, T, d = X.shape
    if isinstance(queries, str):
        as_choice(queries, "queries", ("all", "last"))
        Qs = X if queries == "all" else X[:, -1:, :]
        first_pos = 0 if queries == "all" else T - 1
    else:
        Qs = as_float_array(queries, "queries", ndim=3)
        if Qs.shape[0] != n or Qs.shape[2] != d:
            raise ValueError(f"queries: expected shape ({n}, K, {d}), got {Qs.shape}")
        first_pos = 0
    K = Qs.shape[1]
    if causal and first_pos + K > T:
        raise ValueError(f"queries: a causal mask needs at most T = {T} queries, got {K}")
    pos = first_pos + np.arange(K)
    if causal:
        row_mask = np.arange(T)[None, :] <= pos[:, None]
    else:
        row_mask = np.ones((K, T), dtype=bool)
    return FlatQueries(X=np.repeat(X, K, axis=0), Z=Qs.reshape(n * K, d),
                       mask=np.tile(row_mask, (n, 1)), sequence=np.repeat(np.arange(n), K),
                       position=np.tile(pos, n))
