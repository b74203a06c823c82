"""The Att-SVM problem: validated data (:class:`AttSVMProblem`) and its constraint rows.

``(x_{i alpha_i} - x_it)^T W z_i >= 1`` for every sample ``i`` and visible token ``t != alpha_i``;
the solvers of :mod:`theory.attention_svm.svm` take an :class:`AttSVMProblem` or the arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.attention_svm._inputs import index_vector, tokens_and_queries, visibility_mask


@dataclass(frozen=True)
class Constraints:
    """The constraint list of an Att-SVM problem: ``A_k = D_k Q_k^T``, k = (sample, token)."""

    D: np.ndarray  # (m, d) token differences x_{i alpha_i} - x_it
    Q: np.ndarray  # (m, d) queries z_i
    sample: np.ndarray  # (m,) sample index i
    token: np.ndarray  # (m,) token index t

    @property
    def G(self) -> np.ndarray:
        """(m, d*d) rows ``vec(A_k)`` (row-major)."""
        m, d = self.D.shape
        return (self.D[:, :, None] * self.Q[:, None, :]).reshape(m, d * self.Q.shape[1])


def build_constraints(X: np.ndarray, Z: np.ndarray, alpha: np.ndarray, mask: np.ndarray) -> Constraints:
    """Return the constraint rows of Att-SVM(alpha) over visible tokens ``t != alpha_i`` (no validation)."""
    n, T, _ = X.shape
    keep = mask.copy()
    keep[np.arange(n), alpha] = False
    i, t = np.nonzero(keep)
    D = X[i, alpha[i]] - X[i, t]
    return Constraints(D=D, Q=Z[i], sample=i, token=t)



def validate_problem(X: Any, Z: Any, alpha: Any, mask: Any) -> tuple[np.ndarray, ...]:
    """Validate the Att-SVM data once; return ``(X, Z, alpha, mask)`` as checked arrays."""
    X, Z = tokens_and_queries(X, Z)
    n, T, _ = X.shape
    alpha = index_vector(alpha, n, T)
    mask = visibility_mask(mask, n, T, alpha)
    return X, Z, alpha, mask


@dataclass(frozen=True, eq=False)
class AttSVMProblem:
    """A validated Att-SVM problem: tokens ``X``, queries ``Z``, selected tokens ``alpha``, mask.

    Build it once and hand it to :func:`solve_att_svm` or :func:`solve_att_svm_cvxpy` in place of
    ``(X, Z, alpha)``; each result keeps it as ``result.problem``. Validated on construction
    (shapes, finiteness, ``alpha`` in range, ``mask[i, alpha_i]`` True); arrays stored read-only.

    Attributes
    ----------
    X
        Tokens, shape ``(n, T, d)``.
    Z
        Queries, shape ``(n, d)``.
    alpha
        Selected token per sample, shape ``(n,)``.
    mask
        Visible tokens, ``(n, T)`` booleans (all True when not given).
    """

    X: np.ndarray
    Z: np.ndarray
    alpha: np.ndarray
    mask: np.ndarray | None = None

    def __post_init__(self) -> None:
        """Validate the fields and freeze them as read-only arrays."""
        checked = validate_problem(self.X, self.Z, self.alpha, self.mask)
        for name, value in zip(("X", "Z", "alpha", "mask"), checked, strict=True):
            value = np.array(value)
            value.flags.writeable = False
            object.__setattr__(self, name, value)

    @property
    def constraints(self) -> Constraints:
        """The constraint rows ``(x_{i alpha_i} - x_it)^T W z_i >= 1`` of the visible tokens."""
        return build_constraints(np.array(self.X), np.array(self.Z), np.array(self.alpha),
                                 np.array(self.mask))


def as_problem(X: Any, Z: Any, alpha: Any, mask: Any) -> AttSVMProblem:
    """Return ``X`` when it is already an :class:`AttSVMProblem`, else build one from the arrays."""
    if isinstance(X, AttSVMProblem):
        if Z is not None or alpha is not None or mask is not None:
            raise ValueError("Z, alpha, mask: omit them when X is an AttSVMProblem (it holds them)")
        return X
    if Z is None or alpha is None:
        raise ValueError("Z, alpha: missing; pass X, Z and alpha, or an AttSVMProblem as X")
    return AttSVMProblem(X, Z, alpha, mask)
