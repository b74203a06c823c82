"""Optimal unigram loss vs dictionary size for BPE, LZ78, LZW and heavy-hitter dictionaries.

Exact values (joint chain, renewal, BPE transducer cascade); Monte Carlo with 2 se error bars
where the BPE cascade exceeds ``max_states``. Lines: H(pi) (the unigram barrier) and H_inf.
"""

from __future__ import annotations

import numpy as np

from theory.figures import fast_mode, figure, legend, save
from theory.tokenization import (
    BPETokenizer,
    GreedyTokenizer,
    MarkovSource,
    heavy_hitter_dictionary,
    lz78_dictionary,
    lzw_dictionary,
    unigram_loss,
)

fast = fast_mode()
SEED = 2024
n_train = 5_000 if fast else 20_000
sizes = [4, 8, 16] if fast else [4, 8, 16, 32, 64, 128, 256]
betas = [0.3, 0.1] if fast else list(np.geomspace(0.3, 0.002, 9))
mc = {"n_seqs": 4, "seq_len": 10_000} if fast else {"n_seqs": 10, "seq_len": 100_000}
max_states = 2_000 if fast else 20_000
panels = [("sw(2; 0.8, 0.8)", MarkovSource.switching(2, 0.8, 0.8)),
          ("sw(4; 0.8, 0.8)", MarkovSource.switching(4, 0.8, 0.8)),
          ("sw(2; 0.1, 0.1)", MarkovSource.switching(2, 0.1, 0.1))]

fig, axes = figure(1, len(panels), width=1.0, height=2.8, sharey=False)
record = {}
for ax, (title, src) in zip(axes, panels):
    rng = np.random.default_rng(SEED)
    x = src.sample(n_train, rng)
    rows: dict[str, list[tuple[int, float, float]]] = {k: [] for k in
                                                      ("BPE", "greedy on BPE vocab", "LZ78", "LZW")}
    for d in sizes:
        bpe = BPETokenizer.train(x, d - 2)
        res = unigram_loss(src, bpe, max_states=max_states, rng=rng, **mc)
        rows["BPE"].append((len(bpe.vocab), res.value, res.stderr))
        g = unigram_loss(src, GreedyTokenizer(bpe.vocab), max_states=max_states, rng=rng, **mc)
        rows["greedy on BPE vocab"].append((len(bpe.vocab), g.value, g.stderr))
        for name, builder in (("LZ78", lz78_dictionary), ("LZW", lzw_dictionary)):
            D = builder(x, max_size=d)
            rows[name].append((len(D), unigram_loss(src, GreedyTokenizer(D)).value, 0.0))
    rows["heavy-hitter"] = []
    for beta in betas:
        D = heavy_hitter_dictionary(src, float(beta))
        rows["heavy-hitter"].append((len(D), unigram_loss(src, GreedyTokenizer(D, V=2)).value, 0.0))
    styles = {"BPE": ("o-", None), "greedy on BPE vocab": ("o--", None), "LZ78": ("s-", None),
              "LZW": ("^-", None), "heavy-hitter": ("d-", None)}
    for name, pts in rows.items():
        pts.sort()
        d_arr, val, se = (np.array(v) for v in zip(*pts))
        ax.errorbar(d_arr, val, yerr=2 * se, fmt=styles[name][0], label=name, capsize=2)
    ax.axhline(src.cond_entropy(1), color="k", lw=1, ls=":", label=r"$H(\pi)$ (unigram barrier)")
    ax.axhline(src.entropy_rate(), color="k", lw=1, label=r"$H_\infty$ (entropy rate)")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("dictionary size $d$")
    ax.set_ylabel("unigram loss (nats / char.)")
    ax.set_title(title)
    record[title] = {k: [list(map(float, p)) for p in v] for k, v in rows.items()}
legend(fig, loc="below")
save(fig, "tokenization_loss_vs_dictsize",
     params={"seed": SEED, "n_train": n_train, "sizes": sizes, "betas": [float(b) for b in betas],
             "mc": mc, "max_states": max_states, "values": record},
     caption="Optimal unigram loss against dictionary size for BPE (and greedy encoding with the BPE "
             "vocabulary), LZ78, LZW and heavy-hitter dictionaries on three switching sources; exact "
             "values, Monte Carlo with two standard errors where the BPE cascade is too large.")
