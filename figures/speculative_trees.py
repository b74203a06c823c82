"""Expected accepted tokens per target call vs draft-node budget (1..32) for four tree families,
exact under the true process (rrs, iid children): chain, binary (k-ary, k = 2), Sequoia (DP on the
measured positional acceptance) and greedy (largest draft path probability). Left: a random
order-1 pair over V = 8 (averaged over the target's stationary contexts); right: an order-0 pair
over V = 50. Dashed: Sequoia's own positional-model value."""

import numpy as np

from theory.figures import fast_mode, figure, legend, save
from theory.speculative import (
    chain_tree,
    expected_accepted,
    greedy_tree,
    kary_tree,
    positional_acceptance,
    random_markov_pair,
    sequoia_tree,
    tree_value,
)
from theory.speculative.markov import as_markov, stationary_states

fast = fast_mode()
SEED = 3
BUDGETS = list(range(1, 33, 4 if fast else 1))
K_MAX = 8

p1, q1 = random_markov_pair(8, 1, SEED, concentration=0.5, noise=1.0)
v0 = 50
z_p = -np.log(np.arange(1, v0 + 1))
z_q = z_p + 0.8 * np.sin(1.7 * np.arange(v0) + 0.3)
p0 = np.exp(z_p) / np.exp(z_p).sum()
q0 = np.exp(z_q) / np.exp(z_q).sum()
PAIRS = {"order 1, V = 8": (p1, q1), "order 0, V = 50": (p0, q0)}


def averaged(p, q, make_tree):
    """E[accepted] averaged over the target's stationary root contexts (one context at order 0)."""
    model = as_markov(p, "target")
    pi = stationary_states(model)
    total = 0.0
    for s in np.flatnonzero(pi > 0):
        ctx = [int(s)] if model.order == 1 else None
        total += pi[s] * expected_accepted(p, q, make_tree(ctx), context=ctx).value
    return float(total)


results = {}
fig, axes = figure(ncols=2)
for ax, (label, (p, q)) in zip(axes, PAIRS.items()):
    a = positional_acceptance(p, q, K_MAX, stationary=True)
    curves = {"chain": [], "binary": [], "Sequoia": [], "greedy": [], "Sequoia (model)": []}
    for n in BUDGETS:
        seq = sequoia_tree(a, n)
        curves["chain"].append(averaged(p, q, lambda ctx, n=n: chain_tree(n)))
        curves["binary"].append(averaged(p, q, lambda ctx, n=n: kary_tree(n, 2)))
        curves["Sequoia"].append(averaged(p, q, lambda ctx, t=seq.tree: t))
        curves["greedy"].append(averaged(p, q, lambda ctx, n=n, q=q: greedy_tree(q, n, context=ctx).tree))
        curves["Sequoia (model)"].append(tree_value(seq.tree, a))
    for name, ys in curves.items():
        style = {"ls": "--", "color": "grey"} if "model" in name else {"marker": "o", "ms": 3}
        ax.plot(BUDGETS, ys, label=name, **style)
    ax.set_title(label)
    ax.set_xlabel("draft nodes")
    ax.set_ylabel("expected accepted tokens")
    results[label] = {"positional_acceptance": a.tolist(), **curves}
    if 16 in BUDGETS:
        i = BUDGETS.index(16)
        results[label]["budget_16"] = {k: v[i] for k, v in curves.items()}
legend(fig, loc="below")
save(fig, "speculative_trees", params={"budgets": BUDGETS, "seed": SEED, "K_max": K_MAX, "scheme": "rrs",
                                       "results": results})
