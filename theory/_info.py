"""Information primitives shared by the areas: entropy, KL, channel mutual information, softmax.

This module knows no area. Its functions are kernels: they do not validate (the public functions
that call them validate their inputs once, at the boundary, with :mod:`theory._validate`), they
follow ``0 log 0 = 0``, and they cost one pass over their input (``O(size)``).

Units: natural logarithms unless the name says ``_bits`` (``LN2`` converts).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import logsumexp, xlogy

#: ``ln 2``: nats per bit.
LN2 = float(np.log(2.0))


def entropy(p: np.ndarray) -> float:
    r"""Shannon entropy :math:`H(p) = -\sum_i p_i \ln p_i` in nats of an array of masses.

    Parameters
    ----------
    p
        Non-negative masses summing to 1 (any shape; all entries count), not checked.

    Returns
    -------
    float
        The entropy in nats, with ``0 ln 0 = 0``.

    Source: Cover & Thomas (2006), Sec. 2.1.
    """
    return float(-xlogy(p, p).sum())


def entropy_bits(p: np.ndarray) -> float:
    r"""Shannon entropy :math:`-\sum_i p_i \log_2 p_i` in bits (see :func:`entropy`)."""
    return float(-xlogy(p, p).sum() / LN2)


def binary_entropy(x: float | np.ndarray) -> Any:
    r"""Binary entropy :math:`h(x) = -x \log_2 x - (1 - x) \log_2 (1 - x)` in bits, elementwise.

    Parameters
    ----------
    x
        A probability or an array of probabilities in ``[0, 1]``, not checked.

    Returns
    -------
    float or numpy.ndarray
        A float for a scalar input, else an array of the input's shape; ``h(0) = h(1) = 0``.
    """
    x = np.asarray(x, dtype=float)
    out = -(xlogy(x, x) + xlogy(1 - x, 1 - x)) / LN2
    return float(out) if out.ndim == 0 else out


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    r"""Kullback-Leibler divergence :math:`D(p \| q) = \sum_i p_i \ln(p_i / q_i)` in nats.

    Parameters
    ----------
    p, q
        Masses of the same shape, not checked. Terms with ``p_i = 0`` are 0; a term with
        ``p_i > 0 = q_i`` makes the divergence ``inf``; a ratio ``p_i / q_i`` that overflows is
        taken as ``ln p_i - ln q_i``.

    Returns
    -------
    float
        The divergence in nats (``inf`` when ``p`` is not absolutely continuous w.r.t. ``q``).

    Source: Cover & Thomas (2006), Sec. 2.3.
    """
    with np.errstate(divide="ignore", over="ignore"):
        ratio = np.divide(p, q, out=np.ones_like(p, dtype=float), where=p > 0)
    terms = xlogy(p, ratio)
    over = np.isinf(ratio) & (q > 0)  # p / q overflowed although q > 0: take logs apart
    if np.any(over):
        terms[over] = p[over] * (np.log(p[over]) - np.log(q[over]))
    return float(np.sum(terms))


def channel_mutual_information(p: np.ndarray, W: np.ndarray, q: np.ndarray | None = None) -> float:
    r"""Mutual information :math:`I(p, W) = \sum_{x,y} p_x W_{xy} \ln(W_{xy} / q_y)` in nats.

    Parameters
    ----------
    p
        Input law, shape ``(m,)``, not checked.
    W
        Channel, shape ``(m, k)``, rows summing to 1, not checked.
    q
        Output law ``q = p W``, shape ``(k,)``, when the caller already has it (saves one
        product; passing it fixes the rounding of ``q`` to the caller's own).

    Returns
    -------
    float
        ``I(X; Y)`` for ``X ~ p`` and ``Y | X = x ~ W[x]``, in nats; ``O(m k)``.

    Source: Cover & Thomas (2006), Sec. 2.4.
    """
    if q is None:
        q = p @ W
    used = (W > 0) & (q[None, :] > 0) & (p[:, None] > 0)  # rows with p_x = 0 contribute 0
    with np.errstate(over="ignore"):
        ratio = np.divide(W, q[None, :], out=np.ones_like(W, dtype=float), where=used)
    terms = xlogy(W, ratio)
    over = np.isinf(ratio)  # W / q overflowed (p_x subnormal): take logs apart
    if np.any(over):
        cols = np.nonzero(over)[1]
        terms[over] = W[over] * (np.log(W[over]) - np.log(q[cols]))
    return float(np.sum(p[:, None] * terms))


def softmax(a: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Softmax :math:`e^{a_i} / \sum_j e^{a_j}` along ``axis``, shifted by the maximum (no overflow).

    Parameters
    ----------
    a
        Finite scores of any shape, not checked.
    axis
        The axis that is normalised.

    Returns
    -------
    numpy.ndarray
        Non-negative weights of ``a``'s shape summing to 1 along ``axis``.
    """
    a = a - a.max(axis=axis, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(a: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Log-softmax :math:`a_i - \ln \sum_j e^{a_j}` along ``axis`` (stable, by ``logsumexp``).

    Parameters
    ----------
    a
        Scores of any shape (``-inf`` entries allowed if not all of a slice), not checked.
    axis
        The axis that is normalised.

    Returns
    -------
    numpy.ndarray
        Log-weights of ``a``'s shape; ``exp`` of them sums to 1 along ``axis``.
    """
    return np.asarray(a - logsumexp(a, axis=axis, keepdims=True))
