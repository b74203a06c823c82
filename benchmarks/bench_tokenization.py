"""Benchmarks of theory.tokenization (plain script, not run by tests; about a minute).

1. Exact optimal-unigram loss of a 5,000-token LZ78 dictionary on an order-2 binary source (joint
   chain) against the Monte Carlo estimate a user would otherwise run (20 x 200,000 characters).
2. BPE training with incremental pair counts against recounting every pair after each merge
   (the textbook loop), on sizes where the latter finishes; then 1,000 merges on 10^6 symbols.
3. Optional: HuggingFace `tokenizers` (if importable) on 1,000 chunks of 1,000 symbols: speed and
   the number of leading merges that agree (its tie rule differs: smallest ids, not tuples).
"""

from __future__ import annotations

import json
import time

from theory.tokenization import BPETokenizer, GreedyTokenizer, MarkovSource, lz78_dictionary, unigram_loss
from theory.tokenization.reference import bpe_train


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def bench_exact_loss() -> None:
    src = MarkovSource.random(2, 2, rng=0, min_prob=0.05)
    x = src.sample(400_000, rng=1)
    D = lz78_dictionary(x, max_size=5000)
    tok = GreedyTokenizer(D)
    exact, t_exact = timed(unigram_loss, src, tok)
    mc, t_mc = timed(unigram_loss, src, tok, method="mc", rng=2)
    print(f"[exact loss] LZ78 |D| = {len(D)}, L_max = {tok.max_len}, order-2 binary source")
    print(f"  exact joint chain: {t_exact:7.2f} s  ({exact.n_states} states)  L1 = {exact.value:.6f}")
    print(f"  Monte Carlo 20x2e5: {t_mc:7.2f} s  L1 = {mc.value:.6f} +- {mc.stderr:.6f}")
    print(f"  ratio MC / exact: {t_mc / t_exact:6.1f}x   |exact - MC| / se = "
          f"{abs(exact.value - mc.value) / mc.stderr:.2f}")


def bench_bpe_training() -> None:
    src = MarkovSource.switching(2, 0.8, 0.8)
    print("[BPE training] sw(2; 0.8, 0.8); incremental (heap + position sets) vs recount per merge")
    for n, merges in [(10_000, 50), (100_000, 200), (300_000, 300)]:
        x = src.sample(n, rng=3)
        tok, t_inc = timed(BPETokenizer.train, x, merges)
        (ref, ref_counts), t_ref = timed(bpe_train, x.tolist(), merges)
        same = tok.merges == ref and tok.merge_counts == ref_counts
        print(f"  n = {n:>9,}, merges = {merges:>5}: incremental {t_inc:6.2f} s, recount {t_ref:7.2f} s, "
              f"ratio {t_ref / t_inc:6.1f}x, identical merges: {same}")
    x = src.sample(1_000_000, rng=4)
    tok, t_inc = timed(BPETokenizer.train, x, 1000)
    print(f"  n = {1_000_000:>9,}, merges = {len(tok.merges):>5}: incremental {t_inc:6.2f} s "
          "(recount: not run, about n x merges = 1e9 pair visits)")
    enc, t_enc = timed(tok.encode_ids, x[:200_000])
    print(f"  encoding 2e5 symbols with 1,000 merges (vectorised passes): {t_enc:.2f} s")


def bench_hf() -> None:
    try:
        from tokenizers import Tokenizer, models, trainers
    except ImportError:
        print("[HF tokenizers] not installed: skipped (optional reference)")
        return
    src = MarkovSource.switching(2, 0.8, 0.8)
    chunks = [src.sample(1000, rng=10 + i) for i in range(1000)]
    n_merges = 1000
    ours, t_ours = timed(BPETokenizer.train, chunks, n_merges)
    letters = "ab"
    texts = ["".join(letters[a] for a in c) for c in chunks]

    def hf_train():
        hf = Tokenizer(models.BPE())
        trainer = trainers.BpeTrainer(vocab_size=2 + n_merges, initial_alphabet=list(letters),
                                      min_frequency=0, show_progress=False, special_tokens=[])
        hf.train_from_iterator(texts, trainer=trainer)
        return hf

    hf, t_hf = timed(hf_train)
    raw = json.loads(hf.to_str())["model"]["merges"]
    pairs = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in raw]
    mine = [("".join(letters[a] for a in left), "".join(letters[a] for a in right))
            for left, right in ours.merges]
    agree = next((i for i, (u, v) in enumerate(zip(mine, pairs)) if u != v), min(len(mine), len(pairs)))
    print(f"[HF tokenizers] 1,000 chunks x 1,000 symbols, {n_merges} merges: ours {t_ours:.2f} s, "
          f"HF {t_hf:.2f} s, ratio ours/HF {t_ours / t_hf:.1f}x; first {agree} merges identical "
          f"(then tie order differs)")


if __name__ == "__main__":
    bench_exact_loss()
    bench_bpe_training()
    bench_hf()
