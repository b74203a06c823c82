"""Registered claims of the batched acceptance bounds (:mod:`theory.speculative.batch`).

Batches mix random Dirichlet(0.5) rows with adversarial ones: exact zeros in p and in q, ties of
p/q, q = p, point masses, concentrated drafts. Where the single-pair routes are themselves
inexact (drafts within ~1e-6 of a point mass: the cancellation in 1 - q_x), the batched values
are checked against exact rational arithmetic instead.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from fractions import Fraction
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from theory.claims import Measurement, claim
from theory.speculative.batch import acceptance_rate_batch, from_logits, optimal_acceptance_batch
from theory.speculative.claims._common import EXACT, support
from theory.speculative.optimal import optimal_acceptance
from theory.speculative.schemes import acceptance_rate

LAWS = ("iid", "wor", "greedy")
SCHEMES = ("rrs", "kseq", "greedy")


def _norm(x: np.ndarray) -> np.ndarray:
    return x / x.sum()


def adversarial_rows(rng: np.random.Generator, v: int, n_random: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (target, draft) rows: random Dirichlet(0.5) pairs plus adversarial rows.

    ``n_random`` Dirichlet(0.5) pairs plus one row per adversarial kind (zeros in p, zeros in q, tied
    ratios, q = p, point-mass draft, point-mass target, a draft with 0.99 on one token, a uniform draft,
    disjoint supports).
    """
    ps = [rng.dirichlet(np.full(v, 0.5)) for _ in range(n_random)]
    qs = [rng.dirichlet(np.full(v, 0.5)) for _ in range(n_random)]
    base_p, base_q = rng.dirichlet(np.ones(v)), rng.dirichlet(np.ones(v))
    zp = base_p.copy()
    zp[: v // 2] = 0.0
    ps.append(_norm(zp))
    qs.append(base_q)
    zq = base_q.copy()
    zq[: v // 3] = 0.0
    ps.append(base_p)
    qs.append(_norm(zq))
    tie = base_q.copy()
    tie[: v // 2] = base_p[: v // 2]  # p/q = 1 on half the tokens, plus two equal tokens
    tie[-1] = tie[-2]
    tp = base_p.copy()
    tp[-1] = tp[-2]
    ps.append(_norm(tp))
    qs.append(_norm(tie))
    ps.append(base_p)
    qs.append(base_p.copy())
    ps.append(base_p)
    qs.append(np.eye(v)[1])
    ps.append(np.eye(v)[0])
    qs.append(base_q)
    conc = np.full(v, 0.01 / (v - 1))
    conc[2] = 0.99
    ps.append(base_p)
    qs.append(conc)
    ps.append(base_p)
    qs.append(np.full(v, 1.0 / v))
    dp, dq = np.zeros(v), np.zeros(v)
    dp[: v // 2], dq[v // 2:] = 1.0, 1.0
    ps.append(_norm(dp))
    qs.append(_norm(dq))
    return np.array(ps), np.array(qs)


def _worst_gap(got: Any, p: np.ndarray, q: np.ndarray, ks: list[int], single: Callable[..., Any], *,
               cap: bool = False) -> float:
    """Return max over rows i and K columns j of ``|got[i, j] - single(p_i, q_i, K_j)|``.

    With ``cap``, K above |supp q_i| is compared at K = |supp q_i| (the batched rule).
    """
    got = np.asarray(got)
    worst = 0.0
    for i in range(p.shape[0]):
        for j, k in enumerate(ks):
            kk = min(k, support(q[i])) if cap else k
            worst = max(worst, abs(got[i, j] - float(single(p[i], q[i], kk))))
    return worst


def batch_vs_rows(p: np.ndarray, q: np.ndarray, ks: list[int], *,
                  batched: Callable[..., Any] = optimal_acceptance_batch,
                  scheme_batched: Callable[..., Any] = acceptance_rate_batch) -> float:
    """Return the worst |batched - single-pair| over rows, K values, draft laws and schemes.

    K above |supp q| is compared at K = |supp q|, the batched rule.
    """
    worst = 0.0
    for law in LAWS:
        worst = max(worst, _worst_gap(batched(p, q, ks, drafts=law), p, q, ks,
                                      partial(optimal_acceptance, drafts=law), cap=law != "iid"))
    for name in SCHEMES:
        worst = max(worst, _worst_gap(scheme_batched(name, p, q, ks), p, q, ks,
                                      partial(acceptance_rate, name), cap=name == "greedy"))
    return worst


@claim("speculative.batch-per-row",
       source="hu2025optimal, sorted-prefix formula; derived, batched (theory.speculative.batch)",
       statement="batched alpha* (iid, wor, greedy) and rrs/kseq/greedy acceptance = the "
                 "single-pair functions row by row, on random and adversarial rows")
def _batch_per_row(fast: bool, rng: np.random.Generator) -> Measurement:
    v, n_random = (9, 4) if fast else (40, 40)
    ks = [1, 2, 3, 4] if fast else [1, 2, 3, 4, 6, 8]
    p, q = adversarial_rows(rng, v, n_random)
    worst = batch_vs_rows(p, q, ks)
    # Large V: the numpy iid route sorts only the tokens its bounds leave undecided.
    n_big, v_big = (6, 2000) if fast else (40, 5000)
    pb, qb = softmax_rows(rng, n_big, v_big)
    got = np.asarray(optimal_acceptance_batch(pb, qb, [2, 4, 8]))
    for i in range(n_big):
        for j, k in enumerate((2, 4, 8)):
            worst = max(worst, abs(got[i, j] - optimal_acceptance(pb[i], qb[i], k)))
    return Measurement(worst, EXACT, {"V": v, "rows": p.shape[0], "K": ks, "V_large": v_big,
                                      "rows_large": n_big})


def softmax_rows(rng: np.random.Generator, n: int, v: int) -> tuple[np.ndarray, np.ndarray]:
    """Return rows of two related softmax models.

    Gaussian logits with a Zipf prior, draft = target logits plus Gaussian noise (half of the rows), or
    independent Dirichlet(0.3) pairs.
    """
    z = 2.5 * rng.standard_normal((n, v)) - np.log1p(np.arange(v))
    zq = z + 0.8 * rng.standard_normal((n, v))
    p = np.exp(z - z.max(axis=1, keepdims=True))
    q = np.exp(zq - zq.max(axis=1, keepdims=True))
    p, q = p / p.sum(axis=1, keepdims=True), q / q.sum(axis=1, keepdims=True)
    half = n // 2
    p[half:] = rng.dirichlet(np.full(v, 0.3), n - half)
    q[half:] = rng.dirichlet(np.full(v, 0.3), n - half)
    return p, q


def _fractions(x: np.ndarray) -> list[Fraction]:
    return [Fraction(float(t)) for t in x]


def exact_alpha(p: np.ndarray, q: np.ndarray, k: int, drafts: str) -> Fraction:
    """Compute alpha* = 1 + min_B [p(B) - P(all K drafts in B)] in exact rationals over all 2^V subsets.

    wor: the set law by a recursion over subsets; greedy: the top-(K-1) tokens of q plus one draw from the
    rest. K above |supp q| acts as |supp q| for wor and greedy.
    """
    v = p.shape[0]
    pf, qf = _fractions(p), _fractions(q)
    total = sum(qf)
    support = [i for i in range(v) if qf[i] > 0]
    if drafts != "iid":
        k = min(k, len(support))
    drawn: dict[int, Fraction] = {0: Fraction(1)}  # WOR: P(the first |S| draws are S)
    if drafts == "wor":
        for mask in range(1, 1 << v):
            members = [i for i in range(v) if mask >> i & 1]
            if bin(mask).count("1") > k:
                continue
            acc = Fraction(0)
            for x in members:
                rest = mask & ~(1 << x)
                used = sum((qf[i] for i in range(v) if rest >> i & 1), Fraction(0))
                if qf[x] > 0 and rest in drawn:
                    acc += drawn[rest] * qf[x] / (total - used)
            drawn[mask] = acc
    order = sorted(range(v), key=lambda i: (-qf[i], i))
    top = set(order[: k - 1])
    rest_mass = total - sum((qf[i] for i in top), Fraction(0))
    best = Fraction(1)
    for mask in range(1 << v):
        members = [i for i in range(v) if mask >> i & 1]
        p_b = sum((pf[i] for i in members), Fraction(0))
        q_b = sum((qf[i] for i in members), Fraction(0))
        if drafts == "iid":
            all_in = (q_b / total) ** k
        elif drafts == "wor":
            all_in = sum((w for m, w in drawn.items() if bin(m).count("1") == k and m & ~mask == 0),
                         Fraction(0))
        else:
            inside = top <= set(members)
            all_in = sum((qf[i] for i in members if i not in top), Fraction(0)) / rest_mass if inside \
                else Fraction(0)
        best = min(best, 1 + p_b - all_in)
    return best


def extreme_rows() -> tuple[np.ndarray, np.ndarray]:
    """Return rows where float routes lose digits (V = 5).

    Drafts within 1e-15 / 1e-9 of a point mass, masses near 1e-300, ties and q = p.
    """
    ps = [[0.1, 0.3, 0.2, 0.25, 0.15], [0.5, 0.2, 0.1, 0.1, 0.1], [1e-300, 0.25, 0.25, 0.25, 0.25],
          [0.2, 0.2, 0.2, 0.2, 0.2], [0.0, 0.4, 0.3, 0.3, 0.0], [0.3, 0.3, 0.2, 0.1, 0.1]]
    qs = [[1 - 1e-15] + [2.5e-16] * 4, [2.5e-10, 1 - 1e-9, 2.5e-10, 2.5e-10, 2.5e-10],
          [0.25, 0.25, 0.25, 0.25, 1e-300], [0.2, 0.2, 0.2, 0.2, 0.2], [0.5, 0.0, 0.5, 0.0, 0.0],
          [0.3, 0.3, 0.2, 0.1, 0.1]]
    return np.array(ps), np.array(qs)


@claim("speculative.batch-exact-rationals",
       source="hu2025optimal, subset formula; derived, exact rational arithmetic",
       statement="batched alpha* (iid, wor, greedy) = exact rationals over all subsets, on drafts "
                 "within 1e-15 of a point mass, masses near 1e-300, zeros, ties, q = p (V = 5)")
def _batch_exact(fast: bool, rng: np.random.Generator) -> Measurement:
    p, q = extreme_rows()
    n_random = 2 if fast else 20
    rp = rng.dirichlet(np.full(5, 0.4), n_random)
    rq = rng.dirichlet(np.full(5, 0.4), n_random)
    p, q = np.vstack([p, rp]), np.vstack([q, rq])
    ks = [2, 3, 4] if fast else [1, 2, 3, 4, 5]
    return Measurement(batch_vs_exact(p, q, ks), EXACT, {"V": 5, "rows": p.shape[0], "K": ks})


def batch_vs_exact(p: np.ndarray, q: np.ndarray, ks: list[int], *,
                   batched: Callable[..., Any] = optimal_acceptance_batch) -> float:
    """Worst |batched alpha* - exact rational alpha*| over rows, K and draft laws."""
    worst = 0.0
    for law in LAWS:
        worst = max(worst, _worst_gap(batched(p, q, ks, drafts=law), p, q, ks,
                                      partial(exact_alpha, drafts=law)))
    return worst


def chunked_vs_whole(n: int, v: int, ks: list[int], batch_size: int, rng: np.random.Generator) -> float:
    """Run ``theory speculative bound`` on a synthetic file in chunks of ``batch_size``.

    Compare its means and standard errors with the whole-array batched values (largest difference).
    """
    from theory.speculative.bound_cli import run_bound
    from theory.speculative.logitfiles import synthetic_logits

    zp, zq = synthetic_logits(n, v, rng=rng)
    with tempfile.TemporaryDirectory() as tmp:
        tp, tq = Path(tmp) / "t.npy", Path(tmp) / "q.npy"
        np.save(tp, zp)
        np.save(tq, zq)
        args = SimpleNamespace(target=str(tp), draft=str(tq), k=ks, drafts=list(LAWS),
                               schemes=list(SCHEMES), temperature=1.0, top_k=None, top_p=None,
                               probs=False, batch_size=batch_size, no_progress=True)
        doc = run_bound(args)
    p = from_logits(zp.astype(np.float64))
    q = from_logits(zq.astype(np.float64))
    worst = 0.0
    for name, entry in doc["results"].items():
        if entry["kind"] == "optimum":
            whole = np.asarray(optimal_acceptance_batch(p, q, ks, drafts=name.removeprefix("optimal-")))
        else:
            whole = np.asarray(acceptance_rate_batch(name, p, q, ks))
        se = whole.std(axis=0, ddof=1) / np.sqrt(n)
        worst = max(worst, float(np.max(np.abs(np.asarray(entry["mean"]) - whole.mean(axis=0)))),
                    float(np.max(np.abs(np.asarray(entry["stderr"], dtype=float) - se))))
    return worst


@claim("speculative.batch-chunked",
       source=("chan1983algorithms, merge of means and variances; "
               "derived, streaming (theory.speculative.bound_cli)"),
       statement="`theory speculative bound` streamed in chunks of 7 rows = the whole-array batched "
                 "means and standard errors (synthetic logits of two related softmax models)")
def _batch_chunked(fast: bool, rng: np.random.Generator) -> Measurement:
    n, v = (40, 60) if fast else (400, 500)
    ks = [1, 2, 4]
    return Measurement(chunked_vs_whole(n, v, ks, 7, rng), EXACT,
                       {"N": n, "V": v, "K": ks, "batch_size": 7})


def greedy_target_gap(p_logits: np.ndarray, q_logits: np.ndarray, ks: list[int], *,
                      batched: Callable[..., Any] = optimal_acceptance_batch) -> float:
    """Return the largest deviation of the temperature transforms from their stated values.

    - both models at T = 0: every law and scheme accepts with probability 1[argmax p = argmax q];
    - target at T = 0 (p = delta_y), draft at T = 1: alpha*_iid = rrs = kseq = 1 - (1 - q_y)^K,
      alpha*_wor = P(y among K draws without replacement), alpha*_greedy = 1 if y is among the top
      K-1 draft tokens, else q_y / q(outside them);
    - temperature T equals T = 1 on logits / T.
    """
    p0 = from_logits(p_logits, temperature=0.0)
    q0 = from_logits(q_logits, temperature=0.0)
    same = (np.argmax(p_logits, axis=1) == np.argmax(q_logits, axis=1)).astype(np.float64)
    worst = 0.0
    for law in LAWS:
        got = np.asarray(batched(p0, q0, ks, drafts=law))
        worst = max(worst, float(np.max(np.abs(got - same[:, None]))))
    for name in SCHEMES:
        got = np.asarray(acceptance_rate_batch(name, p0, q0, ks))
        worst = max(worst, float(np.max(np.abs(got - same[:, None]))))
    q1 = from_logits(q_logits)
    y = np.argmax(p_logits, axis=1)
    qy = q1[np.arange(q1.shape[0]), y]
    iid = 1.0 - (1.0 - qy[:, None]) ** np.array(ks)[None, :]
    for got in (batched(p0, q1, ks, drafts="iid"), acceptance_rate_batch("rrs", p0, q1, ks),
                acceptance_rate_batch("kseq", p0, q1, ks)):
        worst = max(worst, float(np.max(np.abs(np.asarray(got) - iid))))
    wor = np.asarray(batched(p0, q1, ks, drafts="wor"))
    greedy = np.asarray(batched(p0, q1, ks, drafts="greedy"))
    for i in range(q1.shape[0]):
        order = np.lexsort((np.arange(q1.shape[1]), -q1[i]))
        for j, k in enumerate(ks):
            miss = exact_avoid(q1[i], int(y[i]), k) if k > 1 else 1.0 - qy[i]
            worst = max(worst, abs(wor[i, j] - (1.0 - miss)))
            top = order[: k - 1]
            rest = np.setdiff1d(np.arange(q1.shape[1]), top)
            want = 1.0 if y[i] in top else qy[i] / q1[i, rest].sum()
            worst = max(worst, abs(greedy[i, j] - want))
    scaled = from_logits(p_logits / 0.7)
    worst = max(worst, float(np.max(np.abs(from_logits(p_logits, temperature=0.7) - scaled))))
    return worst


def exact_avoid(q: np.ndarray, y: int, k: int) -> float:
    """Compute P(K successive draws without replacement from q all avoid y).

    By enumerating the ordered K-tuples of the other tokens (small V).
    """
    import itertools

    total = float(q.sum())
    others = [i for i in range(q.shape[0]) if i != y and q[i] > 0]
    acc = 0.0
    for tup in itertools.permutations(others, k):
        w, used = 1.0, 0.0
        for x in tup:
            w *= q[x] / (total - used)
            used += q[x]
        acc += w
    return acc


@claim("speculative.batch-transforms",
       source="derived, sampling transforms (p = delta_y gives alpha* = P(y in S(X)))",
       statement="temperature 0 for both models: acceptance = 1[argmaxes coincide]; target at "
                 "T = 0: alpha*_iid = rrs = kseq = 1 - (1 - q_y)^K, wor/greedy = P(y drafted)")
def _batch_transforms(fast: bool, rng: np.random.Generator) -> Measurement:
    from theory.speculative.logitfiles import synthetic_logits

    n, v = (12, 7) if fast else (60, 8)
    zp, zq = synthetic_logits(n, v, rng=rng, drift=1.5)
    ks = [1, 2, 3, 4]
    return Measurement(greedy_target_gap(zp.astype(np.float64), zq.astype(np.float64), ks), EXACT,
                       {"N": n, "V": v, "K": ks})
