"""Rate-reward claims: duality, directed rate-reward, BA-type certificate, RLHF KL bound."""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from theory._info import kl_divergence
from theory.claims import Measurement, claim
from theory.semantic._causal import causal_ba
from theory.semantic.instances import REWARD, REWARD_PX, two_turn_environment
from theory.semantic.rate_distortion import (
    LN2,
)
from theory.semantic.reference import directed_rate_reward_cvx
from theory.semantic.reward import (
    directed_rate_reward,
    free_energy,
    kl_regularized_value,
    rate_reward,
    rlhf_kl_penalty,
)


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
        a = directed_rate_reward_cvx(env, r, rho=rho)
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
        cvx = directed_rate_reward_cvx(env, r, beta=beta)
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
