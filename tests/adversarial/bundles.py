"""Bundles of related calls on one generated input, run in the child: each checks results against
their proven bounds and against an independent exact route, and returns the number of calls."""

from __future__ import annotations

import math

import numpy as np

from tests.adversarial.cases import in_unit, is_law

LOSSLESS = {"rrs": "iid", "rrs-wor": "wor", "kseq": "iid", "greedy": "greedy", "optimal": "iid",
            "optimal-wor": "wor"}


def speculative_pair(p: np.ndarray, q: np.ndarray, k: int) -> int:
    """Acceptance in [0, 1], formula = brute force over subsets, every lossless scheme <= its optimum
    and its exact law = p, P_wor(B) = enumeration."""
    from theory.speculative import (
        acceptance_rate,
        exact_scheme,
        optimal_acceptance,
        optimal_subset,
        wor_all_in,
    )

    calls = 0
    support = int(np.count_nonzero(q > 0))
    best: dict[str, float] = {}
    for drafts in ("iid", "wor", "greedy"):
        if drafts != "iid" and k > support:
            continue
        a = optimal_acceptance(p, q, k, drafts=drafts)
        brute, _ = optimal_subset(p, q, k, drafts=drafts, method="bruteforce")
        calls += 2
        in_unit(a, f"alpha*_{drafts}")
        assert abs(a - brute) <= 1e-9, f"alpha*_{drafts} {a!r} != brute force {brute!r}"
        best[drafts] = a
    for scheme, drafts in LOSSLESS.items():
        if drafts not in best:
            continue
        acc = acceptance_rate(scheme, p, q, k)
        calls += 1
        in_unit(acc, f"{scheme} acceptance")
        assert acc <= best[drafts] + 1e-9, f"{scheme} acceptance {acc!r} > optimum {best[drafts]!r}"
        if p.shape[0] ** k <= 4096:
            law = exact_scheme(scheme, p, q, k)
            calls += 1
            is_law(law.law, f"{scheme} law")
            tol = 1e-6 if scheme.startswith("optimal") else 1e-9
            assert np.abs(law.law - p).max() <= tol, f"{scheme} is not lossless: {law.law} vs {p}"
            assert abs(law.acceptance - acc) <= tol, f"{scheme}: enumeration {law.acceptance} != {acc}"
    if k <= support:
        rng = np.random.default_rng(int(1e6 * p[0]) % 2**32)
        for _ in range(3):
            b = np.flatnonzero(rng.random(p.shape[0]) < 0.6)
            exact = wor_all_in(q, b, k, method="enumerate")
            for method in ("auto", "quad"):
                got = wor_all_in(q, b, k, method=method)
                calls += 1
                assert abs(got - exact) <= 1e-10, f"P_wor(B={b.tolist()}) {method} {got!r} != {exact!r}"
    return calls


def semantic_joint(joint: np.ndarray, d: np.ndarray) -> int:
    """0 <= I(X;Y) <= min(H(X), H(Y)); channel capacity within [0, log2 min(|X|, |Y|)];
    0 <= R(D) <= H(X) with its own lower bound below it; Blahut-Arimoto MI >= 0."""
    from theory.semantic import blahut_arimoto, channel_capacity, mutual_information, rate_distortion

    def h(v: np.ndarray) -> float:
        v = v[v > 0]
        return float(-(v * np.log2(v)).sum())

    px, py = joint.sum(axis=1), joint.sum(axis=0)
    mi = mutual_information(joint, 0, 1)
    assert -1e-12 <= mi <= min(h(px), h(py)) + 1e-9, f"I(X;Y) = {mi} outside [0, min H]"
    calls = 1
    rows = px > 0
    W = joint[rows] / px[rows, None]
    if W.shape[0] >= 1:
        c, *_rest, law = channel_capacity(W)
        calls += 1
        assert -1e-10 <= c <= math.log2(min(W.shape)) + 1e-9, f"capacity {c} out of bounds"
        is_law(law, "capacity-achieving input")
    if px.shape[0] == d.shape[0]:
        d_max = float((px @ d).min())
        res = rate_distortion(px, d, D=0.5 * d_max)
        calls += 1
        if res.status == "optimal":
            assert -1e-9 <= res.rate <= h(px) + 1e-6, f"R(D) = {res.rate} outside [0, H(X)]"
            assert res.lower_bound <= res.rate + 1e-6
        st = blahut_arimoto(px, d, 1.0)
        calls += 1
        assert st.upper >= -1e-12, f"BA mutual information {st.upper} < 0"
    return calls


def sparse_marginals(a: np.ndarray, b: np.ndarray, C: np.ndarray, k: int) -> int:
    """Sparse OT on near-point, zero-mass and float32-rounded marginals with huge and tiny costs:
    a finite dual value, a non-negative plan, and where the plan meets the marginals, weak duality
    ``P_k >= D_k`` and ``<C, T> >= OT(a, b)`` (the unconstrained optimum)."""
    from theory.sparse_ot import exact_ot, solve_sparse_ot

    res = solve_sparse_ot(a, b, C, k=k, gamma=1.0)
    w = exact_ot(a, b, C)
    assert math.isfinite(w) and math.isfinite(res.value), f"OT {w}, D_k {res.value}"
    assert np.all(res.plan >= -1e-12), "plan has negative entries"
    if res.converged and res.marginal_error <= 1e-9:
        scale = max(1.0, float(np.abs(C).max()))
        assert res.primal_value >= res.value - 1e-6 * scale, f"P_k {res.primal_value} < D_k {res.value}"
        assert res.transport_cost >= w - 1e-6 * scale, f"<C, T> {res.transport_cost} < OT {w}"
    return 2


def tokenization_source(cond: np.ndarray, p: float) -> int:
    """Binary entropy in [0, 1]; a near-deterministic Markov source gives a finite unigram loss
    at least the entropy rate per character times the characters per token."""
    from theory.tokenization import GreedyTokenizer, MarkovSource, binary_entropy, unigram_loss

    hb = binary_entropy(p)
    in_unit(hb, "binary entropy")
    try:
        src = MarkovSource(cond, 1)
    except ValueError as exc:  # a reducible kernel has no unique stationary law: a clean refusal
        assert "closed classes" in str(exc) and str(exc).startswith("cond:"), str(exc)
        return 2
    tok = GreedyTokenizer([(0,), (1,), (0, 0), (1, 1)])
    res = unigram_loss(src, tok)
    if res.status in ("optimal", "exact", "ok", "converged"):
        assert math.isfinite(res.value) and res.value >= -1e-9, f"unigram loss {res.value}"
    return 2


def attention_logits(X: np.ndarray, W: np.ndarray) -> int:
    """Softmax attention rows stay a law for huge logits."""
    from theory.attention_svm import attention_softmax

    Z = X[:, 0, :]
    s = attention_softmax(X, Z, W)
    assert np.all(np.isfinite(s)) and np.allclose(s.sum(axis=-1), 1.0), "softmax rows are not laws"
    return 1
