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
fig, ax = figure(figsize=(5.5, 4.0))
ax.plot(ixt, ity, color="k", lw=1, label="1 - h(a*delta) vs 1 - h(a)")
betas = np.geomspace(1.2, 40, 6 if fast else 30)
pts = [information_bottleneck(dsbs(delta), beta=float(b), cardinality=2, restarts=3 if fast else 10, rng=0)
       for b in betas]
sc = ax.scatter([q.i_xt for q in pts], [q.i_ty for q in pts], c=np.log(betas), cmap="viridis", zorder=3,
                label="Tishby iteration")
fig.colorbar(sc, ax=ax, label="ln beta")
ax.set_xlabel("I(X; T) [bits]")
ax.set_ylabel("I(T; Y) [bits]")
ax.set_title(f"IB of DSBS({delta})")
ax.legend(loc="lower right")
save(fig, "semantic_ib", params={"delta": delta, "betas": [1.2, 40, len(betas)], "seed": 0})
