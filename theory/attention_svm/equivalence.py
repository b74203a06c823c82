r"""SVM-equivalence for nonlinear heads: several tokens selected per sample.

With a nonlinear head, gradient descent may keep a set ``O_i`` of tokens with non-vanishing
softmax weight (``s_it >= threshold``) and drive the others (``O_bar_i``) to zero. The proposed
description (TF-SVM, arXiv 2308.16898, Sec. on nonlinear heads; official code
``TF-as-SVM/base_nonlinear.py``) splits the trained W into a diverging direction and a finite part:

- ``W^dir = argmin ||W||_F`` s.t. ``(x_it - x_itau)^T W z_i = 0`` for ``t, tau in O_i`` and
  ``(x_it - x_itau)^T W z_i >= 1`` for ``t in O_i``, ``tau in O_bar_i``;
- ``W^fin = argmin ||W||_F`` s.t. ``(x_itau - x_it)^T W z_i = log(s_itau / s_it)`` on ``O_i``
  (a least-norm linear system);
- ``R = <W - W^fin, W^dir> / ||W^dir||_F^2`` and ``W^eq = W^fin + R W^dir``.

``W^dir`` is computed by projecting each inequality matrix onto the orthogonal complement of
the span of the equality matrices and solving the resulting Frobenius Att-SVM exactly (the
min-norm solution of the projected problem lies in that complement). With every ``|O_i| = 1``,
``W^dir`` is Att-SVM(alpha_hat) and ``W^fin = 0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from theory._validate import as_float_array, as_positive_float
from theory.attention_svm._core import ldp
from theory.attention_svm._inputs import square, tokens_and_queries


@dataclass(frozen=True)
class SVMEquivalence:
    """The SVM-equivalence decomposition of a trained W.

    Attributes
    ----------
    W_dir, W_fin, R, W_eq
        Direction, finite part, scale and prediction ``W_fin + R W_dir`` (NaN when the direction
        problem is infeasible; ``R = 0`` when no token is dropped).
    selected
        (n, T) booleans, the sets ``O_i``.
    status
        ``"optimal"``, ``"infeasible"`` (no W^dir exists) or ``"no_direction"`` (nothing dropped).
    """

    W_dir: np.ndarray
    W_fin: np.ndarray
    R: float
    W_eq: np.ndarray
    selected: np.ndarray
    status: str


def svm_equivalence(X: Any, Z: Any, softmax_final: Any, W_final: Any, *,
                    threshold: float = 1e-3) -> SVMEquivalence:
    """Decompose a trained W into the SVM direction and the finite part (see the module doc).

    Parameters
    ----------
    X, Z
        Tokens (n, T, d) and queries (n, d).
    softmax_final
        (n, T) final attention weights (rows of positive entries).
    W_final
        The trained (d, d) matrix.
    threshold
        Tokens with ``s_it >= threshold`` form ``O_i``.

    Returns
    -------
    SVMEquivalence
        Cost: one NNLS of size ``(d^2 + 1) x sum_i |O_bar_i|`` and one least-squares solve.
    """
    X, Z = tokens_and_queries(X, Z)
    n, T, d = X.shape
    s = as_float_array(softmax_final, "softmax_final", ndim=2)
    if s.shape != (n, T):
        raise ValueError(f"softmax_final: expected shape ({n}, {T}), got {s.shape}")
    if np.any(s < 0):
        raise ValueError("softmax_final: weights must be non-negative")
    W = square(W_final, d, "W_final")
    thr = as_positive_float(threshold, "threshold")
    O = s >= thr
    if not np.all(O.any(axis=1)):
        raise ValueError(f"threshold: sample {int(np.flatnonzero(~O.any(axis=1))[0])} has no weight >= {thr}")
    rep = np.argmax(s, axis=1)
    eq_rows, eq_rhs, ineq_rows = [], [], []
    for i in range(n):
        for t in range(T):
            if t == rep[i]:
                continue
            A = np.outer(X[i, t] - X[i, rep[i]], Z[i]).ravel()
            if O[i, t]:
                eq_rows.append(A)
                eq_rhs.append(np.log(s[i, t] / s[i, rep[i]]))
            else:
                ineq_rows.append(-A)
    Beq = np.array(eq_rows).reshape(-1, d * d)
    Gin = np.array(ineq_rows).reshape(-1, d * d)
    if Beq.shape[0]:
        W_fin = np.linalg.lstsq(Beq, np.array(eq_rhs), rcond=None)[0].reshape(d, d)
        U, sv, _ = np.linalg.svd(Beq.T, full_matrices=False)
        U = U[:, sv > sv[0] * max(Beq.shape) * np.finfo(float).eps]
        Gin = Gin - (Gin @ U) @ U.T
    else:
        W_fin = np.zeros((d, d))
    if Gin.shape[0] == 0:
        return SVMEquivalence(np.zeros((d, d)), W_fin, 0.0, W_fin.copy(), O, "no_direction")
    w, _ = ldp(Gin)
    if w is None:
        nan = np.full((d, d), np.nan)
        return SVMEquivalence(nan, W_fin, float("nan"), nan.copy(), O, "infeasible")
    W_dir = w.reshape(d, d)
    R = float(np.vdot(W - W_fin, W_dir) / np.vdot(W_dir, W_dir))
    return SVMEquivalence(W_dir, W_fin, R, W_fin + R * W_dir, O, "optimal")
