"""Rate-distortion and channel capacity claims (Blahut-Arimoto, cvx, closed forms)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from theory._info import entropy_bits
from theory.claims import Measurement, claim
from theory.semantic.instances import HAMMING2, T2_D, T2_P
from theory.semantic.rate_distortion import (
    LN2,
    channel_capacity,
    h2,
    rate_distortion,
    rd_binary_hamming,
    rd_hamming_slb,
    rd_logloss,
    reverse_waterfilling,
)
from theory.semantic.reference import rate_distortion_cvx


@claim("semantic.rd-curve-shape", source="shannon1959coding; cover2006elements, Thm 10.2.1",
       statement="R(D) convex, non-increasing, 0 for D >= D_max, R(0) = H(X) (zero-diagonal d)")
def _rd_shape(fast: bool, rng: np.random.Generator) -> Measurement:
    k = 8 if fast else 30
    worst = 0.0
    for p, d in ((np.array([0.8, 0.2]), HAMMING2), (T2_P, T2_D)):
        D_max = float((p @ d).min())
        grid = np.linspace(0.0, 1.2 * D_max, k)
        R = np.array([rate_distortion(p, d, D=float(D)).rate for D in grid])
        worst = max(worst, float(np.max(np.diff(R))), float(-np.min(np.diff(R, 2))),
                    float(np.max(np.abs(R[grid >= D_max]))), abs(R[0] - entropy_bits(p)))
    return Measurement(worst, 1e-9, {"grid": k})


@claim("semantic.rd-binary-hamming", source="cover2006elements, Thm 10.3.1",
       statement="Bern(p), Hamming: R(D) = h(p) - h(D) and slope -dR/dD = log2((1-D)/D) bits (BA)")
def _rd_binary(fast: bool, rng: np.random.Generator) -> Measurement:
    ps = [0.2] if fast else [0.1, 0.2, 0.35, 0.5]
    worst, worst_slope = 0.0, 0.0
    for p in ps:
        for D in np.linspace(0.02, min(p, 1 - p) - 0.02, 3 if fast else 8):
            r = rate_distortion(np.array([1 - p, p]), HAMMING2, D=float(D))
            worst = max(worst, abs(r.rate - rd_binary_hamming(p, float(D))))
            worst_slope = max(worst_slope, abs(r.beta / LN2 - np.log2((1 - D) / D)))
    return Measurement(max(worst, worst_slope / 1e3), 1e-9,
                       {"ps": ps, "rate_err": worst, "slope_err": worst_slope})


@claim("semantic.rd-hamming-slb", source="cover2006elements, Problem 10.6",
       statement="m-ary Hamming: SLB H(p) - h(D) - D log2(m-1) <= R(D), equality at uniform p and low D")
def _rd_slb(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    cases = [(np.full(4, 0.25), [0.1, 0.25, 0.5]), (T2_P, [0.1, 0.35, 0.45])]
    tight = {(0, 0.1), (0, 0.25), (0, 0.5), (1, 0.1), (1, 0.35)}
    if not fast:
        cases.append((rng.dirichlet(np.ones(5)), list(np.linspace(0.05, 0.6, 6))))
    for ci, (p, Ds) in enumerate(cases):
        d = 1.0 - np.eye(p.size)
        for D in Ds:
            R = rate_distortion(p, d, D=float(D)).rate
            slb = rd_hamming_slb(p, float(D))
            worst = max(worst, slb - R)
            if (ci, D) in tight:
                worst = max(worst, abs(R - slb))
    return Measurement(worst, 1e-9, {"cases": len(cases)})


@claim("semantic.rd-ba-equals-cvx", source="blahut1972computation",
       statement="Blahut-Arimoto R(D) = cvxpy/Clarabel exponential-cone R(D) (T1, T2 instances)")
def _rd_ba_cvx(fast: bool, rng: np.random.Generator) -> Measurement:
    cases = [(np.array([0.8, 0.2]), HAMMING2, 0.1), (T2_P, T2_D, 0.2)]
    if not fast:
        cases += [(np.full(4, 0.25), 1 - np.eye(4), 0.25), (T2_P, T2_D, 0.1), (T2_P, T2_D, 0.5),
                  (rng.dirichlet(np.ones(6)), rng.uniform(0, 1, (6, 5)), 0.3)]
    worst = 0.0
    for p, d, D in cases:
        ba, cvx = rate_distortion(p, d, D=D), rate_distortion_cvx(p, d, D=D)
        worst = max(worst, abs(ba.rate - cvx.rate))
    return Measurement(worst, 1e-6, {"cases": len(cases)})


@claim("semantic.rd-dual-slope", source="blahut1972computation; boyd2004convex, Sec. 5.6",
       statement="the cvx dual of the distortion constraint equals the BA slope beta (nats), rel. err")
def _rd_dual(fast: bool, rng: np.random.Generator) -> Measurement:
    cases = [(np.array([0.8, 0.2]), HAMMING2, 0.1), (T2_P, T2_D, 0.2)]
    if not fast:
        cases += [(T2_P, T2_D, 0.1), (T2_P, T2_D, 0.5), (np.full(4, 0.25), 1 - np.eye(4), 0.25)]
    worst = 0.0
    for p, d, D in cases:
        b_ba = rate_distortion(p, d, D=D).beta
        b_cvx = rate_distortion_cvx(p, d, D=D).beta
        worst = max(worst, abs(b_cvx - b_ba) / b_ba)
    return Measurement(worst, 1e-3, {"cases": len(cases)})


@claim("semantic.rd-blahut-bracket", source="blahut1972computation, Thm 8",
       statement="Blahut bounds bracket R: R_L <= R(D) <= R_U at every BA iterate, around closed forms")
def _rd_bracket(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    p = np.array([0.8, 0.2])
    for b in ([1.0, 2.2, 4.0] if fast else np.linspace(0.5, 6.0, 12)):
        for it in ([1, 5, 50] if fast else [1, 2, 5, 20, 100, 1000]):
            r = rate_distortion(p, HAMMING2, beta=float(b), max_iter=it)
            true = rd_binary_hamming(0.2, r.distortion)
            worst = max(worst, r.lower_bound - true, true - r.rate)
    pu = np.full(4, 0.25)
    for it in (1, 3, 30):
        r = rate_distortion(pu, 1 - np.eye(4), beta=float(np.log(9)), max_iter=it)
        true = rd_hamming_slb(pu, r.distortion)
        worst = max(worst, r.lower_bound - true, true - r.rate)
    return Measurement(worst, 1e-12, {})


@claim("semantic.rd-gaussian-waterfilling", source="cover2006elements, Thm 10.3.3",
       statement="reverse water-filling: two theta solvers agree, no feasible allocation beats it, E6 value")
def _rd_gauss(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    cases = [(np.array([4.0, 1.0, 0.25]), 1.5)]
    cases += [(rng.uniform(0.1, 5.0, 6), float(rng.uniform(0.5, 4.0))) for _ in range(2 if fast else 10)]
    for s, D in cases:
        R, Di, theta = reverse_waterfilling(s, D)
        th2 = brentq(lambda t, s=s, D=D: np.minimum(t, s).sum() - D, 1e-12, s.max(), xtol=1e-15)
        R2 = float(0.5 * np.sum(np.log2(s / np.minimum(th2, s))))
        worst = max(worst, abs(R - R2), abs(Di.sum() - D))
        for _ in range(20 if fast else 200):  # random feasible allocations never do better
            w = rng.dirichlet(np.ones(s.size)) * D
            if np.all(w <= s):
                worst = max(worst, R - float(0.5 * np.sum(np.log2(s / w))))
    R_e6 = reverse_waterfilling(np.array([4.0, 1.0, 0.25]), 1.5)[0]
    by_hand = 0.5 * np.log2(4.0 / 0.625) + 0.5 * np.log2(1.0 / 0.625)   # theta = 0.625, third stays
    worst = max(worst, abs(R_e6 - 1.6780719051126378), abs(by_hand - R_e6))
    return Measurement(worst, 1e-9, {"cases": len(cases)})


@claim("semantic.rd-logloss", source="courtade2014multiterminal",
       statement="log-loss distortion with soft reproductions: R(D) = H(X) - D (cvx on a grid of pmfs)")
def _rd_logloss(fast: bool, rng: np.random.Generator) -> Measurement:
    # R is linear (slope ln 2 nats per bit) on all of [0, H]: every D shares one beta, so the
    # constrained convex program is the right route, not a bisection on beta.
    m = 101 if fast else 401
    a = np.linspace(0.002, 0.998, m)
    Q = np.column_stack([a, 1 - a])                     # reproduction pmfs
    p = np.array([0.3, 0.7])
    d = -np.log2(Q.T)                                   # d(x, j) = -log2 Q_j(x)
    worst = 0.0
    H = entropy_bits(p)
    for D in (np.linspace(0.2, 0.8, 3) * H if fast else np.linspace(0.1, 0.9, 9) * H):
        r = rate_distortion_cvx(p, d, D=float(D))
        worst = max(worst, abs(r.rate - rd_logloss(p, float(D))))
    return Measurement(worst, 1e-5, {"grid": m})


@claim("semantic.channel-capacity", source="arimoto1972algorithm; cover2006elements, Sec. 7.1.4",
       statement="Arimoto's capacity bounds bracket C = 1 - h(eps) of a BSC and close to 1e-10")
def _capacity(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for eps in ([0.11] if fast else [0.01, 0.11, 0.3, 0.45]):
        lo, hi, _ = channel_capacity(np.array([[1 - eps, eps], [eps, 1 - eps]]))
        C = 1 - h2(eps)
        worst = max(worst, lo - C, C - hi, hi - lo)
    # an asymmetric channel: upper and lower bound meet
    W = rng.dirichlet(np.ones(4), size=3)
    lo, hi, _ = channel_capacity(W)
    worst = max(worst, hi - lo)
    return Measurement(worst, 1e-10, {})
