"""Rate-reward curve R(rho) of a small reward table, and the KL-regularised value against F(beta).

p(x) = (0.5, 0.3, 0.2), a 3x3 reward table. Left: R(rho) by BA (bisection on beta), zero
below max_y E r(X, y). Right: F(beta) = max_pi {E r - I / beta} (optimal reference) and the
KL-regularised value J(beta) with a uniform reference, J <= F.
"""

import numpy as np

from theory.figures import fast_mode, figure, legend, save
from theory.semantic import free_energy, kl_regularized_value, rate_reward

fast = fast_mode()
p = np.array([0.5, 0.3, 0.2])
r = np.array([[1.0, 0.2, 0.0], [0.1, 0.9, 0.3], [0.4, 0.0, 0.8]])
lo, hi = float((p @ r).max()), float(p @ r.max(axis=1))
rhos = np.linspace(lo - 0.1, hi - 1e-3, 8 if fast else 40)
R = [rate_reward(p, r, rho=float(x)).rate for x in rhos]
fig, (ax, ins) = figure(1, 2, width=1.0, height=2.5)
ax.plot(rhos, R, "o-", ms=3, label=r"$R(\rho)$, Blahut-Arimoto")
cvx = [rate_reward(p, r, rho=float(x), method="cvx").rate for x in rhos[:: 4 if fast else 8]]
ax.plot(rhos[:: 4 if fast else 8], cvx, "s", mfc="none", ms=6, color="C1", label="convex program")
ax.axvline(lo, color="k", lw=0.8, ls=":", label=r"$\max_y \mathbb{E}\, r(X, y)$")
ax.axvline(hi, color="k", lw=0.8, ls="--", label=r"$\mathbb{E} \max_y r(X, y)$")
ax.set_xlabel(r"expected reward $\rho$")
ax.set_ylabel(r"rate $R(\rho)$ (bits)")
ax.set_title("rate-reward function")
legend(ax, loc="below", ncol=2)
betas = np.geomspace(0.2, 20, 10 if fast else 40)
F = [free_energy(p, r, b)[0] for b in betas]
J = [kl_regularized_value(p, r, np.full(3, 1 / 3), b)[0] for b in betas]
ins.semilogx(betas, F, color="C2", label=r"$F(\beta)$, optimal reference")
ins.semilogx(betas, J, "--", color="C3", label=r"$J(\beta)$, uniform reference")
ins.set_xlabel(r"inverse temperature $\beta$")
ins.set_ylabel("value")
ins.set_title("KL-regularised RL: $J \\leq F$")
legend(ins, loc="below", ncol=1)
save(fig, "semantic_rate_reward", params={"rho_points": len(rhos), "beta_points": len(betas)},
     caption="Rate-reward function R(rho) of a 3 x 3 reward table by Blahut-Arimoto and the convex "
             "program (left); value of KL-regularised RL with a uniform reference J(beta) below the "
             "optimal-reference value F(beta) (right).")
