"""Verification schemes for K drafts: exact acceptance rates and exact output laws.

Schemes (p = target, q = draft; a scheme is lossless when its output Y has law p; acceptance is
``P(Y in S(X))``, S(X) the set of distinct drafts):

- ``"rrs"``: SpecInfer recursive rejection sampling on iid drafts. ``p_1 = p``; draft i is
  accepted with probability ``min(1, p_i / q)``, otherwise ``p_{i+1} = norm((p_i - q)^+)``; when
  all K are rejected, ``Y ~ p_{K+1}``. ``alpha = 1 - prod_i (1 - beta_i)``, ``beta_i = sum min(p_i, q)``.
- ``"rrs-wor"``: the same on drafts without replacement (RSD); after a rejection of x, the
  draft law becomes q without x, renormalised. Exact by a batched recursion over the draft tree.
- ``"kseq"``: SpecTr's K-SEQ. Every draft is accepted with probability ``min(1, p/(rho* q))``,
  the first accepted is emitted, else a residual; ``alpha = 1 - (1 - beta(rho*))^K``.
- ``"greedy"``: Hu et al.'s greedy drafts (top-(K-1) of q plus one sample from q on the rest,
  q~); single-draft verification of p against q~, residual ``norm((p - q~)^+)``.
  ``alpha = p(T) + sum_{y not in T} min(p, q~)``, the optimum for this draft law.
- ``"optimal"`` / ``"optimal-wor"``: the optimal-transport sampler of the set LP (iid / without
  replacement drafts): given S, emit y in S with probability ``f(S, y)/Qbar(S)``, else a residual.
- Negative controls (lossy): ``"naive"`` (every draft verified against the unchanged p, first
  accepted emitted, else ``norm((p - q)^+)``) and ``"rrs-dedup"`` (recursive rejection over the
  distinct drafts only, without retrying duplicates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory._result import SolverResult, TupleCompatible
from theory.speculative._common import (
    SCHEME_DRAFTS,
    accept_prob,
    check_enumeration_size,
    normalised_residual,
    validate_k,
    validate_pair,
    validate_scheme,
)
from theory.speculative._plans import greedy_parts, optimal_plan
from theory.speculative.optimal import optimal_acceptance

#: Largest number of (node, token) pairs the without-replacement tree holds at once.
MAX_TREE = 20_000_000
#: Largest (k + 1) x V residual chain held in memory.
MAX_CHAIN = 20_000_000
#: Largest number of token updates (steps x V) the rrs acceptance formula spends before the
#: residual chain must have reached a fixed point (after which the rest is one power).
MAX_RRS_WORK = 50_000_000
#: Tolerance of the certificates checked on every exact law (sum to 1, acceptance in [0, 1]).
LAW_TOL = 1e-6


@dataclass(frozen=True, kw_only=True)
class SchemeLaw(SolverResult):
    """Exact behaviour of a verification scheme, by enumeration (a :class:`SolverResult`).

    Attributes
    ----------
    value
        ``P(Y in S(X))`` (membership acceptance; alias: ``acceptance``).
    status
        Always ``"exact"``: the law passed its certificates (sums to 1, acceptance in [0, 1]
        within ``LAW_TOL``); a law that fails them raises instead.
    converged
        Always ``True``.
    n_iter
        0 (a closed enumeration).
    diagnostics
        ``law_sum``: the sum of the law before rounding.
    law
        Law of the emitted token Y, shape (V,).
    sequential_acceptance
        Probability that some draft passes its verification test (rrs, rrs-wor, kseq, naive,
        rrs-dedup; equals ``acceptance`` for the first three), that the sampled draft passes
        (greedy), or the accepted plan mass ``sum f`` (optimal schemes).
    """

    law: np.ndarray
    sequential_acceptance: float

    @property
    def acceptance(self) -> float:
        """Alias of ``value`` (the old field name, kept for one release)."""
        return self.value


@dataclass(frozen=True, kw_only=True)
class KSeqRho(TupleCompatible, SolverResult):
    """SpecTr K-SEQ threshold (a :class:`SolverResult`; unpacks as the old ``(rho, beta)`` tuple).

    Attributes
    ----------
    value
        rho*, the smallest rho in [1, K] with ``1 - (1 - beta)^K <= rho beta`` (alias: ``rho``).
    status
        ``"boundary"`` (rho* = 1, no bisection needed) or ``"bisection"`` (bracket closed to
        adjacent floats).
    converged
        Always ``True``.
    n_iter
        Bisection steps.
    beta
        ``beta(rho*) = sum_y min(q_y, p_y / rho*)``.
    """

    beta: float
    _tuple_fields = ("rho", "beta")

    @property
    def rho(self) -> float:
        """Alias of ``value``."""
        return self.value


def _scheme_law(law: np.ndarray, acceptance: float, sequential: float) -> SchemeLaw:
    return SchemeLaw(value=acceptance, status="exact", converged=True,
                     diagnostics={"law_sum": float(law.sum())}, law=law, sequential_acceptance=sequential)


def rrs_residuals(p: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    """Rows ``p_1 = p, ..., p_{K+1}`` of recursive rejection sampling, shape (K+1, V). O(KV)."""
    if (k + 1) * p.shape[0] > MAX_CHAIN:
        raise ValueError(
            f"k: the rrs residual chain holds (k + 1) x V = {(k + 1) * p.shape[0]:.3g} entries "
            f"(limit {MAX_CHAIN:.0e}); lower k"
        )
    rows = [p]
    for _ in range(k):
        rows.append(normalised_residual(rows[-1], q))
    return np.array(rows)


def kseq_rho(target: Any, draft: Any, k: Any) -> KSeqRho:
    """SpecTr K-SEQ parameters ``(rho*, beta(rho*))`` as a :class:`KSeqRho`.

    ``beta(rho) = sum_y min(q_y, p_y / rho)``; rho* is the smallest rho in [1, K] with
    ``1 - (1 - beta)^K <= rho beta`` (equality when rho* > 1), found by bisection on the
    increasing function ``rho beta(rho) - 1 + (1 - beta(rho))^K`` to machine precision.

    Notes
    -----
    Source: SpecTr (Sun et al. 2023), K-SEQ; reconstructed definition. Cost O(V) per bisection
    step, ~60 steps.
    """
    p, q = validate_pair(target, draft)
    kk = validate_k(k, q, "iid")
    rho, b, steps = _kseq_solve(p, q, kk)
    return KSeqRho(value=rho, status="bisection" if steps else "boundary", converged=True, n_iter=steps,
                   beta=b)


def _kseq_rho(p: np.ndarray, q: np.ndarray, k: int) -> tuple[float, float]:
    rho, b, _ = _kseq_solve(p, q, k)
    return rho, b


def _kseq_solve(p: np.ndarray, q: np.ndarray, k: int) -> tuple[float, float, int]:
    def beta(rho: float) -> float:
        return float(np.minimum(q, p / rho).sum())

    def gap(rho: float) -> float:
        b = beta(rho)
        return rho * b - 1.0 + (1.0 - b) ** k

    if gap(1.0) >= 0.0:
        return 1.0, beta(1.0), 0
    lo, hi = 1.0, float(k)
    steps = 0
    while steps < 200:
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        steps += 1
        if gap(mid) >= 0.0:
            hi = mid
        else:
            lo = mid
    return hi, beta(hi), steps


def kseq_residual(p: np.ndarray, q: np.ndarray, k: int, rho: float, beta: float) -> np.ndarray:
    """K-SEQ residual ``norm(p - min(q, p/rho) (1 - (1 - beta)^K) / beta)``, tiny negatives clipped."""
    if beta <= 0.0:
        return p.copy()
    r = np.maximum(p - np.minimum(q, p / rho) * (1.0 - (1.0 - beta) ** k) / beta, 0.0)
    tot = r.sum()
    return r / tot if tot > 0 else r


def sequential_tables(p: np.ndarray, q: np.ndarray, k: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-step acceptance tests and residuals, shape (K + 1, V), of a sequential iid scheme.

    Step i accepts draft x with probability ``tests[i, x]`` and, after K rejections, the token
    is drawn from ``residuals[K]``: kseq (fixed threshold rho*), naive (no residual update) and
    rrs / rrs-dedup (step i is verified against the residual p_i of :func:`rrs_residuals`).
    """
    if scheme == "kseq":
        rho, beta = _kseq_rho(p, q, k)
        tests = np.tile(accept_prob(p, q, rho), (k + 1, 1))
        residuals = np.tile(kseq_residual(p, q, k, rho, beta), (k + 1, 1))
    elif scheme == "naive":
        tests = np.tile(accept_prob(p, q), (k + 1, 1))
        residuals = np.tile(normalised_residual(p, q), (k + 1, 1))
    else:
        residuals = rrs_residuals(p, q, k)
        tests = accept_prob(residuals, q[None, :])
    return tests, residuals


def _rrs_wor_tree(p: np.ndarray, q: np.ndarray, k: int, *, want_law: bool
                  ) -> tuple[np.ndarray, float, float]:
    """Batched exact recursion over the without-replacement draft tree of rrs-wor."""
    v = p.shape[0]
    support = int(np.count_nonzero(q > 0))
    if math.perm(support, k - 1) * v > MAX_TREE:
        raise ValueError(
            f"k: rrs-wor is exact by a tree of {math.perm(support, k - 1)} nodes x V={v} "
            f"(limit {MAX_TREE:.0e}); use simulate() for this size"
        )
    weight = np.ones(1)
    cur_p = p[None, :].copy()
    cur_q = q[None, :].copy()
    used = np.zeros((1, v), dtype=bool)
    law = np.zeros(v)
    seq_acc = 0.0
    member_acc = 0.0
    for level in range(k):
        a = accept_prob(cur_p, cur_q)
        accepted = weight[:, None] * cur_q * a
        seq_acc += float(accepted.sum())
        if want_law:
            law += accepted.sum(axis=0)
        rejected = weight[:, None] * cur_q * (1.0 - a)
        nxt_p = normalised_residual(cur_p, cur_q)
        if level == k - 1:
            if want_law:
                mass = rejected.sum(axis=1)
                law += mass @ nxt_p
                member_acc += float(mass @ np.where(used, nxt_p, 0.0).sum(axis=1)
                                    + (rejected * nxt_p).sum())
            break
        node, tok = np.nonzero(rejected > 0)
        weight = rejected[node, tok]
        cur_p = nxt_p[node]
        cur_q = cur_q[node].copy()
        cur_q[np.arange(tok.shape[0]), tok] = 0.0
        cur_q /= cur_q.sum(axis=1, keepdims=True)
        used = used[node].copy()
        used[np.arange(tok.shape[0]), tok] = True
    return law, seq_acc + member_acc, seq_acc


def _rrs_acceptance(p: np.ndarray, q: np.ndarray, k: int) -> float:
    """``1 - prod_{i<=K} (1 - beta_i)`` along the residual chain, for any K.

    The chain is iterated until the product underflows (acceptance 1 to double precision) or
    the residual stops changing (a fixed point, where every further factor is the same and the
    rest of the product is one power); at most ``MAX_RRS_WORK / V`` steps of O(V), else
    ``ValueError``.
    """
    cur, reject = p, 1.0
    max_steps = max(1_000, MAX_RRS_WORK // p.shape[0])
    for i in range(k):
        beta = float(np.minimum(cur, q).sum())
        nxt = normalised_residual(cur, q)
        if np.array_equal(nxt, cur) or beta <= 0.0:
            return float(1.0 - reject * (1.0 - min(beta, 1.0)) ** (k - i))
        reject *= 1.0 - min(beta, 1.0)
        if reject < 1e-18:  # every later factor is <= 1: 1 - reject is 1 to double precision
            return float(1.0 - reject)
        if i + 1 >= max_steps:
            raise ValueError(
                f"k: the rrs residual chain has not reached a fixed point after {max_steps} steps "
                f"of O(V); k = {k} is beyond what the formula computes at V = {p.shape[0]}"
            )
        cur = nxt
    return float(1.0 - reject)


def _certify(law: SchemeLaw, scheme: str) -> SchemeLaw:
    """Check the certificates of an exact law: it sums to 1 and the acceptance lies in [0, 1]."""
    total = float(law.law.sum())
    if abs(total - 1.0) > LAW_TOL or not -LAW_TOL <= law.acceptance <= 1.0 + LAW_TOL:
        raise RuntimeError(
            f"{scheme}: exact law failed its certificate (sum {total!r}, acceptance "
            f"{law.acceptance!r}); the inputs are beyond this route's precision"
        )
    acc = min(max(law.acceptance, 0.0), 1.0)
    return _scheme_law(law.law, acc, min(max(law.sequential_acceptance, 0.0), 1.0))


def _enumerate_iid(p: np.ndarray, q: np.ndarray, k: int, scheme: str) -> SchemeLaw:
    """Exact law of the iid-draft schemes by enumeration of all V^k ordered tuples."""
    v = p.shape[0]
    support = np.flatnonzero(q > 0)
    grids = np.meshgrid(*([support] * k), indexing="ij")
    tuples = np.stack([g.ravel() for g in grids], axis=1)
    weight = np.prod(q[tuples], axis=1)
    tests, residuals = sequential_tables(p, q, k, scheme)
    alive = weight.copy()
    law = np.zeros(v)
    steps = np.zeros(tuples.shape[0], dtype=np.int64)
    seq_acc = 0.0
    first = np.ones(tuples.shape, dtype=bool)  # first occurrence of a token in its tuple
    for j in range(k):
        x = tuples[:, j]
        first[:, j] = ~np.any(tuples[:, :j] == x[:, None], axis=1)
        verified = first[:, j] if scheme == "rrs-dedup" else np.ones(tuples.shape[0], dtype=bool)
        a = np.where(verified, tests[steps, x], 0.0)
        law += np.bincount(x, weights=alive * a, minlength=v)
        seq_acc += float((alive * a).sum())
        alive = alive * (1.0 - a)
        steps += verified
    # All rejected: the residual row is indexed by the number of verification steps taken.
    law += np.bincount(steps, weights=alive, minlength=k + 1) @ residuals
    on_drafts = (residuals[steps[:, None], tuples] * first).sum(axis=1)
    member = seq_acc + float(alive @ on_drafts)
    return _scheme_law(law, member, seq_acc)


def _enumerate_greedy(p: np.ndarray, q: np.ndarray, k: int) -> SchemeLaw:
    top, q_tilde, resid = greedy_parts(p, q, k)
    xs = np.flatnonzero(q_tilde > 0)
    a = accept_prob(p[xs], q_tilde[xs])
    law = np.zeros(p.shape[0])
    law[xs] += q_tilde[xs] * a
    rej = q_tilde[xs] * (1.0 - a)
    law += rej.sum() * resid
    member = float((q_tilde[xs] * a).sum() + (rej * (resid[top].sum() + resid[xs])).sum())
    return _scheme_law(law, member, float((q_tilde[xs] * a).sum()))


def _enumerate_optimal(p: np.ndarray, q: np.ndarray, k: int, drafts: str) -> SchemeLaw:
    members, sizes, prob, flows, residual = optimal_plan(p, q, k, drafts)
    valid = np.arange(members.shape[1])[None, :] < sizes[:, None]
    tokens = np.where(valid, members, 0)
    law = np.bincount(tokens.ravel(), weights=flows.ravel(), minlength=p.shape[0])
    left = prob - flows.sum(axis=1)
    law += left.sum() * residual
    member = float(flows.sum() + left @ np.where(valid, residual[tokens], 0.0).sum(axis=1))
    return _scheme_law(law, member, float(flows.sum()))


def exact_scheme(scheme: str, target: Any, draft: Any, k: Any) -> SchemeLaw:
    """Exact output law and acceptance of a scheme, by enumeration of the draft tuples.

    The route is independent of :func:`acceptance_rate`'s formulas: every tuple (or tree node) is
    run through the scheme's accept/reject branches and the acceptance is measured as
    ``P(Y in S(X))``, residual branch included.

    Parameters
    ----------
    scheme
        One of "rrs", "rrs-wor", "kseq", "greedy", "optimal", "optimal-wor", "naive",
        "rrs-dedup".
    target, draft
        p and q, shape (V,).
    k
        Number of drafts K >= 1; ``V**K <= 1e6``.

    Notes
    -----
    Cost O(V^K K) for the iid schemes, O(perm(V, K) V) for rrs-wor, the set LP for the optimal
    schemes (LP tolerance ~1e-7), O(V) for greedy.
    """
    name = validate_scheme(scheme, negative_controls=True)
    p, q = validate_pair(target, draft)
    kk = validate_k(k, q, SCHEME_DRAFTS[name])
    check_enumeration_size(p.shape[0], kk)
    if name in ("rrs", "kseq", "naive", "rrs-dedup"):
        law = _enumerate_iid(p, q, kk, name)
    elif name == "rrs-wor":
        law = _scheme_law(*_rrs_wor_tree(p, q, kk, want_law=True))
    elif name == "greedy":
        law = _enumerate_greedy(p, q, kk)
    else:
        law = _enumerate_optimal(p, q, kk, SCHEME_DRAFTS[name])
    return _certify(law, name)


def output_law(scheme: str, target: Any, draft: Any, k: Any) -> np.ndarray:
    """Exact law of the emitted token under a verification scheme.

    Every lossless scheme returns p (to rounding; to ~1e-7 for the LP-based optimal schemes); the
    negative controls "naive" and "rrs-dedup" do not, in general.

    Parameters
    ----------
    scheme
        "rrs", "rrs-wor", "kseq", "greedy", "optimal", "optimal-wor", "naive" or "rrs-dedup".
    target, draft
        p and q, shape (V,).
    k
        Number of drafts; ``V**k <= 1e6``.

    Returns
    -------
    numpy.ndarray
        P(Y = y), shape (V,).

    Notes
    -----
    Enumeration of draft tuples (see :func:`exact_scheme`). Sources: SpecInfer (rrs), RSD
    (rrs-wor), SpecTr (kseq, optimal transport), Hu et al. (greedy).
    """
    return exact_scheme(scheme, target, draft, k).law


def acceptance_rate(scheme: str, target: Any, draft: Any, k: Any) -> float:
    """Exact acceptance rate ``P(Y in S(X))`` of a lossless verification scheme.

    - "rrs": ``1 - prod_{i=1..K} (1 - beta_i)``, ``beta_i = sum min(p_i, q)``, O(KV); the chain
      stops early once the product underflows or the residual reaches a fixed point (the rest of
      the product is then one power), so any K works when that happens within
      ``MAX_RRS_WORK / V`` steps (else ``ValueError`` naming k);
    - "rrs-wor": exact recursion ``A(p', q', k) = sum_x q'(x) [a_x + (1 - a_x) A(norm((p'-q')^+),
      q'_{-x}, k-1)]``, batched over the draft tree, O(perm(V, K) V);
    - "kseq": ``1 - (1 - beta(rho*))^K`` with :func:`kseq_rho`, O(V) per bisection step;
    - "greedy": ``p(T) + sum_{y not in T} min(p(y), q~(y))``, O(V log V);
    - "optimal", "optimal-wor": :func:`optimal_acceptance` with iid / wor drafts.

    Parameters
    ----------
    scheme
        One of the lossless schemes above.
    target, draft
        p and q, shape (V,).
    k
        Number of drafts K >= 1.

    Notes
    -----
    Sources: SpecInfer (Miao et al.), RSD (Jeon et al.), SpecTr (Sun et al. 2023), Hu et al.
    (ICLR 2025).
    """
    name = validate_scheme(scheme, negative_controls=False)
    p, q = validate_pair(target, draft)
    kk = validate_k(k, q, SCHEME_DRAFTS[name])
    if name == "rrs":
        return _rrs_acceptance(p, q, kk)
    if name == "rrs-wor":
        return _rrs_wor_tree(p, q, kk, want_law=False)[2]
    if name == "kseq":
        _, beta_star = _kseq_rho(p, q, kk)
        return float(1.0 - (1.0 - beta_star) ** kk)
    if name == "greedy":
        top, q_tilde, _ = greedy_parts(p, q, kk)
        return float(p[top].sum() + np.minimum(p, q_tilde).sum())
    return optimal_acceptance(p, q, kk, drafts=SCHEME_DRAFTS[name])
