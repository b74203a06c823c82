"""Rank of the Frobenius vs nuclear Att-SVM solutions against the dimension d.

Setting of the official ``svm_rank`` notebook (TF-SVM): unit Gaussian tokens and queries,
alpha = optimal tokens of a random linear head, feasible instances only. Frobenius rank counts
singular values above 1e-6 sigma_1 (the solver is exact), nuclear rank above 1e-3 sigma_1 (the
SDP solver is accurate to about 1e-4 in the entries). Theory: rank W^mm <= min(n, d).
"""

import numpy as np

from theory._sweep import grid, sweep
from theory.attention_svm import optimal_tokens, random_instance, solve_att_svm
from theory.figures import fast_mode, figure, int_axis, legend, save


def ranks(n, T, d, instances, rng):
    gen = np.random.default_rng(rng)
    fro, nuc, tried = [], [], 0
    while len(fro) < instances and tried < 20 * instances:
        tried += 1
        X, Z, Y, v = random_instance(n, T, d, rng=gen)
        alpha = optimal_tokens(X, Y, v)
        f, nu = solve_att_svm(X, Z, alpha), solve_att_svm(X, Z, alpha, norm="nuc")
        if f.status != "optimal" or nu.status != "optimal":
            continue
        s_f = np.linalg.svd(f.W, compute_uv=False)
        s_n = np.linalg.svd(nu.W, compute_uv=False)
        fro.append(int(np.sum(s_f > 1e-6 * s_f[0])))
        nuc.append(int(np.sum(s_n > 1e-3 * s_n[0])))
    mean = lambda a: float(np.mean(a)) if a else float("nan")  # noqa: E731
    return {"fro": mean(fro), "nuc": mean(nuc), "kept": len(fro), "tried": tried}


fast = fast_mode()
cells = [(5, 5), (10, 5)] if fast else [(5, 5), (10, 5), (15, 5), (5, 10)]
dims = [2, 4] if fast else [2, 3, 4, 5, 8, 10, 15]
instances = 2 if fast else 15
tasks = grid(nT=cells, d=dims)
out = sweep(ranks, [{"n": t["nT"][0], "T": t["nT"][1], "d": t["d"], "instances": instances} for t in tasks],
            rng=7, seeded=True)
fig, ax = figure(width=0.75, height=2.6)
table = {}
for c, (n, T) in enumerate(cells):
    rows = [o for t, o in zip(tasks, out) if t["nT"] == (n, T)]
    # Shrinking markers: cells with equal ranks (the Frobenius rank is min(n, d)) stay visible.
    size = 7.0 / 1.3**c
    ax.plot(dims, [r["fro"] for r in rows], "-o", ms=size, color=f"C{c}", label=f"$n={n}, T={T}$: Frobenius")
    ax.plot(dims, [r["nuc"] for r in rows], "--s", ms=size, color=f"C{c}", mfc="none",
            label=f"$n={n}, T={T}$: nuclear")
    table[f"{n},{T}"] = rows
ax.set_xlabel("dimension $d$")
ax.set_ylabel("mean rank of the solution")
ax.set_title("Att-SVM solution rank: Frobenius vs nuclear")
int_axis(ax, "both")
legend(ax)
save(fig, "attention_svm_rank", params={"instances": instances, "dims": dims, "seed": 7, "results": table},
     caption="Mean rank of the Frobenius (solid) and nuclear (dashed) Att-SVM solutions for the "
             "optimal tokens on random feasible instances, against d.")
