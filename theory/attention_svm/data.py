"""Synthetic data in the official experimental setting and the closed-form reference instances."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from theory._result import TupleCompatible
from theory._rng import as_generator
from theory._validate import as_int

#: Largest n T d a random instance holds.
MAX_ELEMS = 50_000_000


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


def random_instance(n: int, T: int, d: int, *, rng: int | np.random.Generator | None = None
                    ) -> AttentionInstance:
    """Unit-norm Gaussian tokens (n, T, d) and queries (n, d), Rademacher labels, unit head (d,).

    The setting of the official TF-SVM experiments (tokens and queries normalised, labels +-1
    with probability 1/2, ``v ~ N(0, I)`` normalised). Returns an :class:`AttentionInstance`,
    which unpacks as ``(X, Z, Y, v)``. Cost O(n T d).
    """
    n, T, d = (as_int(n, "n", min_value=1), as_int(T, "T", min_value=1), as_int(d, "d", min_value=1))
    if n * T * d > MAX_ELEMS:
        raise ValueError(f"n, T, d: the instance would hold n T d = {n * T * d:.3g} > {MAX_ELEMS:.0e} "
                         "entries")
    gen = as_generator(rng)
    X = gen.standard_normal((n, T, d))
    X /= np.linalg.norm(X, axis=2, keepdims=True)
    Z = gen.standard_normal((n, d))
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    Y = gen.choice([-1.0, 1.0], n)
    v = gen.standard_normal(d)
    return AttentionInstance(X, Z, Y, v / np.linalg.norm(v))


def reference_instance(k: int) -> AttentionInstance:
    """The closed-form instances ``k = 1, 2, 3`` (an :class:`AttentionInstance`: ``X, Z, Y, v``).

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
