"""Registered claims of :mod:`theory.semantic`.

Every check compares two independent routes or a computed value with a closed form, and returns
the worst violation over its instances.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import brentq
from scipy.special import xlogy

from theory._info import entropy_bits, kl_divergence
from theory.claims import Measurement, claim
from theory.semantic._causal import causal_ba
from theory.semantic.bottleneck import dsbs, gerber_bound, information_bottleneck
from theory.semantic.flow import semantic_flow, semantic_flow_drifts, semantic_joint
from theory.semantic.info import (
    causal_conditioning,
    directed_information,
    feedback_information,
    gaussian_conditional_mi,
    gaussian_transfer_entropy,
    mutual_information,
    transfer_entropy,
    var1_stacked_covariance,
)
from theory.semantic.instances import HAMMING2, REWARD, REWARD_PX, T2_D, T2_P, two_turn_environment
from theory.semantic.rate_distortion import (
    LN2,
    channel_capacity,
    h2,
    rate_distortion,
    rd_binary_hamming,
    rd_hamming_slb,
    rd_logloss,
    reverse_waterfilling,
    star,
)
from theory.semantic.reward import (
    directed_rate_reward,
    free_energy,
    kl_regularized_value,
    rate_reward,
    rlhf_kl_penalty,
)
from theory.semantic.sequential import (
    block_rate_distortion,
    feedforward_rate_distortion,
    markov_source,
    nonanticipative_rate_distortion,
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


def _feedback_joint(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random binary joint over (X_1..X_n, Y_1..Y_n): X_i | X^{i-1}, Y^{i-1}; Y_i | X^i, Y^{i-1}."""
    J = rng.dirichlet(np.ones(2))                       # x1
    axes_x, axes_y = [0], []
    J = J[:, None] * rng.dirichlet(np.ones(2), size=2)  # y1 | x1   -> (x1, y1)
    axes_y.append(1)
    for _ in range(1, n):
        J = J[..., None] * rng.dirichlet(np.ones(2), size=J.shape)    # x_i | past
        axes_x.append(J.ndim - 1)
        J = J[..., None] * rng.dirichlet(np.ones(2), size=J.shape)    # y_i | past, x_i
        axes_y.append(J.ndim - 1)
    # reorder the interleaved axes to (x_1..x_n, y_1..y_n)
    return np.transpose(J, axes_x + axes_y)


# ---------------------------------------------------------------------------------------------
# Rate-distortion (C1-C6)
# ---------------------------------------------------------------------------------------------

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
        ba, cvx = rate_distortion(p, d, D=D), rate_distortion(p, d, D=D, method="cvx")
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
        b_cvx = rate_distortion(p, d, D=D, method="cvx").beta
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
        r = rate_distortion(p, d, D=float(D), method="cvx")
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


# ---------------------------------------------------------------------------------------------
# Directed information (C7, C8, C16)
# ---------------------------------------------------------------------------------------------

@claim("semantic.di-conservation", source="massey1990causality; massey2005conservation",
       statement="DI chain rule = KL form E log P(Y||X)/P(Y); I(X;Y) = I(X->Y) + I(0*Y->X); I(X->Y) <="
                 " I(X;Y)")
def _di_cons(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for _ in range(3 if fast else 30):
        n = int(rng.integers(2, 4 if fast else 5))
        J = _feedback_joint(rng, n)
        x, y = list(range(n)), list(range(n, 2 * n))
        di = directed_information(J, x, y)
        fb = feedback_information(J, x, y)
        mi = mutual_information(J, x, y)
        PYX = causal_conditioning(J, x, y)
        PY = J.sum(axis=tuple(x))[(None,) * n]
        kl_form = float(np.sum(xlogy(J, np.divide(PYX, PY, out=np.ones_like(J), where=J > 0))) / LN2)
        worst = max(worst, abs(mi - di - fb), abs(di - kl_form), di - mi)
    return Measurement(worst, 1e-12, {"n_max": 3 if fast else 4})


@claim("semantic.di-te-decomposition", source="amblard2011directed",
       statement="I(X->Y) + I(Y->X) = I(X;Y) + sum I(X_i;Y_i|X^{i-1},Y^{i-1}); DI = TE-sum + instantaneous")
def _di_te(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for _ in range(3 if fast else 30):
        n = int(rng.integers(2, 4 if fast else 5))
        J = _feedback_joint(rng, n)
        x, y = list(range(n)), list(range(n, 2 * n))
        di = directed_information(J, x, y)
        di_rev = directed_information(J, y, x)   # Massey I(Y^n -> X^n) = sum I(Y^i; X_i | X^{i-1})
        mi = mutual_information(J, x, y)
        inst = sum(mutual_information(J, [x[i]], [y[i]], x[:i] + y[:i]) for i in range(n))
        te = sum(mutual_information(J, x[:i], [y[i]], y[:i]) for i in range(1, n))
        worst = max(worst, abs(di + di_rev - mi - inst), abs(di - te - inst))
    return Measurement(worst, 1e-12, {})


def _delayed_copy(n: int, eps: float) -> np.ndarray:
    """Joint over (X_1..X_n, Y_1..Y_n): X i.i.d. Bern(1/2), Y_t = X_{t-1} xor Bern(eps), X_0 external."""
    J = np.zeros((2,) * (2 * n))
    for xs in itertools.product(range(2), repeat=n + 1):          # x_0..x_n
        for ys in itertools.product(range(2), repeat=n):
            pr = 0.5 ** (n + 1)
            for t in range(n):
                pr *= (1 - eps) if ys[t] == xs[t] else eps
            J[xs[1:] + ys] += pr
    return J


@claim("semantic.delayed-noisy-copy", source="derived, theory.semantic.info (directed information of a"
                                              " delayed copy)",
       statement="Y_t = X_{t-1} xor Bern(eps): I(X->Y) = I(X;Y) = (n-1)(1-h(eps)), I(Y->X) = 0, TE ="
                 " 1-h(eps)")
def _delayed(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for eps in ([0.1] if fast else [0.05, 0.1, 0.25, 0.4]):
        for n in ([2, 3] if fast else [2, 3, 4]):
            J = _delayed_copy(n, eps)
            x, y = list(range(n)), list(range(n, 2 * n))
            target = (n - 1) * (1 - h2(eps))
            worst = max(worst, abs(directed_information(J, x, y) - target),
                        abs(mutual_information(J, x, y) - target), abs(directed_information(J, y, x)))
        T = np.zeros((2, 2, 2, 2))
        for xx, yy, x2, y2 in itertools.product(range(2), repeat=4):
            T[xx, yy, x2, y2] = 0.5 * ((1 - eps) if y2 == xx else eps)
        worst = max(worst, abs(transfer_entropy(T) - (1 - h2(eps))),
                    abs(transfer_entropy(T.transpose(1, 0, 3, 2))))
    return Measurement(worst, 1e-12, {})


@claim("semantic.gaussian-te-granger", source="barnett2009granger",
       statement="Gaussian VAR(1): TE (log-det conditional MI) = GC/2 (Schur residuals); TE_{Y->X} = 0 if X"
                 " autonomous")
def _gauss_te(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for _ in range(3 if fast else 30):
        A = rng.normal(size=(2, 2))
        A[0, 1] = 0.0                                              # X = coordinate 0 is autonomous
        A *= 0.9 / max(np.max(np.abs(np.linalg.eigvals(A))), 1e-9) * rng.uniform(0.3, 1.0)
        L = rng.normal(size=(2, 2))
        S = L @ L.T + 0.1 * np.eye(2)
        for k, l in ((1, 1), (2, 1), (2, 2)):
            g = gaussian_transfer_entropy(A, S, source=[0], target=[1], k=k, l=l)
            C = var1_stacked_covariance(A, S, max(k, l))
            now, yp = [1], [2 * j + 1 for j in range(1, k + 1)]
            xp = [2 * j for j in range(1, l + 1)]
            te_mi = gaussian_conditional_mi(C, now, xp, yp)
            worst = max(worst, abs(g.te_nats - te_mi), abs(g.te_nats - g.gc / 2))
            back = gaussian_transfer_entropy(A, S, source=[1], target=[0], k=k, l=l)
            worst = max(worst, abs(back.te_nats))
        # VAR(1) with the full past: the residual is the innovation, so GC = ln(s2(Y|Y past) / S_yy)
        C = var1_stacked_covariance(A, S, 1)
        ry = C[1, 1] - C[1, 3] ** 2 / C[3, 3]
        gc = gaussian_transfer_entropy(A, S, source=[0], target=[1]).gc
        worst = max(worst, abs(gc - np.log(ry / S[1, 1])))
    return Measurement(worst, 1e-12, {})


# ---------------------------------------------------------------------------------------------
# Sequential RDFs (C9-C12)
# ---------------------------------------------------------------------------------------------

def _bsms(n: int, p: float = 0.2) -> np.ndarray:
    return markov_source([0.5, 0.5], [[1 - p, p], [p, 1 - p]], n)


@claim("semantic.nrdf-no-feedback", source="charalambous2014nonanticipative",
       statement="NRDF optimiser: I(X->Y) = I(X;Y), causal; block RDF optimiser: I(X->Y) < I(X;Y) (negative"
                 " control)")
def _nrdf_nofb(fast: bool, rng: np.random.Generator) -> Measurement:
    worst, gaps = 0.0, []
    for n in ([2] if fast else [2, 3]):
        src = _bsms(n)
        for D in ([0.1] if fast else [0.05, 0.1, 0.2]):
            na = nonanticipative_rate_distortion(src, HAMMING2, D=D)
            bl = block_rate_distortion(src, HAMMING2, D=D)
            gap = bl.mutual_information - bl.directed_information
            gaps.append(gap)
            # fails if the NRDF kernel leaks future letters or the block control shows no feedback
            worst = max(worst, abs(na.mutual_information - na.directed_information), na.causality_violation,
                        max(0.0, 1e-3 - gap), max(0.0, 1e-3 - bl.causality_violation))
    return Measurement(worst, 1e-6, {"block_feedback_gaps": gaps})


@claim("semantic.sequential-rdf-order", source="venkataramanan2007feedforward; naiss2011feedforward",
       statement="R_ff(D) <= R(D) <= R_na(D) per letter for a Markov source, all equal at n = 1")
def _seq_order(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for n in ([1, 2] if fast else [1, 2, 3]):
        src = _bsms(n)
        for D in ([0.1] if fast else [0.05, 0.1, 0.15, 0.25]):
            na = nonanticipative_rate_distortion(src, HAMMING2, D=D).rate
            bl = block_rate_distortion(src, HAMMING2, D=D).rate
            ff = feedforward_rate_distortion(src, HAMMING2, D=D).rate
            worst = max(worst, ff - bl, bl - na)
            if n == 1:
                worst = max(worst, abs(ff - bl), abs(na - bl))
    return Measurement(worst, 1e-6, {})


@claim("semantic.bsms-nrdf-per-stage", source="stavrou2014nrdf",
       statement="BSMS(p), per-stage E d_t <= D: n R_na = (1 - h(D)) + (n-1)(h(p*D) - h(D))")
def _bsms_stage(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for p in ([0.2] if fast else [0.1, 0.2, 0.3]):
        for n in ([2] if fast else [2, 3]):
            src = _bsms(n, p)
            for D in ([0.1] if fast else [0.05, 0.1, 0.2]):
                r = nonanticipative_rate_distortion(src, HAMMING2, D=D, per_stage=True)
                formula = (1 - h2(D)) + (n - 1) * (h2(star(p, D)) - h2(D))
                worst = max(worst, abs(n * r.rate - formula))
    return Measurement(worst, 1e-6, {})


@claim("semantic.nrdf-ba-equals-cvx", source="charalambous2014nonanticipative;"
                                              " derived, theory.semantic._causal (BA-type recursion)",
       statement="BA-type backward recursion NRDF = convex-program NRDF (BSMS, Hamming)")
def _nrdf_ba(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for n in ([2] if fast else [2, 3]):
        src = _bsms(n)
        for D in ([0.1] if fast else [0.05, 0.1, 0.2]):
            a = nonanticipative_rate_distortion(src, HAMMING2, D=D, method="cvx").rate
            b = nonanticipative_rate_distortion(src, HAMMING2, D=D, method="ba").rate
            worst = max(worst, abs(a - b))
    if not fast:  # a non-symmetric source with a ternary reproduction alphabet
        src = markov_source([0.6, 0.4], [[0.7, 0.3], [0.2, 0.8]], 2)
        d = np.array([[0.0, 1.0, 0.4], [1.0, 0.0, 0.5]])
        worst = max(worst, abs(nonanticipative_rate_distortion(src, d, D=0.15).rate
                               - nonanticipative_rate_distortion(src, d, D=0.15, method="ba").rate))
    return Measurement(worst, 1e-6, {})


# ---------------------------------------------------------------------------------------------
# Rate-reward (C13, C14)
# ---------------------------------------------------------------------------------------------



@claim("semantic.rate-reward-duality", source="tishby2011decisions; genewein2015bounded",
       statement="R(rho) convex, non-decreasing, 0 below max_y E r; J(beta) <= F(beta); (1/beta) E ln Z = E"
                 " r - KL/beta")
def _rr(fast: bool, rng: np.random.Generator) -> Measurement:
    k = 8 if fast else 25
    lo = float((REWARD_PX @ REWARD).max())
    hi = float(REWARD_PX @ REWARD.max(axis=1))
    rhos = np.linspace(lo - 0.1, hi - 1e-3, k)
    R = np.array([rate_reward(REWARD_PX, REWARD, rho=float(r)).rate for r in rhos])
    worst = max(float(-np.min(np.diff(R))), float(-np.min(np.diff(R, 2))),
                float(np.max(np.abs(R[rhos <= lo]))))
    for beta in ([0.5, 2.0] if fast else [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]):
        F, nu = free_energy(REWARD_PX, REWARD, beta)
        refs = [np.full(3, 1 / 3), nu] + [rng.dirichlet(np.ones(3)) for _ in range(3)]
        for ref in refs:
            J, pi = kl_regularized_value(REWARD_PX, REWARD, ref, beta)
            er = float(np.sum(REWARD_PX[:, None] * pi * REWARD))
            kl = float(np.sum(REWARD_PX[:, None] * xlogy(pi, pi / ref[None, :])))
            worst = max(worst, J - F, abs(J - (er - kl / beta)))
        J_opt, _ = kl_regularized_value(REWARD_PX, REWARD, nu, beta)   # equality at the optimal reference
        worst = max(worst, abs(J_opt - F))
    return Measurement(worst, 1e-9, {"grid": k})


@claim("semantic.directed-rate-reward", source="bai2025forget;"
                                                " derived, theory.semantic.reward.directed_rate_reward",
       statement="[proposed] directed rate-reward: BA-type recursion = cvx; I(X;Y) - I(X->Y) ="
                 " feedback information > 0")
def _drr(fast: bool, rng: np.random.Generator) -> Measurement:
    env, r = two_turn_environment()
    worst, fbs = 0.0, []
    for rho in ([1.5] if fast else [1.5, 1.7, 1.9, 2.05]):      # open-loop value is 1.45
        a = directed_rate_reward(env, r, rho=rho, method="cvx")
        b = directed_rate_reward(env, r, rho=rho, method="ba")
        fbs.append(a.feedback_information)
        worst = max(worst, abs(a.rate - b.rate), abs(a.mutual_information - a.rate - a.feedback_information),
                    max(0.0, 1e-4 - a.feedback_information))
    return Measurement(worst, 1e-6, {"feedback_bits": fbs})


@claim("semantic.causal-ba-certificate", source="derived, theory.semantic._causal (bound on the"
                                                 " BA-type recursion)",
       statement="BA-type recursion: L - gap <= L* <= L at every iterate (L* by the convex program),"
                 " gap -> 0")
def _causal_cert(fast: bool, rng: np.random.Generator) -> Measurement:
    env, r = two_turn_environment()
    worst = -np.inf   # largest violation (negative: the smallest margin)
    for beta in ([1.0, 2.5] if fast else [0.5, 1.0, 1.5, 2.5, 4.0]):
        cvx = directed_rate_reward(env, r, beta=beta, method="cvx")
        L_star = cvx.rate * LN2 - beta * cvx.reward          # nats; cvx accurate to ~1e-8
        logw = [np.zeros((2, 2)), beta * r]
        for k in (1, 2, 5, 20, 1000):
            st = causal_ba(env, logw, 2, 2, max_iter=k, accelerate=k % 2 == 0)
            worst = max(worst, (st.lagrangian - st.gap) - L_star - 1e-7, L_star - st.lagrangian - 1e-7)
        worst = max(worst, st.gap - 1e-12)                   # the last run converged
    return Measurement(worst, 0.0, {"cvx_slack": 1e-7})


@claim("semantic.rlhf-kl-bounds-di", source="derived, theory.semantic.reward.rlhf_kl_penalty",
       statement="per-token KL to any reference nu = I(X->Y) + D(P_Y || nu) >= I(X->Y) (directed"
                 " rate-reward policy)")
def _rlhf(fast: bool, rng: np.random.Generator) -> Measurement:
    env, r = two_turn_environment()
    res = directed_rate_reward(env, r, beta=1.0, method="ba")
    worst = 0.0
    PY = res.joint.sum(axis=(0, 2))
    for _ in range(3 if fast else 20):
        nuj = rng.dirichlet(np.ones(4)).reshape(2, 2)
        nu = [nuj.sum(axis=1), nuj / nuj.sum(axis=1, keepdims=True)]
        kl = rlhf_kl_penalty(res.joint, res.policies, nu, 2)
        dy = kl_divergence(PY, nuj) / LN2
        worst = max(worst, abs(kl - res.rate - dy), res.rate - kl)
    return Measurement(worst, 1e-12, {})


# ---------------------------------------------------------------------------------------------
# Semantic flow, tokens, ELBO, generalisation, memory (C17-C20) and the IB
# ---------------------------------------------------------------------------------------------

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

