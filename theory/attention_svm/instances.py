"""Closed-form reference instances of :mod:`theory.attention_svm` and their exact answers.

:func:`reference_instance` builds instances 1-3; ``WMM_INST2`` and ``WNUC_INST2`` are the exact
Frobenius and nuclear-norm Att-SVM solutions of instance 2 (all tokens ``alpha = 0``), derived
by hand from its three constraints ``W00, W11, W01 >= 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from theory._result import TupleCompatible
from theory._validate import as_int


@dataclass(frozen=True)
class AttentionInstance(TupleCompatible):
    """An attention data set: tokens, queries, labels and head; unpacks as ``(X, Z, Y, v)``.

    Attributes
    ----------
    X
        Tokens, shape ``(n, T, d)``.
    Z
        Queries, shape ``(n, d)``.
    Y
        Labels in ``{-1, +1}``, shape ``(n,)``.
    v
        Linear head, shape ``(d,)``.
    """

    _tuple_fields: ClassVar[tuple[str, ...]] = ("X", "Z", "Y", "v")

    X: np.ndarray
    Z: np.ndarray
    Y: np.ndarray
    v: np.ndarray


def reference_instance(k: int) -> AttentionInstance:
    """Return the closed-form instances ``k = 1, 2, 3`` (an :class:`AttentionInstance`: ``X, Z, Y, v``).

    1. n=1, T=3, d=2: scores (1, 0.9, 0); alpha = 0 global, alpha = 1 local, alpha = 2 feasible but
       not locally optimal (the single-input example of MMTS with a 2-d key space).
    2. n=3, T=2, d=2: constraints W00, W11, W01 >= 1; W^mm = [[1, 1], [0, 1]] but the nuclear
       solution is [[1, 1], [1, 1]].
    3. n=1, T=3, d=2: token 2 is the midpoint of tokens 0 and 1, so alpha = 2 is infeasible.
    """
    k = as_int(k, "k", min_value=1, max_value=3)
    if k == 1:
        return AttentionInstance(np.array([[[-0.1, 1.0], [1.0, 0.0], [0.0, 0.0]]]), np.array([[1.0, 0.0]]),
                                 np.ones(1), np.array([0.9, 1.09]))
    if k == 2:
        X = np.array([[[1.0, 0.0], [0.0, 0.0]], [[0.0, 1.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]])
        return AttentionInstance(X, np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]), np.ones(3),
                                 np.array([1.0, 1.0]))
    X = np.array([[[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]]])
    return AttentionInstance(X, np.array([[0.0, 1.0]]), np.ones(1), np.array([1.0, 0.0]))


#: Instance 1: tokens, queries, labels, head.
X_INST1, Z_INST1, _, V_INST1 = reference_instance(1)
#: Instance 2: tokens, queries, labels, head.
X_INST2, Z_INST2, _, V_INST2 = reference_instance(2)
#: Instance 3: tokens and queries (token 2 is infeasible).
X_INST3, Z_INST3, _, _ = reference_instance(3)
#: Exact Frobenius Att-SVM solution ``W^mm`` of instance 2 (``||W||_F^2 = 3``).
WMM_INST2 = np.array([[1.0, 1.0], [0.0, 1.0]])
#: Exact nuclear-norm Att-SVM solution ``W*^mm`` of instance 2 (``||W||_* = 2``).
WNUC_INST2 = np.ones((2, 2))
