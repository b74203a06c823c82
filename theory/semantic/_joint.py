"""Information measures of a joint pmf given by axis groups, without validation (bits).

Shared by the public measures of :mod:`theory.semantic.info` (which validate their inputs) and by
the solvers that evaluate their own joint laws (bottleneck, sequential, reward). Conventions as
in :mod:`theory.semantic.info`: one axis per variable and time step, ``0 log 0 = 0``.
"""

from __future__ import annotations

import numpy as np

from theory._info import entropy_bits


def marginal_entropy(joint: np.ndarray, keep: tuple[int, ...]) -> float:
    """``H`` of the marginal on the axes ``keep`` (0 for no axis), bits."""
    if not keep:
        return 0.0
    drop = tuple(a for a in range(joint.ndim) if a not in keep)
    return entropy_bits(joint.sum(axis=drop))


def cmi(joint: np.ndarray, a: tuple[int, ...], b: tuple[int, ...], c: tuple[int, ...]) -> float:
    """``I(A; B | C) = H(AC) + H(BC) - H(ABC) - H(C)``, bits (0 when A or B is empty)."""
    if not a or not b:
        return 0.0
    return (marginal_entropy(joint, tuple(sorted(a + c))) + marginal_entropy(joint, tuple(sorted(b + c)))
            - marginal_entropy(joint, tuple(sorted(a + b + c))) - marginal_entropy(joint, tuple(sorted(c))))


def directed_terms(joint: np.ndarray, x: tuple[int, ...], y: tuple[int, ...]) -> list[float]:
    """Massey's terms ``I(X^i; Y_i | Y^{i-1})``, i = 1..n, of ``I(X^n -> Y^n)`` (bits)."""
    return [cmi(joint, x[: i + 1], (y[i],), y[:i]) for i in range(len(x))]


def directed(joint: np.ndarray, x: tuple[int, ...], y: tuple[int, ...]) -> float:
    """``I(X^n -> Y^n) = sum_i I(X^i; Y_i | Y^{i-1})`` (bits)."""
    return float(sum(directed_terms(joint, x, y)))


def feedback(joint: np.ndarray, x: tuple[int, ...], y: tuple[int, ...]) -> float:
    """``I(0*Y^{n-1} -> X^n) = sum_{i>=2} I(Y^{i-1}; X_i | X^{i-1})`` (bits)."""
    return float(sum(cmi(joint, y[:i], (x[i],), x[:i]) for i in range(1, len(x))))
