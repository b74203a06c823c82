"""Token-level identities and classical constants named in Bai (2025)'s abstract.

- Cross-entropy of a sequence model: ``E_P sum_t -log2 Q(X_t | X^{t-1}) = H(X^n) + D(P || Q)``.
- ELBO: ``log p(x) = ELBO(q) + KL(q(z) || p(z | x))`` with ``ELBO = E_q[log p(x, z) - log q(z)]``.
- Xu & Raginsky (2017): a sigma-subgaussian loss gives ``|E gen| <= sqrt(2 sigma^2 I(S; W) / n)``
  (nats).
- Gardner capacity ``alpha_c(kappa) = [int_{-kappa}^inf Dt (t + kappa)^2]^{-1}``, Cover's count
  ``C(P, N) = 2 sum_{k<N} binom(P-1, k)``, the modern-Hopfield update ``xi <- X softmax(beta X^T xi)``
  with its energy, the Gromov-Wasserstein discrepancy (POT).

[proposed definition] The paper's own choice among these (generalisation bound, memory capacity,
"optimal vectorization") could not be checked: these are the classical objects its abstract names.
"""

from __future__ import annotations

from math import comb
from typing import Any

import numpy as np
from scipy import integrate
from scipy.special import logsumexp, ndtr, xlogy

from theory._info import LN2, channel_mutual_information, kl_divergence, log_softmax
from theory._validate import (
    as_float_array,
    as_int,
    as_joint_pmf,
    as_pmf,
    as_positive_float,
    as_stochastic_matrix,
)


def sequence_cross_entropy(p_joint: Any, q_joint: Any) -> float:
    """``E_P sum_t -log2 Q(X_t | X^{t-1})`` (bits) summed over the chain of Q's conditionals.

    ``p_joint`` and ``q_joint`` are pmfs over ``X^n`` (one axis per step); Q must be positive
    where P is. Cost O(n |X|^n).
    """
    P = as_joint_pmf(p_joint, "p_joint")
    Q = as_joint_pmf(q_joint, "q_joint")
    if P.shape != Q.shape:
        raise ValueError(f"q_joint: expected shape {P.shape}, got {Q.shape}")
    if np.any((Q == 0) & (P > 0)):
        raise ValueError("q_joint: must be positive wherever p_joint is (else the cross-entropy is infinite)")
    n = P.ndim
    total = 0.0
    for t in range(n):
        Qt = Q.sum(axis=tuple(range(t + 1, n))) if t + 1 < n else Q
        Qprev = Qt.sum(axis=-1, keepdims=True)
        cond = np.divide(Qt, Qprev, out=np.ones_like(Qt), where=Qt > 0)
        Pt = P.sum(axis=tuple(range(t + 1, n))) if t + 1 < n else P
        total -= float(np.sum(xlogy(Pt, cond)))
    return total / LN2


def elbo(prior: Any, likelihood: Any, q: Any, x: int) -> tuple[float, float, float]:
    """``(ELBO, log2 p(x), KL(q || p(z|x)))`` in bits for a latent model ``p(z) p(x|z)``.

    ``likelihood[z, x] = p(x | z)``, ``q`` a pmf over z. Cost O(|Z|).
    """
    pz = as_pmf(prior, "prior")
    L = as_stochastic_matrix(likelihood, "likelihood", shape=(pz.size, None))
    qz = as_pmf(q, "q", size=pz.size)
    x = as_int(x, "x", min_value=0, max_value=L.shape[1] - 1)
    joint = pz * L[:, x]
    px = float(joint.sum())
    if px <= 0:
        raise ValueError("x: has zero probability under the model")
    if np.any((qz > 0) & (joint == 0)):
        raise ValueError("q: puts mass where p(x, z) = 0 (ELBO = -inf)")
    ratio = np.divide(joint, qz, out=np.ones_like(qz), where=qz > 0)
    value = float(np.sum(xlogy(qz, ratio)) / LN2)
    post = joint / px
    kl = kl_divergence(qz, post) / LN2
    return value, float(np.log2(px)), kl


def xu_raginsky_bound(mi_nats: float, sigma: float, n: int) -> float:
    """``sqrt(2 sigma^2 I(S; W) / n)``: the Xu-Raginsky bound on |E generalisation gap|."""
    mi = as_positive_float(mi_nats, "mi_nats", allow_zero=True)
    s = as_positive_float(sigma, "sigma")
    n = as_int(n, "n", min_value=1)
    return float(np.sqrt(2 * s * s * mi / n))


def gibbs_learner_gap(mu: Any, loss: Any, prior_w: Any, gamma: float, n: int) -> tuple[float, float]:
    """Exact ``(E gen, I(S; W) nats)`` of the Gibbs learner ``P(w | S) ∝ pi(w) exp(-gamma L_S(w))``.

    Data ``S = (Z_1..Z_n)`` i.i.d. from ``mu`` on a finite set, ``loss[w, z]``; all ``|Z|^n``
    samples are enumerated. ``gen = L_mu(W) - L_S(W)``. Cost O(|W| n |Z|^n).
    """
    mu = as_pmf(mu, "mu")
    loss = as_float_array(loss, "loss", ndim=2)
    pw = as_pmf(prior_w, "prior_w", size=loss.shape[0])
    n = as_int(n, "n", min_value=1)
    if loss.shape[1] != mu.size:
        raise ValueError(f"loss: expected {mu.size} columns, got {loss.shape}")
    grids = np.array(np.meshgrid(*[np.arange(mu.size)] * n, indexing="ij")).reshape(n, -1).T
    ps = np.prod(mu[grids], axis=1)                           # P(S)
    emp = loss[:, grids].mean(axis=2).T                       # (|S|, |W|): L_S(w)
    logits = np.log(np.maximum(pw, 1e-300))[None, :] - gamma * emp
    post = np.exp(log_softmax(logits, axis=1))
    pop = loss @ mu                                           # L_mu(w)
    gen = float(np.sum(ps[:, None] * post * (pop[None, :] - emp)))
    marg = ps @ post
    mi = channel_mutual_information(ps, post, marg)
    return gen, mi


def gardner_capacity(kappa: float) -> tuple[float, float]:
    """Gardner's capacity ``alpha_c(kappa)`` by quadrature and in closed form.

    ``int_{-kappa}^inf phi(t) (t + kappa)^2 dt = (1 + kappa^2) Phi(kappa) + kappa phi(kappa)``.
    Returns ``(quadrature, closed form)``.
    """
    k = float(as_float_array(kappa, "kappa", ndim=0))
    val, _ = integrate.quad(lambda t: np.exp(-t * t / 2) / np.sqrt(2 * np.pi) * (t + k) ** 2, -k, np.inf,
                            epsabs=1e-14, epsrel=1e-13)
    phi = np.exp(-k * k / 2) / np.sqrt(2 * np.pi)
    closed = (1 + k * k) * float(ndtr(k)) + k * phi
    return 1.0 / val, 1.0 / closed


def cover_count(P: int, N: int) -> int:
    """Return Cover's function count ``2 sum_{k<N} binom(P-1, k)``.

    The number of dichotomies of P points in general position in R^N realisable by a homogeneous linear
    threshold.
    """
    P = as_int(P, "P", min_value=1)
    N = as_int(N, "N", min_value=1)
    return 2 * sum(comb(P - 1, k) for k in range(N))


def hopfield_energy(X: np.ndarray, xi: np.ndarray, beta: float) -> float:
    """Modern Hopfield energy ``-lse(beta X^T xi) / beta + xi^T xi / 2`` (patterns are columns of X)."""
    return float(-logsumexp(beta * (X.T @ xi)) / beta + 0.5 * xi @ xi)


def hopfield_update(X: np.ndarray, xi: np.ndarray, beta: float) -> np.ndarray:
    """One modern-Hopfield (attention) update ``xi <- X softmax(beta X^T xi)`` (Ramsauer et al. 2021)."""
    a = beta * (X.T @ xi)
    w = np.exp(log_softmax(a))
    return X @ w


def gw_discrepancy(C1: Any, C2: Any, p: Any, q: Any) -> float:
    """Gromov-Wasserstein discrepancy (square loss) between two metric-measure spaces (POT)."""
    import ot

    return float(ot.gromov.gromov_wasserstein2(np.asarray(C1, float), np.asarray(C2, float),
                                               as_pmf(p, "p"), as_pmf(q, "q"), loss_fun="square_loss"))
