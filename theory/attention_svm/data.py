"""Synthetic data in the official experimental setting (reference instances: :mod:`.instances`)."""

from __future__ import annotations

import numpy as np

from theory._rng import as_generator
from theory._validate import as_int
from theory.attention_svm.instances import AttentionInstance, reference_instance

__all__ = ["AttentionInstance", "MAX_ELEMS", "random_instance", "reference_instance"]

#: Largest n T d a random instance holds.
MAX_ELEMS = 50_000_000


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
