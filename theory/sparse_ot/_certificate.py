"""Polishing and the primal certificate: a feasible k-sparse plan built from the dual's support.

For any ``alpha``, ``S(alpha) <= D_k <= P_k`` and any feasible plan ``T`` with at most k nonzeros
per column has ``F(T) = <T,C> + (gamma/2)||T||_F^2 >= P_k``; hence ``F(T) - S(alpha)`` is a
certified bound on the suboptimality of both. This module builds such a ``T``:

1. the mask of the k largest entries of ``alpha - c_j`` in every column (it contains the support
   of the recovered plan ``T(alpha)``);
2. if the mask cannot carry the marginals: the same mask after swaps that let every row be
   served by its columns (Hall's condition for single rows); failing that, the support of an exact OT plan
   (a vertex of the transport polytope, pruned to at most k rows per column by re-solving with
   the excess entries forbidden); failing that, on small problems, a mixed-integer LP (HiGHS)
   that picks at most k rows per column among a few candidates at minimal reduced cost
   ``c_ij - alpha_i - beta_j``. Either mask is filled back up to k rows per column;
3. the quadratic OT restricted to the mask, solved through its smooth semi-dual (semi-smooth
   Newton, :mod:`theory.sparse_ot._newton`, finished by L-BFGS when needed; the masked simplex
   projection): it returns a plan with exact column sums and the restricted
   potentials ``alpha_hat``, which are also a candidate for the unrestricted dual (an active-set
   step: when the mask is the optimal support, ``S(alpha_hat) = P_k`` and the gap closes);
4. iterative proportional scaling on the support (zeros stay zero) drives both marginal errors to
   rounding level, so that ``F(T)`` is the value of a feasible plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import ot
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_matrix, csr_matrix, diags, hstack, identity, vstack

from theory.sparse_ot._feasible import chain_mask, forest_plan, incidence, marginals
from theory.sparse_ot._lbfgs import maximize
from theory.sparse_ot._newton import newton_ascent
from theory.sparse_ot._objectives import marginal_error, objective_and_cost, scatter
from theory.sparse_ot._problem import SparseOTProblem, sparse_ot_problem
from theory.sparse_ot.conjugates import project_kept, topk_last

#: Largest number of binary variables of the mixed-integer repair.
MILP_MAX_BINARIES = 5000

#: Largest m * n for which the mixed-integer repair considers every row of every column (and can
#: then prove that no k-sparse plan exists).
MILP_ALL_ROWS = 400

#: Wall-clock limit (seconds) of one mixed-integer repair.
MILP_TIME_LIMIT = 10.0

#: Largest mask tested for feasibility by an LP before polishing (larger ones: by weak duality).
LP_MAX_NNZ = 4000

#: Seconds given to the LP that screens larger masks (only a proof of infeasibility is used).
LP_TIME_LIMIT = 0.25

#: Most Newton iterations of one polishing before L-BFGS takes over.
NEWTON_MAX_ITER = 100

#: Largest marginal error, relative to the total mass, of an accepted polished plan.
FEASIBLE_ACCEPT = 1e-10

#: Marginal error, relative to the largest marginal entry, at which the scaling stops.
FEASIBLE_RTOL = 1e-15


def _feasibility_lp(a: np.ndarray, b: np.ndarray, mask: np.ndarray, time_limit: float | None
                    ) -> int:
    """HiGHS status of the LP ``T >= 0`` on ``mask`` with marginals ``(a, b)`` (0 feasible, 2 not)."""
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return 2
    m, n = mask.shape
    scale = max(float(np.max(a)), float(np.max(b)), 1e-300)
    options = {} if time_limit is None else {"time_limit": time_limit}
    res = linprog(np.zeros(rows.size), A_eq=incidence(rows, cols, m, n),  # type: ignore[call-overload]
                  b_eq=marginals(a, b) / scale, bounds=(0, None), method="highs",
                  options=options)
    return int(res.status)


def support_feasible(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> bool:
    """Whether some ``T >= 0`` supported on ``mask`` has marginals ``(a, b)`` (LP, HiGHS)."""
    return _feasibility_lp(a, b, mask, None) == 0


@dataclass(frozen=True)
class _Sparse:
    """A plan or mask in the transposed layout of the columns with ``b_j > 0``.

    Row ``r`` holds column ``cols[r]``; ``idx`` (n+, K) row indices, ``valid`` (n+, K) which slots belong
    to the mask, ``cost`` (n+, K) the costs there.
    """

    idx: np.ndarray
    valid: np.ndarray
    cost: np.ndarray
    cols: np.ndarray


def from_mask(P: SparseOTProblem, mask: np.ndarray) -> _Sparse:
    pos = np.flatnonzero(P.b > 0)
    Mt = mask[:, pos].T  # (n+, m)
    K = max(int(Mt.sum(axis=1).max()), 1)
    # the K largest of a 0/1 row are its ones (then padding with zeros)
    idx = topk_last(Mt.astype(np.float64), K)
    valid = np.take_along_axis(Mt, idx, axis=1)
    return _Sparse(idx, valid, np.take_along_axis(P.Ct_pos, idx, axis=1), pos)


def _restricted_parts(alpha: np.ndarray, P: SparseOTProblem, S: _Sparse, bp: np.ndarray
                      ) -> tuple[float, np.ndarray, np.ndarray]:
    """Evaluate the semi-dual of the quadratic OT restricted to the mask ``S``.

    Returns the value, the gradient ``a - T 1`` and the kept plan values (n+, K). Slots off the mask are
    lowered 2 below the row maximum of the scaled scores, so the simplex projection never gives them mass
    (its threshold is >= max - 1). Where ``x / (gamma b_j)`` overflows (subnormal ``gamma b_j``), the
    column is projected onto the simplex of mass ``gamma b_j`` and divided afterwards
    (``P(x / s) = P_s(x) / s``).
    """
    X = np.where(S.valid, alpha[S.idx] - S.cost, 0.0)
    mass = P.gamma * bp
    with np.errstate(over="ignore", invalid="ignore"):
        V = X / mass[:, None]
    if np.all(np.isfinite(V)):
        top = np.max(np.where(S.valid, V, -np.inf), axis=1)
        y, _ = project_kept(np.where(S.valid, V, top[:, None] - 2.0))
    else:  # gamma b_j subnormal: project onto the simplex of mass gamma b_j, then divide
        y, _ = project_kept(np.where(S.valid, X, -np.inf), mass)
        y = y / mass[:, None]
    t = y * bp[:, None]
    value = float(alpha @ P.a - np.sum(t * X) + 0.5 * P.gamma * np.sum(t * t))
    rows = np.bincount(S.idx.ravel(), weights=t.ravel(), minlength=P.a.shape[0])
    return value, P.a - rows, t


def scale_to_marginals(t: np.ndarray, S: _Sparse, a: np.ndarray, bp: np.ndarray,
                        max_iter: int = 1000) -> tuple[np.ndarray, float]:
    """Scale the kept values ``t`` towards row sums ``a`` and column sums ``bp`` (iterative scaling).

    Zeros stay zero. Returns the plan values and the final marginal error. O(nnz) per sweep; from
    a nearly feasible plan a few sweeps reach rounding level.
    """
    m = a.shape[0]
    t = t.copy()
    err = np.inf
    target = FEASIBLE_RTOL * max(float(np.max(a)), float(np.max(bp)))
    for _ in range(max_iter):
        rows = np.bincount(S.idx.ravel(), weights=t.ravel(), minlength=m)
        err = max(float(np.max(np.abs(rows - a))), float(np.max(np.abs(t.sum(axis=1) - bp))))
        if err <= target:
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(rows > 0, a / rows, 0.0)
        t *= r[S.idx]
        t *= (bp / np.maximum(t.sum(axis=1), 1e-300))[:, None]
    return t, err


@dataclass(frozen=True)
class Polished:
    """Quadratic OT on a support.

    The feasible plan (dense), its objective ``value``, its marginal error, the restricted potentials
    ``alpha`` and the Newton and L-BFGS iterations spent.
    """

    value: float
    plan: np.ndarray
    marginal_error: float
    alpha: np.ndarray
    n_iter: int


class _Unbounded(Exception):
    """The restricted semi-dual exceeded every feasible plan's objective: the mask is infeasible."""


def _polish(P: SparseOTProblem, mask: np.ndarray, alpha0: np.ndarray | None, tol: float,
            max_iter: int) -> Polished | None:
    """Quadratic OT restricted to ``mask`` (None when it cannot carry the marginals).

    A mask on which some row cannot be served even by all its columns is rejected at once; small
    masks (at most ``LP_MAX_NNZ`` entries) are then tested by an LP, larger ones are rejected when
    HiGHS proves them infeasible within ``LP_TIME_LIMIT`` seconds. The rest go
    to the smooth restricted semi-dual: by weak duality its value stays below the
    objective of any feasible plan on the mask, hence below ``max C + gamma/2`` (unit mass), so a
    value above that bound proves the mask infeasible and stops the run; otherwise the plan is
    accepted when the scaling reaches a marginal error of ``FEASIBLE_ACCEPT``. Cost
    O(nnz log K) per evaluation (plus one LP for small masks).
    """
    # necessary (Hall) condition, O(nnz): every row can be served by its columns on the mask
    reach = mask.astype(np.float64) @ P.b
    if np.any(reach < P.a * (1.0 - 1e-12)):
        return None
    if int(mask.sum()) <= LP_MAX_NNZ:
        if not support_feasible(P.a, P.b, mask):
            return None
    elif _feasibility_lp(P.a, P.b, mask, LP_TIME_LIMIT) == 2:  # HiGHS's presolve proves most
        return None  # infeasible masks at once; a feasible one may take seconds: not waited for
    m, n = P.shape
    S = from_mask(P, mask)
    bp = P.b[S.cols]
    x0 = np.zeros(m) if alpha0 is None else alpha0
    bound = float(np.max(P.C)) * float(P.a.sum()) + 0.5 * P.gamma * float(P.a.sum()) ** 2
    bound += 1e-9 * max(1.0, abs(bound))

    def parts(x: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        v, g, t = _restricted_parts(x, P, S, bp)
        if v > bound:
            raise _Unbounded
        return v, g, S.idx, t

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        return parts(x)[:2]

    try:
        # semi-smooth Newton (the restricted semi-dual is piecewise quadratic); L-BFGS finishes
        # what it leaves
        newton = newton_ascent(parts, x0, P.gamma, tol=tol, max_iter=min(max_iter, NEWTON_MAX_ITER))
        x, n_iter = newton.x, newton.n_iter
        if newton.status != "converged":
            run = maximize(fun, x, tol=tol, max_iter=max(max_iter - n_iter, 1))
            x, n_iter = run.x, n_iter + run.n_iter
    except _Unbounded:
        return None
    _, _, t = _restricted_parts(x, P, S, bp)
    t, err = scale_to_marginals(t, S, P.a, bp)
    return _accepted(P, scatter(S.idx, t, m, S.cols, n), x, n_iter)


def _accepted(P: SparseOTProblem, T: np.ndarray, alpha: np.ndarray, n_iter: int) -> Polished | None:
    """``T`` as a certificate when its marginal error is at most ``FEASIBLE_ACCEPT`` of the mass."""
    err = marginal_error(T, P.a, P.b)
    if err > FEASIBLE_ACCEPT * float(P.a.sum()):
        return None
    return Polished(objective_and_cost(T, P.C, P.gamma)[0], T, err, alpha, n_iter)


def topk_mask(alpha: np.ndarray, P: SparseOTProblem) -> np.ndarray:
    """Return the k largest entries of ``alpha - c_j`` in every column with ``b_j > 0`` (O(mn))."""
    m, n = P.shape
    mask = np.zeros((m, n), dtype=bool)
    pos = np.flatnonzero(P.b > 0)
    idx = topk_last(alpha[None, :] - P.Ct_pos, P.k)
    mask[idx, pos[:, None]] = True
    return mask


def _milp_mask(P: SparseOTProblem, alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray | None, bool]:
    """Return a k-sparse support that carries the marginals, by a mixed-integer LP.

    The LP runs over the ``k + 3`` best rows of every column (all rows when ``m <= k + 3`` or
    ``m n <= 400``): binaries ``z_ij``, ``0 <= T_ij <= min(a_i, b_j) z_ij``, ``sum_i z_ij <= k``,
    ``T in U(a, b)``, minimising the reduced cost ``sum (c_ij - alpha_i - beta_j) T_ij``. Returns the
    mask (None when none is found within the limits) and whether the MILP over all rows proved that no
    k-sparse plan exists.
    """
    m, n = P.shape
    pos = np.flatnonzero(P.b > 0)
    cand = m if m * n <= MILP_ALL_ROWS else min(m, P.k + 3)
    if cand * pos.size > MILP_MAX_BINARIES:
        return None, False
    idx = topk_last(alpha[None, :] - P.Ct_pos, cand)  # (n+, cand)
    rows = idx.ravel()
    cols = np.repeat(pos, cand)
    nnz = rows.size
    red = P.C[rows, cols] - alpha[rows] - beta[cols]
    cap = np.minimum(P.a[rows], P.b[cols])
    scale = max(float(np.max(P.a)), float(np.max(P.b)))
    # variables [T (nnz), z (nnz)]: marginals, T_e <= cap_e z_e, sum over a column of z <= k
    eye = identity(nnz, format="csr")
    col_of = coo_matrix((np.ones(nnz), (np.repeat(np.arange(pos.size), cand), np.arange(nnz))),
                        shape=(pos.size, nnz))
    A = csr_matrix(vstack([hstack([incidence(rows, cols, m, n), csr_matrix((m + n - 1, nnz))]),
                           hstack([eye, -diags(cap / scale)]),
                           hstack([csr_matrix((pos.size, nnz)), col_of])]))
    target = marginals(P.a, P.b) / scale
    lo = np.concatenate([target, np.full(nnz, -np.inf), np.zeros(pos.size)])
    hi = np.concatenate([target, np.zeros(nnz), np.full(pos.size, float(P.k))])
    c = np.concatenate([red - red.min() + 1e-3, np.zeros(nnz)])
    integrality = np.concatenate([np.zeros(nnz), np.ones(nnz)])
    res = milp(c, constraints=LinearConstraint(A, lo, hi), integrality=integrality,
               bounds=Bounds(np.zeros(2 * nnz), np.concatenate([np.full(nnz, np.inf), np.ones(nnz)])),
               options={"time_limit": MILP_TIME_LIMIT, "disp": False})
    if res.x is None:
        return None, bool(cand == m and res.status == 2)
    z = res.x[nnz:] > 0.5
    mask = np.zeros((m, n), dtype=bool)
    mask[rows[z], cols[z]] = True
    return _fill_to_k(mask, P, idx, pos), False


def _fill_to_k(mask: np.ndarray, P: SparseOTProblem, idx: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Add to every column its best-scored candidates (``idx``, best first) up to k rows.

    A larger k-sparse mask can only lower the polished value. Cost O(n k).
    """
    counts = mask[:, pos].sum(axis=0)
    for r, j in enumerate(pos):
        have = int(counts[r])
        for i in idx[r]:
            if have >= P.k:
                break
            if not mask[i, j]:
                mask[i, j] = True
                have += 1
    return mask


def _fill_with_best_rows(mask: np.ndarray, P: SparseOTProblem, alpha: np.ndarray) -> np.ndarray:
    """Fill every column of ``mask`` (in place) up to k rows with its best rows of ``alpha - c_j``."""
    scores = alpha[None, :] - P.Ct_pos
    idx = topk_last(scores, P.k)
    order = np.argsort(-np.take_along_axis(scores, idx, axis=1), axis=1)
    return _fill_to_k(mask, P, np.take_along_axis(idx, order, axis=1), np.flatnonzero(P.b > 0))


def _hall_repair(P: SparseOTProblem, alpha: np.ndarray, mask: np.ndarray, *,
                 max_swaps: int | None = None) -> np.ndarray | None:
    """Swap rows into the k-sparse ``mask`` until every row can be served by its columns.

    The condition ``sum_{j: (i,j) in mask} b_j >= a_i`` is necessary for feasibility.

    The most deficient row takes a slot in the column where it scores best (``alpha_i - c_ij``)
    among those holding a row that can spare that column (its reach stays >= its mass); the
    spared row with the lowest score leaves. Returns the repaired mask (still k per column), or
    None when no swap helps. O(m n) per swap.
    """
    m, n = P.shape
    mask = mask.copy()
    reach = mask.astype(np.float64) @ P.b
    score = alpha[:, None] - P.C
    limit = 4 * m if max_swaps is None else max_swaps
    for _ in range(limit):
        short = P.a - reach
        i = int(np.argmax(short))
        if short[i] <= 1e-12 * P.a[i]:
            return mask
        # slack of every row if it lost column j: reach_r - b_j - a_r (only rows in column j)
        slack = np.where(mask, reach[:, None] - P.b[None, :] - P.a[:, None], -np.inf)
        slack = np.where(slack >= 0, -score, -np.inf)  # among spare rows, prefer the weakest
        leave = np.argmax(slack, axis=0)
        ok = np.isfinite(slack[leave, np.arange(n)]) & ~mask[i] & (P.b > 0)
        if not np.any(ok):
            return None
        j = int(np.argmax(np.where(ok, score[i], -np.inf)))
        r = int(leave[j])
        mask[r, j], mask[i, j] = False, True
        reach[r] -= P.b[j]
        reach[i] += P.b[j]
    return None


def _emd_mask(P: SparseOTProblem, alpha: np.ndarray, *, rounds: int = 20) -> np.ndarray | None:
    """Return a k-sparse support that carries the marginals, from exact OT plans (any size).

    The exact OT plan (``ot.emd``, a vertex of ``U(a, b)``: at most ``m + n - 1`` nonzeros, about
    two per column for ``m = n``) is computed; in a column with more than k nonzeros the smallest
    entries are forbidden (cost raised above every feasible plan's) and the OT solved again; in
    the second half of the ``rounds`` such a column is limited for good to its k used rows of
    largest mass ``a_i``, so that the rounds cannot cycle. Returns the support filled up to k
    rows per column with the best rows of ``alpha - c_j``, or None (a forbidden entry became
    necessary, or the rounds ran out).
    Cost: a few network-simplex solves.
    """
    m, n = P.shape
    big = 4.0 * (float(np.max(P.C)) - float(np.min(P.C)) + 1.0)
    Cmod = np.array(P.C, dtype=np.float64)
    forbidden = np.zeros((m, n), dtype=bool)
    for r in range(rounds):
        T = np.asarray(ot.emd(P.a, P.b, Cmod, numItermax=100_000_000))
        used = T > 0
        if np.any(used & forbidden) or not np.allclose(T.sum(axis=0), P.b, rtol=0, atol=1e-9):
            return None
        deg = used.sum(axis=0)
        over = np.flatnonzero(deg > P.k)
        if over.size == 0:
            return _fill_with_best_rows(used, P, alpha)
        for j in over:
            rows = np.flatnonzero(used[:, j])
            if r < rounds // 2:  # first forbid the smallest entries of the column
                drop = rows[np.argsort(T[rows, j])[: deg[j] - P.k]]
            else:  # then limit the column to its k used rows of largest mass a_i, for good
                keep = rows[np.argsort(P.a[rows])[-P.k:]]
                drop = np.setdiff1d(np.arange(m), keep)
            forbidden[drop, j] = True
            Cmod[drop, j] = big
    return None


def _chain_plan(P: SparseOTProblem, alpha: np.ndarray, chain: np.ndarray) -> Polished | None:
    """Return a feasible plan on the chain support filled up to k rows per column with the dual's best rows.

    The transport LP on that mask routes the mass through the dual's rows where it can; its basic
    solution has exact flows (:func:`theory.sparse_ot._feasible.forest_plan`). The value is an
    upper bound on ``P_k``, usually loose: this is the last resort, after the mixed-integer LP.
    """
    T = forest_plan(P, _fill_with_best_rows(chain.copy(), P, alpha))
    return None if T is None else _accepted(P, T, alpha, 0)


@dataclass(frozen=True)
class Certificate:
    """Best feasible k-sparse plan found from ``alpha`` (``polished`` None if none).

    Also how its support was obtained (``"top-k"``, ``"hall"``, ``"emd"``, ``"milp"`` or ``"none"``) and
    whether the mixed-integer LP proved that no k-sparse plan exists.
    """

    polished: Polished | None
    route: str
    infeasible: bool = False


def certify(P: SparseOTProblem, alpha: np.ndarray, beta: np.ndarray, *, tol: float, max_iter: int,
            repair: bool = True, cache: dict[str, Any] | None = None) -> Certificate:
    """Return a feasible k-sparse plan from the dual point ``(alpha, beta)`` (module docstring, steps 1-4).

    ``P`` should be normalised (unit mass, costs in [0, 1]); cost O(nk log k) per restricted evaluation,
    one LP, and for small problems one mixed-integer LP. ``cache`` keeps the exact-OT support between
    calls of one run (it does not depend on ``alpha``) and skips the repairs that already failed.
    """
    cache = {} if cache is None else cache
    top = topk_mask(alpha, P)
    pol = _polish(P, top, alpha, tol, max_iter)
    if pol is not None:
        return Certificate(pol, "top-k")
    hall = _hall_repair(P, alpha, top)
    if hall is not None:
        pol = _polish(P, hall, alpha, tol, max_iter)
        if pol is not None:
            return Certificate(pol, "hall")
    if "emd" not in cache:
        cache["emd"] = _emd_mask(P, alpha)
    if cache["emd"] is not None:
        pol = _polish(P, cache["emd"], alpha, tol, max_iter)
        if pol is not None:
            return Certificate(pol, "emd")
    infeasible = False
    if repair and not cache.get("milp_failed", False):
        mask, infeasible = _milp_mask(P, alpha, beta)
        if mask is not None:
            pol = _polish(P, mask, alpha, tol, max_iter)
            if pol is not None:
                return Certificate(pol, "milp")
        cache["milp_failed"] = mask is None
    if P.k >= 2 and not infeasible:
        if "chain" not in cache:
            cache["chain"] = chain_mask(P.a, P.b)
        if cache["chain"] is not None:
            pol = _chain_plan(P, alpha, cache["chain"])
            if pol is not None:
                return Certificate(pol, "chain")
    return Certificate(None, "none", infeasible)


def polish_on_support(a: object, b: object, C: object, gamma: float, mask: object, *,
                      tol: float = 1e-12, max_iter: int = 10000) -> tuple[float, np.ndarray | None]:
    """Solve quadratic OT restricted to a support.

    The problem is ``min <T,C> + (gamma/2)||T||^2``, ``T in U(a,b)``, ``T = 0`` off ``mask``.

    Feasibility is decided first by an LP (HiGHS); then the restricted smooth semi-dual is
    maximised by L-BFGS (masked simplex projection per column) and the plan is scaled to the
    marginals on its support (iterative proportional scaling, zeros stay zero). A k-sparse mask
    yields a feasible k-sparse plan, so the value is an upper bound on ``P_k``. Returns
    ``(inf, None)`` when the support cannot carry the marginals. Cost: one LP plus
    O(nnz log K) per evaluation (K = largest column count of the mask).
    """
    from theory.sparse_ot._problem import normalise

    P = sparse_ot_problem(a, b, C, k=None, gamma=gamma)
    M = np.asarray(mask)
    if M.shape != P.shape:
        raise ValueError(f"mask: expected shape {P.shape}, got {M.shape}")
    M = M.astype(bool)
    Pn, sc = normalise(P)
    pol = _polish(Pn, M, None, tol, max_iter)
    if pol is None:
        return float("inf"), None
    T = sc.mass * pol.plan
    value = float(np.sum(T * P.C) + 0.5 * P.gamma * np.sum(T * T))
    return value, T
