"""Rate-reward curve R(rho) of a small reward table, and the KL-regularised value against F(beta).

p(x) = (0.5, 0.3, 0.2), a 3x3 reward table. Main panel: R(rho) by BA (bisection on beta), zero
below max_y E r(X, y). Inset: F(beta) = max_pi {E r - I / beta} (optimal reference) and the
KL-regularised value J(beta) with a uniform reference, J <= F.
"""

import numpy as np

from theory.figures import fast_mode, figure, save
from theory.semantic import free_energy, kl_regularized_value, rate_reward

fast = fast_mode()
p = np.array([0.5, 0.3, 0.2])
r = np.array([[1.0, 0.2, 0.0], [0.1, 0.9, 0.3], [0.4, 0.0, 0.8]])
lo, hi = float((p @ r).max()), float(p @ r.max(axis=1))
rhos = np.linspace(lo - 0.1, hi - 1e-3, 8 if fast else 40)
R = [rate_reward(p, r, rho=float(x)).rate for x in rhos]
fig, ax = figure(figsize=(6.0, 4.0))
ax.plot(rhos, R, "o-", ms=3, label="R(rho), BA")
cvx = [rate_reward(p, r, rho=float(x), method="cvx").rate for x in rhos[:: 4 if fast else 8]]
ax.plot(rhos[:: 4 if fast else 8], cvx, "s", mfc="none", color="C1", label="cvx")
ax.axvline(lo, color="k", lw=0.8, ls=":", label="max_y E r(X, y)")
ax.axvline(hi, color="k", lw=0.8, ls="--", label="E max_y r")
ax.set_xlabel("expected reward rho")
ax.set_ylabel("R(rho) [bits]")
ax.legend(loc="lower right")
ins = ax.inset_axes([0.1, 0.52, 0.38, 0.33])
betas = np.geomspace(0.2, 20, 10 if fast else 40)
F = [free_energy(p, r, b)[0] for b in betas]
J = [kl_regularized_value(p, r, np.full(3, 1 / 3), b)[0] for b in betas]
ins.semilogx(betas, F, color="C2", label="F(beta)")
ins.semilogx(betas, J, "--", color="C3", label="J(beta), uniform ref.")
ins.set_xlabel("beta", fontsize=7)
ins.tick_params(labelsize=7)
ins.legend(fontsize=6)
ax.set_title("rate-reward and KL-regularised RL")
save(fig, "semantic_rate_reward", params={"rho_points": len(rhos), "beta_points": len(betas)})
