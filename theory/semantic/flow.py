"""Semantic information flow: how much an autoregressive token stream reveals about a latent S.

[proposed definition] Bai (2025) describes inference as a *sub-martingale* "semantic information
flow"; its body was not available, so this module reads it as follows. A semantic variable S
with prior P(s) drives tokens ``Y_1 ~ P(y_1 | s)``, ``Y_t ~ P(y_t | s, y_{t-1})``. The pointwise
information ``iota_t = log2 P(S | Y^t) / P(S)`` is a sub-martingale:

    E[iota_{t+1} - iota_t | S, Y^t] = KL(P(Y_{t+1} | S, Y^t) || P(Y_{t+1} | Y^t)) >= 0,

so the flow ``I(S; Y^t) = E iota_t`` is non-decreasing, bounded by H(S), with increments
``I(S; Y_t | Y^{t-1})``; the posterior ``P(s | Y^t)`` is a martingale.

Exact computation without enumerating sequences: ``P(s, y^t) = P(s) P(y_1|s) prod_{a,b}
P(b | s, a)^{N_ab}`` depends on ``y^t`` only through ``(y_1, y_t, N)``, N the transition counts.
The forward recursion carries one state per class with its multiplicity, merging classes at every
step, so its size grows polynomially in t (at most ``|Y|^2 (t+1)^{|Y|^2}``), not as ``|Y|^t``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory._rng import RngLike, as_generator
from theory._validate import as_int, as_pmf, as_stochastic_matrix
from theory.semantic.rate_distortion import LN2

_NORMAL = 1e-300


def _xlog_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Compute ``a ln(a / b)`` elementwise, 0 where ``a = 0`` or ``b = 0``.

    Taken as a difference of logs (no overflow when b is subnormal).
    """
    pos = (a > 0) & (b > 0)
    return np.where(pos, a * (np.log(np.where(pos, a, 1.0)) - np.log(np.where(pos, b, 1.0))), 0.0)


def _validate_model(prior: Any, initial: Any, transition: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = as_pmf(prior, "prior")
    ns = p.size
    init = as_stochastic_matrix(initial, "initial")
    if init.ndim != 2 or init.shape[0] != ns:
        raise ValueError(f"initial: expected shape ({ns}, |Y|), got {init.shape}")
    ny = init.shape[1]
    T = as_stochastic_matrix(transition, "transition")
    if T.shape != (ns, ny, ny):
        raise ValueError(f"transition: expected shape ({ns}, {ny}, {ny}), got {T.shape}")
    return p, init, T


@dataclass(frozen=True)
class _Classes:
    y1: np.ndarray      # (K,)
    last: np.ndarray    # (K,)
    counts: np.ndarray  # (K, ny*ny)
    mass: np.ndarray    # (K, |S|): P(s, y^t) of one sequence of the class
    mult: np.ndarray    # (K,): number of sequences in the class


def _first(p: np.ndarray, init: np.ndarray) -> _Classes:
    ny = init.shape[1]
    ys = np.arange(ny)
    return _Classes(y1=ys, last=ys, counts=np.zeros((ny, ny * ny), dtype=np.int64),
                    mass=(p[:, None] * init).T.copy(), mult=np.ones(ny))


#: Largest number of count classes the exact flow recursion holds (``steps`` beyond that raise).
MAX_CLASSES = 1_000_000
#: Largest ``n_paths * steps`` (and ``|S| |Y|^steps`` for the brute-force joint).
MAX_ELEMS = 10_000_000


#: Largest total number of classes summed over the steps (the recursion's work, seconds).
MAX_CLASS_WORK = 500_000


def _spend(work: int, c: _Classes) -> int:
    """Add a step's classes to the work and refuse to go past ``MAX_CLASS_WORK``."""
    work += c.y1.size
    if work > MAX_CLASS_WORK:
        raise ValueError(
            f"steps: the exact recursion has visited {work} count classes (limit {MAX_CLASS_WORK:.0e}); "
            "use fewer steps or sample_flow_paths"
        )
    return work


def _advance(c: _Classes, T: np.ndarray) -> _Classes:
    ny = T.shape[1]
    K = c.y1.size
    if K * ny > MAX_CLASSES:
        raise ValueError(
            f"steps: the exact recursion would hold {K * ny} count classes (limit {MAX_CLASSES}); "
            "use fewer steps or sample_flow_paths"
        )
    nxt = np.tile(np.arange(ny), K)
    rep = np.repeat(np.arange(K), ny)
    counts = c.counts[rep].copy()
    counts[np.arange(K * ny), c.last[rep] * ny + nxt] += 1
    mass = c.mass[rep] * T[:, c.last[rep], nxt].T
    keys = np.column_stack([c.y1[rep], nxt, counts])
    uniq, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    mult = np.bincount(inv.ravel(), weights=c.mult[rep], minlength=uniq.shape[0])
    return _Classes(y1=uniq[:, 0], last=uniq[:, 1], counts=uniq[:, 2:], mass=mass[first], mult=mult)


def _flow_bits(c: _Classes, p: np.ndarray) -> float:
    M = c.mass.sum(axis=1, keepdims=True)
    terms = _xlog_ratio(c.mass, p[None, :] * M)
    return float(np.dot(c.mult, terms.sum(axis=1)) / LN2)


def semantic_flow(prior: Any, initial: Any, transition: Any, steps: int) -> np.ndarray:
    """``I(S; Y^t)`` in bits for t = 1..steps, exactly, by a forward recursion over count classes.

    [proposed definition] Reading of Bai's semantic information flow (see module docstring).

    Parameters
    ----------
    prior
        P(S), shape (|S|,).
    initial
        P(Y_1 | S), shape (|S|, |Y|).
    transition
        P(Y_t | S, Y_{t-1}) as ``transition[s, y_prev, y]``, shape (|S|, |Y|, |Y|).
    steps
        Horizon (>= 1).

    Notes
    -----
    Cost O(steps * K * |Y| * |S|) with K the number of classes ``(y_1, y_t, N)`` reached, at most
    ``min(|Y|^t, |Y|^2 (t+1)^{|Y|^2})``; the classes summed over the steps are limited to
    ``MAX_CLASS_WORK`` (5e5, seconds; the 16-step figure needs 1.6e5), beyond which ``steps`` is refused.

    Raises
    ------
    ValueError
        Non-pmf prior, non-stochastic kernels, shape mismatch, steps < 1, or steps beyond the
        class-work limit.
    """
    p, init, T = _validate_model(prior, initial, transition)
    steps = as_int(steps, "steps", min_value=1)
    c = _first(p, init)
    work = c.y1.size
    out = [_flow_bits(c, p)]
    for _ in range(steps - 1):
        c = _advance(c, T)
        work = _spend(work, c)
        out.append(_flow_bits(c, p))
    return np.array(out)


@dataclass(frozen=True)
class FlowDrifts:
    """Drift diagnostics of :func:`semantic_flow_drifts` (bits).

    Attributes
    ----------
    increments
        Expected drift ``E KL(P(Y_t | S, Y^{t-1}) || P(Y_t | Y^{t-1}))`` for t = 1..steps (t = 1:
        ``I(S; Y_1)``), which should equal the increments of the flow.
    min_drift
        Smallest conditional drift ``E[iota_{t+1} - iota_t | S = s, Y^t]`` over all reachable
        ``(s, y^t)``, computed from Bayes posterior updates (not from the KL formula).
    kl_mismatch
        Largest difference between that Bayes-update drift and the KL formula.
    martingale_residual
        ``max |E[P(s | Y^{t+1}) | Y^t] - P(s | Y^t)|`` over reachable histories.
    classes
        Number of count classes at each step.
    """

    increments: np.ndarray
    min_drift: float
    kl_mismatch: float
    martingale_residual: float
    classes: np.ndarray


def semantic_flow_drifts(prior: Any, initial: Any, transition: Any, steps: int) -> FlowDrifts:
    """Sub-martingale drifts of ``iota_t = log2 P(S | Y^t) / P(S)`` and the posterior martingale residual.

    Same recursion and cost as :func:`semantic_flow`.
    """
    p, init, T = _validate_model(prior, initial, transition)
    steps = as_int(steps, "steps", min_value=1)
    out0 = p @ init
    incs = [float(np.dot(p, _xlog_ratio(init, np.broadcast_to(out0, init.shape)).sum(axis=1)) / LN2)]
    c = _first(p, init)
    work = c.y1.size
    min_drift, mismatch, resid = np.inf, 0.0, 0.0
    sizes = [c.y1.size]
    for _ in range(steps - 1):
        M = c.mass.sum(axis=1, keepdims=True)
        live = M[:, 0] > 0
        post = np.divide(c.mass, M, out=np.zeros_like(c.mass), where=M > 0)     # (K, S)
        Tl = T[:, c.last, :].transpose(1, 0, 2)                                  # (K, S, Y)
        pred = np.einsum("ks,ksy->ky", post, Tl)                                 # P(y | y^t)
        # Bayes update for every next token: post'(s | y) = post(s) T(s, last, y) / pred(y)
        newpost = np.divide(post[:, :, None] * Tl, pred[:, None, :], out=np.zeros_like(Tl),
                            where=pred[:, None, :] > 0)
        pos = (Tl > 0) & (pred[:, None, :] > 0)
        # log(T / pred) as a difference of logs: T / pred overflows when pred is subnormal
        lt = np.log(np.where(pos, Tl, 1.0))
        log_ratio = np.where(pos, lt - np.log(np.where(pos, pred[:, None, :], 1.0)), 0.0)
        drift_kl = (Tl * log_ratio).sum(axis=2) / LN2
        # The Bayes-update route is compared on normal (non-subnormal) floats only: below 1e-300
        # the posterior ratio loses its relative precision; those terms carry mass < 1e-300.
        Tn = np.where(Tl >= _NORMAL, Tl, 0.0)
        both = (post[:, :, None] >= _NORMAL) & (newpost >= _NORMAL) & (Tn > 0)
        lr = np.divide(newpost, post[:, :, None], out=np.ones_like(Tl), where=both)
        drift_bayes = (Tn * np.log(lr)).sum(axis=2) / LN2
        kl_n = (Tn * np.where(both, log_ratio, 0.0)).sum(axis=2) / LN2
        reach = live[:, None] & (post >= _NORMAL)
        if np.any(reach):
            min_drift = min(min_drift, float(drift_bayes[reach].min()))
            mismatch = max(mismatch, float(np.abs(drift_bayes - kl_n)[reach].max()))
        mart = np.einsum("ky,ksy->ks", pred, newpost) - post
        resid = max(resid, float(np.abs(mart[live]).max()))
        incs.append(float(np.dot(c.mult, (c.mass * drift_kl).sum(axis=1))))
        c = _advance(c, T)
        work = _spend(work, c)
        sizes.append(c.y1.size)
    return FlowDrifts(increments=np.array(incs),
                      min_drift=float(min_drift) if np.isfinite(min_drift) else 0.0,
                      kl_mismatch=mismatch, martingale_residual=resid, classes=np.array(sizes))


def semantic_joint(prior: Any, initial: Any, transition: Any, steps: int) -> np.ndarray:
    """Brute-force joint ``P(s, y_1, ..., y_steps)`` (shape (|S|, |Y|, ..., |Y|)). Cost O(|S| |Y|^steps)."""
    p, init, T = _validate_model(prior, initial, transition)
    steps = as_int(steps, "steps", min_value=1)
    if math.log(init.shape[0]) + steps * math.log(max(init.shape[1], 1)) > math.log(MAX_ELEMS):
        raise ValueError(f"steps: the joint has |S| |Y|^steps > {MAX_ELEMS:.0e} entries; lower steps")
    J = p[:, None] * init
    for _ in range(steps - 1):
        # J[s, ..., y_prev] * T[s, y_prev, y]
        shape = (T.shape[0],) + (1,) * (J.ndim - 2) + T.shape[1:]
        J = J[..., None] * T.reshape(shape)
    return J


def sample_flow_paths(prior: Any, initial: Any, transition: Any, steps: int, n_paths: int,
                      rng: RngLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo paths of ``iota_t`` and of its compensator ``A_t`` (bits), shape (n_paths, steps).

    ``A_t`` sums the exact conditional drifts ``KL(P(Y_{i+1} | S, Y^i) || P(Y_{i+1} | Y^i))`` along
    the path, so ``iota_t - A_t`` is the martingale part (Doob decomposition). Cost
    O(n_paths * steps * |S| |Y|).
    """
    p, init, T = _validate_model(prior, initial, transition)
    steps = as_int(steps, "steps", min_value=1)
    n_paths = as_int(n_paths, "n_paths", min_value=1)
    if n_paths * steps > MAX_ELEMS:
        raise ValueError(f"n_paths: n_paths x steps = {n_paths * steps:.3g} exceeds {MAX_ELEMS:.0e}; "
                         "split the paths over several calls")
    gen = as_generator(rng)
    ns, ny = init.shape
    iota = np.zeros((n_paths, steps))
    comp = np.zeros((n_paths, steps))
    for k in range(n_paths):
        s = int(gen.choice(ns, p=p))
        post = p.copy()
        probs = init
        A0 = 0.0
        last = -1
        for t in range(steps):
            rows = probs if last < 0 else T[:, last, :]
            pred = post @ rows
            A0 += float(_xlog_ratio(rows[s], pred).sum() / LN2)
            y = int(gen.choice(ny, p=rows[s]))
            post = post * rows[:, y]
            post = post / post.sum()
            iota[k, t] = float(np.log2(post[s] / p[s]))
            comp[k, t] = A0
            last = y
    return iota, comp
