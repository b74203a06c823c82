"""Semantic flow, cross entropy and ELBO, generalisation, memory constants and the IB."""

from __future__ import annotations

import numpy as np

from theory._info import entropy_bits, kl_divergence
from theory.claims import Measurement, claim
from theory.semantic.bottleneck import dsbs, gerber_bound, information_bottleneck
from theory.semantic.flow import semantic_flow, semantic_flow_drifts, semantic_joint
from theory.semantic.info import (
    mutual_information,
)
from theory.semantic.rate_distortion import (
    LN2,
)
from theory.semantic.sequential import (
    markov_source,
)
from theory.semantic.tokens import (
    cover_count,
    elbo,
    gardner_capacity,
    gibbs_learner_gap,
    gw_discrepancy,
    hopfield_energy,
    hopfield_update,
    sequence_cross_entropy,
    xu_raginsky_bound,
)


@claim("semantic.flow-submartingale", source="bai2025forget; derived, theory.semantic.flow",
       statement="[proposed] I(S;Y^t) non-decreasing, <= H(S), increments = E KL drift, drifts >= 0,"
                 " posterior martingale")
def _flow(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for _ in range(2 if fast else 10):
        ns, ny = 3, 3
        prior = rng.dirichlet(np.ones(ns))
        init = rng.dirichlet(np.ones(ny), size=ns)
        T = rng.dirichlet(0.5 * np.ones(ny), size=(ns, ny))
        steps = 8 if fast else 14
        f = semantic_flow(prior, init, T, steps)
        dr = semantic_flow_drifts(prior, init, T, steps)
        H = entropy_bits(prior)
        worst = max(worst, float(-np.min(np.diff(f))), float(np.max(f)) - H,
                    float(np.max(np.abs(np.diff(np.r_[0.0, f]) - dr.increments))), -dr.min_drift,
                    dr.kl_mismatch, dr.martingale_residual)
        for t in range(1, (4 if fast else 6) + 1):       # brute-force enumeration route
            J = semantic_joint(prior, init, T, t)
            worst = max(worst, abs(mutual_information(J, [0], list(range(1, t + 1))) - f[t - 1]))
    return Measurement(worst, 1e-12, {"steps": 8 if fast else 14})


@claim("semantic.cross-entropy-elbo", source="cover2006elements, Sec. 2.10; kingma2014auto",
       statement="sum_t E -log Q(x_t|x^{t-1}) = H(X^n) + D(P||Q); log p(x) - ELBO(q) = KL(q || p(z|x))")
def _ce(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for _ in range(3 if fast else 30):
        n = 4
        P = markov_source(rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(3), size=3), n)
        Q = markov_source(rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(3), size=3), n)
        ce = sequence_cross_entropy(P, Q)
        H = entropy_bits(P.ravel())
        kl = kl_divergence(P, Q) / LN2
        worst = max(worst, abs(ce - H - kl))
        prior = rng.dirichlet(np.ones(4))
        lik = rng.dirichlet(np.ones(5), size=4)
        q = rng.dirichlet(np.ones(4))
        for x in range(5):
            val, logpx, klq = elbo(prior, lik, q, x)
            worst = max(worst, abs(logpx - val - klq))
    return Measurement(worst, 1e-12, {})


@claim("semantic.xu-raginsky", source="xu2017information, Thm 1",
       statement="Gibbs learner, loss in [0,1] (1/2-subgaussian): |E gen| / sqrt(2 sigma^2 I(S;W)/n) <= 1,"
                 " exact enumeration")
def _xr(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0   # largest |E gen| / bound: the bound holds iff this is <= 1
    for _ in range(3 if fast else 20):
        nz, nw = 3, 4
        mu = rng.dirichlet(np.ones(nz))
        loss = rng.uniform(0, 1, (nw, nz))
        pw = rng.dirichlet(np.ones(nw))
        for gamma in (1.0, 10.0, 100.0):
            for n in ([3, 5] if fast else [2, 4, 6, 8]):
                gen, mi = gibbs_learner_gap(mu, loss, pw, gamma, n)
                bound = xu_raginsky_bound(mi, 0.5, n)
                worst = max(worst, abs(gen) / bound if bound > 0 else (np.inf if abs(gen) > 1e-15 else 0.0))
    return Measurement(worst, 1.0, {})


@claim("semantic.memory-constants", source="gardner1988space; cover1965geometrical;"
                                           " ramsauer2021hopfield; memoli2011gromov",
       statement="Gardner alpha_c (quad = closed form, alpha_c(0)=2), Cover C(2N,N)=2^{2N-1}, Hopfield"
                 " energy descent, GW(isometric)=0")
def _consts(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for kappa, ref in ((0.0, 2.0), (0.5, 0.9612050528), (1.0, 0.5195722296)):
        a_q, a_c = gardner_capacity(kappa)
        worst = max(worst, abs(a_q - a_c), abs(a_c - ref))   # references given to 10 digits
    for N in (5, 10, 20):
        worst = max(worst, abs(cover_count(2 * N, N) / 2 ** (2 * N) - 0.5))
    for _ in range(3 if fast else 20):
        X = rng.normal(size=(8, 12))
        xi = rng.normal(size=8)
        for beta in (0.5, 2.0):
            e = hopfield_energy(X, xi, beta)
            z = xi
            for _ in range(10):
                z = hopfield_update(X, z, beta)
                e2 = hopfield_energy(X, z, beta)
                worst = max(worst, e2 - e - 1e-12)
                e = e2
    pts = rng.normal(size=(5, 2))
    Qr, _ = np.linalg.qr(rng.normal(size=(2, 2)))
    C1 = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    pts2 = pts @ Qr + 3.0
    C2 = np.linalg.norm(pts2[:, None] - pts2[None], axis=2)
    u = np.full(5, 0.2)
    worst = max(worst, gw_discrepancy(C1, C2, u, u))
    return Measurement(worst, 1e-9, {})


@claim("semantic.ib-dsbs-gerber", source="tishby1999information; wyner1973theorem, Mrs Gerber's lemma",
       statement="IB on DSBS(delta), |T| = 2: Tishby iteration reaches Mrs Gerber's curve 1 -"
                 " h(h^{-1}(1-I_XT)*delta)")
def _ib(fast: bool, rng: np.random.Generator) -> Measurement:
    delta = 0.1
    pxy = dsbs(delta)
    worst = 0.0
    for beta in ([3.0, 6.0] if fast else [2.0, 3.0, 4.0, 6.0, 10.0, 20.0]):
        res = information_bottleneck(pxy, beta=beta, cardinality=2, restarts=3 if fast else 10, rng=rng)
        bound = gerber_bound(delta, res.i_xt)
        worst = max(worst, abs(res.i_ty - bound))
    return Measurement(worst, 1e-6, {"delta": delta})
