"""Rate-distortion curves by Blahut-Arimoto with closed forms, the Shannon lower bound and cvx points.

Left: Bern(0.2) with Hamming distortion (closed form h(p) - h(D)) and a ternary source
p = (0.5, 0.3, 0.2) with Hamming distortion against its SLB H(p) - h(D) - D log2 2 (tight up to
D = 0.4 only). Right: the same ternary source with squared-error distortion. Curves are
traced by BA over slopes beta (warm-started), markers are cvxpy/Clarabel solutions at fixed D.
"""

import numpy as np

from theory.figures import fast_mode, figure, legend, save
from theory.semantic import rate_distortion, rd_binary_hamming, rd_curve, rd_hamming_slb

fast = fast_mode()
nb, nd = (25, 3) if fast else (120, 8)
betas = np.geomspace(0.3, 12.0, nb)
p3 = np.array([0.5, 0.3, 0.2])
fig, axes = figure(1, 2, width=1.0, height=2.9)

ax = axes[0]
p2 = np.array([0.8, 0.2])
D, R = rd_curve(p2, 1 - np.eye(2), betas)
Dg = np.linspace(0.0, 0.25, 200)
# Closed forms and bounds: wide and pale underneath; Blahut-Arimoto: thin on top, so both show.
ax.plot(Dg, [rd_binary_hamming(0.2, x) for x in Dg], color="0.6", lw=3.5,
        label="$h(p) - h(D)$, Bern(0.2)")
Ds = np.linspace(1e-3, 0.5, 200)
ax.plot(Ds, [rd_hamming_slb(p3, x) for x in Ds], color="C1", alpha=0.35, lw=3.5,
        label="Shannon lower bound, $p_3$")
ax.plot(D, R, color="C0", lw=1.0, label="BA, Bern(0.2)")
D3, R3 = rd_curve(p3, 1 - np.eye(3), betas)
ax.plot(D3, R3, color="C1", lw=1.0, label="BA, $p_3 = (0.5, 0.3, 0.2)$")
xs = np.linspace(0.03, 0.45, nd)
ax.plot(xs, [rate_distortion(p3, 1 - np.eye(3), D=float(x), method="cvx").rate for x in xs], "o",
        color="C1", mfc="none", ms=5, label="convex program, $p_3$")
ax.set_xlabel("distortion $D$ (Hamming)")
ax.set_ylabel("rate $R(D)$ (bits)")
ax.set_ylim(0, 1.6)
legend(ax, loc="below", ncol=2)
ax.set_title("Hamming distortion")

ax = axes[1]
d2 = (np.arange(3)[:, None] - np.arange(3)[None, :]) ** 2.0
D, R = rd_curve(p3, d2, betas)
ax.plot(D, R, color="C2", label="BA, $d(i, j) = (i - j)^2$")
xs = np.linspace(0.05, 0.65, nd)
ax.plot(xs, [rate_distortion(p3, d2, D=float(x), method="cvx").rate for x in xs], "o", color="C2",
        mfc="none", ms=5, label="convex program")
ax.axhline(-np.sum(p3 * np.log2(p3)), color="k", lw=0.8, ls=":", label="$H(X)$")
ax.axvline(0.7, color="k", lw=0.8, ls="--", label=r"$D_{\max} = 0.7$")
ax.set_xlabel("distortion $D$ (squared error)")
ax.set_ylabel("rate $R(D)$ (bits)")
legend(ax, loc="below", ncol=2)
ax.set_title("$p_3 = (0.5, 0.3, 0.2)$, squared error")
save(fig, "semantic_rd_curves", params={"betas": [0.3, 12.0, nb], "cvx_points": nd},
     caption="Rate-distortion curves by Blahut-Arimoto (thin lines) against closed forms and the "
             "Shannon lower bound (wide pale lines) and the convex program (circles): Hamming "
             "distortion (left), squared error (right).")
