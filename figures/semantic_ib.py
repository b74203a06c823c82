"""Information bottleneck of the doubly symmetric binary source DSBS(0.1).

The optimal curve (1 - h(a), 1 - h(a * delta)) from Mrs Gerber's lemma, and the best of several
Tishby iterations (|T| = 2, random restarts, seed 0) over a range of beta.
"""

import numpy as np

from theory.figures import fast_mode, figure, save
from theory.semantic import dsbs, ib_dsbs, information_bottleneck

fast = fast_mode()
delta = 0.1
a = np.linspace(0.0, 0.5, 300)
ixt, ity = ib_dsbs(delta, a)
fig, ax = figure(width=0.6, height=2.6)
ax.plot(ixt, ity, color="k", lw=1, label=r"$(1 - h(a),\ 1 - h(a \star \delta))$")
betas = np.geomspace(1.2, 40, 6 if fast else 30)
pts = [information_bottleneck(dsbs(delta), beta=float(b), cardinality=2, restarts=3 if fast else 10, rng=0)
       for b in betas]
sc = ax.scatter([q.i_xt for q in pts], [q.i_ty for q in pts], c=np.log(betas), cmap="viridis", zorder=3,
                label="Tishby iteration")
fig.colorbar(sc, ax=ax, label=r"$\ln \beta$")
ax.set_xlabel("$I(X; T)$ (bits)")
ax.set_ylabel("$I(T; Y)$ (bits)")
ax.set_title(f"information bottleneck of DSBS({delta})")
ax.legend(loc="lower right")  # the lower right corner is empty: the curve is concave
save(fig, "semantic_ib", params={"delta": delta, "betas": [1.2, 40, len(betas)], "seed": 0},
     caption="Information bottleneck of a doubly symmetric binary source (crossover 0.1): the "
             "curve given by Mrs Gerber's lemma and the points reached by Tishby's iteration for "
             "several trade-offs beta (colour).")
