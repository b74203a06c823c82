r"""Gradient descent on one-layer softmax attention, in numpy (no autograd).

Model (TF-SVM, arXiv 2308.16898): logits ``a_it = x_it^T W z_i``, ``s_i = softmax(a_i)``, pooled
output ``o_i = X_i^T s_i`` (identity value matrix), prediction ``f_i = phi(o_i)`` with head

- ``"linear"``: ``phi(o) = v^T o``;
- ``"quadratic"``: ``phi(o) = v^T o - lam ||o||^2``;
- ``"relu"``: ``phi(o) = 1^T ReLU(V^T o)`` (V of shape (d, m)),

and empirical risk ``L = (1/n) sum_i l(Y_i f_i)`` with ``l`` logistic ``log(1 + e^{-u})``,
exponential ``e^{-u}`` or correlation ``-u``. Parameterisations: ``W`` directly, or ``W = K Q^T``.

Gradient (cancellation-free). With ``g_i = X_i grad phi(o_i)``,

.. math::

    r_{it} = s_{it} \sum_\tau s_{i\tau} (g_{it} - g_{i\tau}), \qquad
    \nabla_W L = \frac1n \sum_i l'(Y_i f_i) Y_i X_i^\top r_i z_i^\top, \qquad
    \nabla_K = \nabla_W Q, \quad \nabla_Q = \nabla_W^\top K .

The pairwise form of ``(diag s - s s^T) g`` keeps full relative accuracy once the softmax
saturates, where the naive ``s_t (g_t - f)`` cancels; normalised steps use
``G / max|G|`` before dividing by the norm, so subnormal gradients never overflow.
Cost per step: O(B n T (T + d) + d^3) for a batch of B parameter matrices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory._info import softmax
from theory._rng import as_generator
from theory._validate import as_choice, as_float_array, as_int, as_positive_float
from theory.attention_svm._inputs import labels, square, tokens_and_queries
from theory.attention_svm.svm import correlation, is_locally_optimal, optimal_tokens, solve_att_svm

HEADS = ("linear", "quadratic", "relu")
LOSSES = ("logistic", "exp", "correlation")
PARAMS = ("W", "KQ")


@dataclass(frozen=True)
class Head:
    """A prediction head ``phi``: ``kind`` in HEADS, vector ``v`` (d,) or matrix ``V`` (d, m)."""

    kind: str
    v: np.ndarray
    lam: float = 1.0

    def value_and_grad(self, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``phi(o)`` and ``grad phi(o)`` for outputs ``o`` of shape (..., d)."""
        if self.kind == "linear":
            return o @ self.v, np.broadcast_to(self.v, o.shape)
        if self.kind == "quadratic":
            return o @ self.v - self.lam * np.sum(o * o, axis=-1), self.v - 2.0 * self.lam * o
        pre = o @ self.v
        active = pre > 0
        return np.sum(np.where(active, pre, 0.0), axis=-1), active.astype(float) @ self.v.T


def _loss(kind: str, u: np.ndarray) -> np.ndarray:
    if kind == "logistic":
        return np.logaddexp(0.0, -u)
    if kind == "exp":
        return np.exp(-u)
    return -u


def _dloss(kind: str, u: np.ndarray) -> np.ndarray:
    if kind == "logistic":
        return -np.exp(-np.logaddexp(0.0, u))
    if kind == "exp":
        return -np.exp(-u)
    return -np.ones_like(u)


def _logits(X: np.ndarray, Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Logits (B, n, T) for a batch of W (B, d, d)."""
    return np.einsum("itd,bid->bit", X, np.einsum("bde,ie->bid", W, Z))


def _forward_backward(X: np.ndarray, Z: np.ndarray, Y: np.ndarray, W: np.ndarray, head: Head,
                      loss: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Risk (B,), gradient (B, d, d) and softmax (B, n, T) for a batch W (B, d, d)."""
    s = softmax(_logits(X, Z, W))
    o = np.einsum("bit,itd->bid", s, X)
    f, gphi = head.value_and_grad(o)
    g = np.einsum("itd,bid->bit", X, gphi)
    r = s * np.einsum("bitu,biu->bit", g[..., :, None] - g[..., None, :], s)
    u = Y * f
    c = _dloss(loss, u) * Y / X.shape[0]
    P = np.einsum("bit,itd->bid", c[..., None] * r, X)
    return _loss(loss, u).mean(axis=-1), np.einsum("bid,ie->bde", P, Z), s


def _safe_direction(G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per batch element ``G / ||G||_F`` computed as ``Ghat / ||Ghat||`` with ``Ghat = G / max|G|``.

    Returns the directions and a boolean ``moving`` (False where ``G == 0``).
    """
    gmax = np.max(np.abs(G), axis=(-2, -1))
    moving = gmax > 0
    Ghat = G / np.where(moving, gmax, 1.0)[:, None, None]
    nrm = np.linalg.norm(Ghat, axis=(-2, -1))
    return Ghat / np.where(moving, nrm, 1.0)[:, None, None], moving


def make_head(v: Any, head: str, d: int, *, quad_lambda: float = 1.0,
              rng: int | np.random.Generator | None = None) -> Head:
    """Validate (or draw, when ``v`` is None) the head parameters.

    ``v=None`` draws a unit-norm ``N(0, I_d)`` vector (linear, quadratic) or
    ``V ~ N(0, I_{d x d}) / ||.||_F`` (relu) from ``rng``.
    """
    kind = as_choice(head, "head", HEADS)
    d = as_int(d, "d", min_value=1)
    lam = as_positive_float(quad_lambda, "quad_lambda", allow_zero=True)
    if v is None:
        gen = as_generator(rng)
        arr = gen.standard_normal((d, d) if kind == "relu" else d)
        arr = arr / np.linalg.norm(arr)
    else:
        arr = as_float_array(v, "v")
        if kind == "relu":
            if arr.ndim != 2 or arr.shape[0] != d:
                raise ValueError(f"v: the relu head needs a matrix V of shape ({d}, m), got {arr.shape}")
        elif arr.shape != (d,):
            raise ValueError(f"v: expected shape ({d},), got {arr.shape}")
    return Head(kind, arr, lam)


def _validate_data(X: Any, Z: Any, Y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, Z = tokens_and_queries(X, Z)
    return X, Z, labels(Y, X.shape[0])


def loss_and_gradient(X: Any, Z: Any, Y: Any, params: Any, *, v: Any, head: str = "linear",
                      loss: str = "logistic", quad_lambda: float = 1.0
                      ) -> tuple[float, np.ndarray | tuple[np.ndarray, np.ndarray]]:
    """Risk and analytic gradient at ``params``: a matrix W (d, d) or a pair (K, Q).

    Returns ``(L, G)`` with ``G = grad_W L`` for a matrix, or ``(L, (grad_K L, grad_Q L))`` for a
    pair, ``grad_K = G Q`` and ``grad_Q = G^T K`` at ``W = K Q^T``. Cost O(n T (T + d) + d^3).
    """
    X, Z, Y = _validate_data(X, Z, Y)
    d = X.shape[2]
    h = make_head(v, head, d, quad_lambda=quad_lambda)
    loss = as_choice(loss, "loss", LOSSES)
    if isinstance(params, tuple):
        if len(params) != 2:
            raise ValueError("params: expected W or a pair (K, Q)")
        K, Q = square(params[0], d, "params[0]"), square(params[1], d, "params[1]")
        L, G, _ = _forward_backward(X, Z, Y, (K @ Q.T)[None], h, loss)
        return float(L[0]), (G[0] @ Q, G[0].T @ K)
    W = square(params, d, "params")
    L, G, _ = _forward_backward(X, Z, Y, W[None], h, loss)
    return float(L[0]), G[0]


def attention_softmax(X: Any, Z: Any, W: Any) -> np.ndarray:
    """Softmax attention weights ``s_i = softmax(X_i W z_i)``, shape (n, T). Cost O(n T d + n d^2)."""
    X, Z = tokens_and_queries(X, Z)
    W = square(W, X.shape[2], "W")
    return softmax(_logits(X, Z, W[None]))[0]


@dataclass(frozen=True)
class Trajectory:
    """The record of one gradient-descent run.

    Attributes
    ----------
    W
        Final attention matrix (``K Q^T`` for the (K, Q) parameterisation).
    K, Q
        Final factors (None for ``param="W"``).
    v
        The head parameters used (drawn from ``rng`` when not given).
    norm, loss, max_softmax
        Histories over iterates ``0..steps_run``: ``||W(k)||_F``, the risk, and
        ``min_i max_t s_it`` (the least saturated sample's top attention weight).
    softmax_final
        (n, T) attention weights at the final iterate.
    steps_run
        Steps taken (fewer than requested when the gradient vanished exactly).
    status
        ``"completed"`` or ``"zero_gradient"`` (the gradient underflowed to exactly 0).
    checkpoints, iterates
        Requested step indices reached, and W at those steps (shape (len, d, d)).
    """

    W: np.ndarray
    K: np.ndarray | None
    Q: np.ndarray | None
    v: np.ndarray
    norm: np.ndarray
    loss: np.ndarray
    max_softmax: np.ndarray
    softmax_final: np.ndarray
    steps_run: int
    status: str
    checkpoints: tuple[int, ...]
    iterates: np.ndarray


def train_attention(X: Any, Z: Any, Y: Any, *, v: Any = None, head: str = "linear", param: str = "W",
                    loss: str = "logistic", steps: int = 2000, lr: float = 0.1, normalized: bool = True,
                    init: Any = None, rng: int | np.random.Generator | None = None,
                    quad_lambda: float = 1.0, checkpoints: Sequence[int] | None = None) -> Trajectory:
    r"""Train one-layer softmax attention by (normalised) gradient descent.

    Steps: ``W <- W - lr G/||G||_F`` (``normalized``) or ``W <- W - lr G``; for ``param="KQ"``
    K and Q take separately normalised steps along ``G Q`` and ``G^T K`` (as the official code).

    Parameters
    ----------
    X, Z, Y
        Tokens (n, T, d), queries (n, d), labels in {-1, +1} (n,).
    v
        Head parameters: (d,) for linear/quadratic, (d, m) for relu; None draws them from ``rng``.
    head, loss, param
        See :data:`HEADS`, :data:`LOSSES`, :data:`PARAMS`.
    steps, lr, normalized
        Number of steps, step size, and whether steps are normalised.
    init
        ``W`` (d, d) or ``(K, Q)``; None: ``W = 0``, or ``K, Q ~ U(+-1/sqrt d)`` drawn from ``rng``
        (``K = Q = 0`` is a stationary point).
    rng
        Seed or generator for ``v`` and the (K, Q) initialisation.
    quad_lambda
        ``lam`` of the quadratic head.
    checkpoints
        Step indices at which W is stored (e.g. ``range(steps + 1)`` for a whole path).

    Returns
    -------
    Trajectory
        Cost: ``steps`` evaluations of O(n T (T + d) + d^3), vectorised over samples.

    Notes
    -----
    Source: TF-SVM (arXiv 2308.16898), the W-GD and (K, Q)-GD dynamics; MMTS (arXiv 2306.13596)
    for normalised GD.
    """
    X, Z, Y = _validate_data(X, Z, Y)
    n, T, d = X.shape
    param = as_choice(param, "param", PARAMS)
    loss = as_choice(loss, "loss", LOSSES)
    steps = as_int(steps, "steps", min_value=0)
    lr = as_positive_float(lr, "lr")
    gen = as_generator(rng)
    h = make_head(v, head, d, quad_lambda=quad_lambda, rng=gen)
    marks = sorted({as_int(int(c), "checkpoints", min_value=0, max_value=steps) for c in (checkpoints or ())})
    K = Q = None
    if param == "W":
        W = np.zeros((d, d)) if init is None else square(init, d, "init").copy()
    else:
        if init is None:
            b = 1.0 / np.sqrt(d)
            K, Q = gen.uniform(-b, b, (d, d)), gen.uniform(-b, b, (d, d))
        else:
            if not (isinstance(init, tuple) and len(init) == 2):
                raise ValueError("init: the (K, Q) parameterisation needs a pair (K, Q)")
            K, Q = square(init[0], d, "init K").copy(), square(init[1], d, "init Q").copy()
        W = K @ Q.T
    norms: list[float] = []
    losses: list[float] = []
    maxs: list[float] = []
    saved: list[np.ndarray] = []
    status, k = "completed", 0
    while True:
        L, G, s = _forward_backward(X, Z, Y, W[None], h, loss)
        norms.append(float(np.linalg.norm(W)))
        losses.append(float(L[0]))
        maxs.append(float(s[0].max(axis=1).min()))
        if len(saved) < len(marks) and k == marks[len(saved)]:
            saved.append(W.copy())
        if k == steps:
            break
        if K is None or Q is None:
            if normalized:
                step, moving = _safe_direction(G)
                if not moving[0]:
                    status = "zero_gradient"
                    break
                W = W - lr * step[0]
            else:
                if not np.any(G):
                    status = "zero_gradient"
                    break
                W = W - lr * G[0]
        else:
            gK, gQ = G[0] @ Q, G[0].T @ K
            if not (np.any(gK) or np.any(gQ)):
                status = "zero_gradient"
                break
            if normalized:
                dirs, _ = _safe_direction(np.stack([gK, gQ]))
                K, Q = K - lr * dirs[0], Q - lr * dirs[1]
            else:
                K, Q = K - lr * gK, Q - lr * gQ
            W = K @ Q.T
        k += 1
    return Trajectory(W=W, K=K, Q=Q, v=h.v, norm=np.array(norms), loss=np.array(losses),
                      max_softmax=np.array(maxs), softmax_final=s[0], steps_run=k, status=status,
                      checkpoints=tuple(marks[:len(saved)]),
                      iterates=np.array(saved) if saved else np.zeros((0, d, d)))


def excess_loss(X: Any, Z: Any, Y: Any, v: Any, W: Any) -> float:
    r"""Stable excess logistic risk over the optimal-token risk, linear head.

    With ``alpha = opt`` and ``delta_i = sum_{t != alpha_i} s_it (gamma_{i alpha_i} - gamma_it)``
    (``Y_i f_i = gamma_{i alpha_i} - delta_i``),

    .. math:: \frac1n \sum_i \bigl[l(\gamma_{i\alpha_i} - \delta_i) - l(\gamma_{i\alpha_i})\bigr]
              = \frac1n \sum_i \log1p\bigl(\sigma(-\gamma_{i\alpha_i})\,\mathrm{expm1}(\delta_i)\bigr),

    which keeps its relative accuracy when the risk itself no longer changes in double
    precision (large ``||W||``). Cost O(n T d + n d^2).
    """
    X, Z, Y = _validate_data(X, Z, Y)
    W = square(W, X.shape[2], "W")
    if v is None:
        raise ValueError("v: the linear head vector is required, got None")
    h = make_head(v, "linear", X.shape[2])
    return float(_excess(X, Z, Y, h.v, W[None])[0])


def _excess(X: np.ndarray, Z: np.ndarray, Y: np.ndarray, v: np.ndarray, W: np.ndarray) -> np.ndarray:
    gamma = Y[:, None] * (X @ v)
    opt = np.argmax(gamma, axis=1)
    a = _logits(X, Z, W)
    a = a - a.max(axis=-1, keepdims=True)
    logs = a - np.log(np.exp(a).sum(axis=-1, keepdims=True))
    s = np.exp(logs)
    g_opt = gamma[np.arange(len(opt)), opt]
    delta = np.sum(s * (g_opt[:, None] - gamma), axis=-1)  # the alpha term is exactly 0
    sig = np.exp(-np.logaddexp(0.0, g_opt))
    return np.mean(np.log1p(sig * np.expm1(delta)), axis=-1)


def regularization_path(X: Any, Z: Any, Y: Any, v: Any, radii: Any, *, param: str = "W",
                        restarts: int = 10, steps: int = 1500, lr: float = 0.02, seeded: bool = True,
                        rng: int | np.random.Generator | None = None) -> np.ndarray:
    r"""Return the regularisation path ``W_R in argmin_{||W|| <= R} L(W)`` (linear head, logistic loss).

    For each radius, projected normalised gradient descent (step ``lr * R``) runs from
    ``restarts`` starts at once: with ``seeded``, one at ``R * W^mm_opt / ||W^mm_opt||`` (when
    Att-SVM(opt) is feasible), the others uniform in radius along Gaussian directions; the run
    with the smallest stable excess risk (:func:`excess_loss`) is kept. Use ``seeded=False`` to
    test the theorem (a seeded start already lies on the predicted ray).

    ``param="W"``: ball ``||W||_F <= R``. ``param="KQ"``: ball ``||K||_F^2 + ||Q||_F^2 <= 2R``
    (so ``||KQ^T||_* <= R``), seeded with the balanced SVD factors of ``R W*^mm / ||W*^mm||_*``;
    the returned matrices are ``K Q^T``.

    Theory (TF-SVM, arXiv 2308.16898): ``W_R / R -> W^mm_opt / ||W^mm_opt||_F`` and
    ``K_R Q_R^T / R -> W*^mm_opt / ||W*^mm_opt||_*`` as ``R -> inf``. Keep ``R * margin`` below
    about 700, where softmax weights underflow.

    Returns
    -------
    np.ndarray
        (len(radii), d, d). Cost: ``len(radii) * steps`` batched evaluations of size ``restarts``.
    """
    X, Z, Y = _validate_data(X, Z, Y)
    n, T, d = X.shape
    param = as_choice(param, "param", PARAMS)
    h = make_head(v, "linear", d)
    R_all = as_float_array(radii, "radii", ndim=1)
    if np.any(R_all <= 0):
        raise ValueError("radii: must be positive")
    restarts = as_int(restarts, "restarts", min_value=1)
    steps = as_int(steps, "steps", min_value=1)
    lr = as_positive_float(lr, "lr")
    gen = as_generator(rng)
    opt = optimal_tokens(X, Y, h.v)
    seed = None
    if seeded:
        svm = solve_att_svm(X, Z, opt, norm="fro" if param == "W" else "nuc")
        seed = svm.W / svm.objective if svm.status == "optimal" and svm.objective > 0 else None
    out = np.empty((len(R_all), d, d))
    for j, R in enumerate(R_all):
        if param == "W":
            out[j] = _path_point_w(X, Z, Y, h, float(R), seed, restarts, steps, lr, gen)
        else:
            out[j] = _path_point_kq(X, Z, Y, h, float(R), seed, restarts, steps, lr, gen)
    return out


def _random_ball(gen: np.random.Generator, B: int, d: int, R: float) -> np.ndarray:
    dirs = gen.standard_normal((B, d, d))
    dirs /= np.linalg.norm(dirs, axis=(1, 2), keepdims=True)
    return dirs * (R * gen.uniform(0.0, 1.0, B))[:, None, None]


def _project(W: np.ndarray, R: float) -> np.ndarray:
    nrm = np.linalg.norm(W, axis=(1, 2))
    return W * np.minimum(1.0, R / np.maximum(nrm, np.finfo(float).tiny))[:, None, None]


def _path_point_w(X: np.ndarray, Z: np.ndarray, Y: np.ndarray, h: Head, R: float, seed: np.ndarray | None,
                  restarts: int, steps: int, lr: float, gen: np.random.Generator) -> np.ndarray:
    W = _random_ball(gen, restarts, X.shape[2], R)
    if seed is not None:
        W[0] = R * seed
    for _ in range(steps):
        _, G, _ = _forward_backward(X, Z, Y, W, h, "logistic")
        step, _ = _safe_direction(G)
        W = _project(W - lr * R * step, R)
    return W[int(np.argmin(_excess(X, Z, Y, h.v, W)))]


def _path_point_kq(X: np.ndarray, Z: np.ndarray, Y: np.ndarray, h: Head, R: float, seed: np.ndarray | None,
                   restarts: int, steps: int, lr: float, gen: np.random.Generator) -> np.ndarray:
    d = X.shape[2]
    budget = 2.0 * R
    KQ = _random_ball(gen, 2 * restarts, d, np.sqrt(budget) / np.sqrt(2.0))
    K, Q = KQ[:restarts], KQ[restarts:]
    if seed is not None:
        U, S, Vt = np.linalg.svd(R * seed)
        K[0], Q[0] = U * np.sqrt(S), Vt.T * np.sqrt(S)
    size = lr * np.sqrt(R)
    for _ in range(steps):
        _, G, _ = _forward_backward(X, Z, Y, K @ np.swapaxes(Q, 1, 2), h, "logistic")
        dK, _ = _safe_direction(G @ Q)
        dQ, _ = _safe_direction(np.swapaxes(G, 1, 2) @ K)
        K, Q = K - size * dK, Q - size * dQ
        tot = np.sum(K * K, axis=(1, 2)) + np.sum(Q * Q, axis=(1, 2))
        shrink = np.sqrt(np.minimum(1.0, budget / np.maximum(tot, np.finfo(float).tiny)))[:, None, None]
        K, Q = K * shrink, Q * shrink
    W = K @ np.swapaxes(Q, 1, 2)
    return W[int(np.argmin(_excess(X, Z, Y, h.v, W)))]


def classify(X: Any, Z: Any, scores: Any, W: Any, *, min_prob: float = 0.99, min_corr: float = 0.99) -> str:
    """Convergence type of a trained W: ``"global"``, ``"local"``, ``"not_locally_optimal"`` or ``"other"``.

    With ``alpha_hat_i = argmax_t s_it(W)``: ``"other"`` when some ``max_t s_it < min_prob``,
    Att-SVM(alpha_hat) is infeasible, or ``corr(W, W^mm_alpha_hat) < min_corr``; otherwise
    ``"global"`` when alpha_hat maximises the scores, ``"local"`` when it is locally optimal,
    else ``"not_locally_optimal"``. Cost: one Frobenius Att-SVM solve.
    """
    s = attention_softmax(X, Z, W)
    scores = as_float_array(scores, "scores", ndim=2)
    if scores.shape != s.shape:
        raise ValueError(f"scores: expected shape {s.shape}, got {scores.shape}")
    alpha_hat = np.argmax(s, axis=1)
    if s.max(axis=1).min() < min_prob:
        return "other"
    res = solve_att_svm(X, Z, alpha_hat)
    if res.status != "optimal" or not np.any(np.asarray(W)) or res.objective == 0:
        return "other"
    if correlation(W, res.W) < min_corr:
        return "other"
    if np.array_equal(alpha_hat, np.argmax(scores, axis=1)):
        return "global"
    return "local" if is_locally_optimal(X, Z, alpha_hat, scores) else "not_locally_optimal"
