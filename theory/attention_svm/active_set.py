r"""Active-set solver of the Frobenius Att-SVM dual for rank-one constraints ``A_k = d_k z_{i_k}^T``.

The Frobenius Att-SVM ``min ||W||_F s.t. <A_k, W> >= 1`` has the dual (a non-negative
least-distance problem)

.. math:: \min_{\lambda \ge 0} \tfrac12 \lambda^\top G \lambda - \mathbf 1^\top \lambda,
          \qquad G_{kl} = \langle A_k, A_l\rangle_F = (d_k^\top d_l)(z_{i_k}^\top z_{i_l}),

with ``W = sum_k lambda_k A_k`` at the optimum. Nothing of size ``d^2 x m`` is ever formed: the
constraints of sample i share its query ``z_i``, so with ``U_i = sum_{k in i} lambda_k d_k``

.. math:: W = U^\top Z \quad (O(m d + n d^2)), \qquad
          \langle A_k, W\rangle = d_k^\top (W z_{i_k}) \quad (O(n d^2 + m d)),

which are the two products every first-order step needs (``m`` constraints, ``n`` samples).

Algorithm. (1) Accelerated projected gradient (FISTA with function-value restart; step ``1/L``,
``L = ||G||_2`` from a power iteration) until its predicted support ``S = {lambda - g/L > 0}``
(``g = G lambda - 1`` the margins minus one) settles. (2) Primal-dual active-set (semi-smooth
Newton) rounds: solve the KKT system ``G_SS lambda_S = 1`` on S by Cholesky (``G_SS`` from the
``s x s`` Gram matrices of the ``d_k`` and of the queries, ``O(s^2 d + s^3)``), refine it
iteratively against the margins recomputed from ``W``, and re-predict S; a round ends the solve
when its multipliers are positive and every margin is ``>= 1 - tol`` with ``|margin - 1| <= tol``
on S, i.e. a KKT certificate. Rounds that do not certify, or a predicted support larger than
``d^2`` and ``SINGULAR_SUPPORT_MIN`` (``G_SS`` is then singular), hand back to (1) from the
better of the two points.
Cost: ``O(K (m d + n d^2) + R (s^2 d + s^3))`` for K gradient steps and R rounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve
from scipy.sparse import csr_matrix

#: Default KKT tolerance of the certificate (margins and complementarity, relative to 1).
KKT_TOL = 1e-12
#: Supports larger than both ``d^2`` and this size get no Newton round: ``G_SS`` (rank <= d^2) is
#: singular there and its factorisation would cost ``O(s^3)`` for nothing (large infeasible
#: problems); smaller singular supports (duplicate constraints) are solved with a ridge.
SINGULAR_SUPPORT_MIN = 2000


@dataclass(frozen=True)
class RankOneConstraints:
    """The operator ``lambda -> W = sum_k lambda_k d_k z_{i_k}^T`` and its adjoint ``W -> <A_k, W>``.

    ``D`` (m, d) holds the token differences, ``Z`` (n, d) the queries, ``sample`` (m,) the sample
    of each constraint.
    """

    D: np.ndarray
    Z: np.ndarray
    sample: np.ndarray

    @property
    def size(self) -> int:
        """Number of constraint rows."""
        return int(self.D.shape[0])

    def _pool(self) -> csr_matrix:
        m = self.size
        return csr_matrix((np.ones(m), (self.sample, np.arange(m))), shape=(self.Z.shape[0], m))

    def matrix(self, lam: np.ndarray, pool: csr_matrix | None = None) -> np.ndarray:
        """``W = sum_k lam_k d_k z_{i_k}^T`` (d, d), cost O(m d + n d^2)."""
        U = (self._pool() if pool is None else pool) @ (lam[:, None] * self.D)
        return np.asarray(U.T @ self.Z)

    def margins(self, W: np.ndarray) -> np.ndarray:
        """``<A_k, W> = d_k^T W z_{i_k}`` (m,), cost O(n d^2 + m d)."""
        V = self.Z @ W.T  # row i: W z_i
        return np.einsum("kd,kd->k", self.D, V[self.sample])

    def gram(self, idx: np.ndarray) -> np.ndarray:
        """``G_SS`` for the constraints ``idx``: ``(D_S D_S^T) * (Z Z^T)[i_S][:, i_S]``."""
        DS = self.D[idx]
        G = DS @ DS.T
        ZZ = self.Z @ self.Z.T
        G *= ZZ[np.ix_(self.sample[idx], self.sample[idx])]
        return G


@dataclass(frozen=True)
class ActiveSetOutcome:
    """Result of :func:`solve_rank_one_ldp` in the units of the constraints given.

    ``status`` is ``"optimal"`` (KKT certificate met) or ``"max_iter"`` (budget spent; ``lam`` is
    the last non-negative iterate and ``W = sum lam A`` exactly). ``n_iter`` counts gradient steps
    plus active-set rounds; ``rounds`` the active-set rounds alone; ``support`` the final |S|.
    """

    status: str
    W: np.ndarray
    lam: np.ndarray
    margins: np.ndarray
    n_iter: int
    rounds: int
    support: int


def _lipschitz(op: RankOneConstraints, pool: csr_matrix, rng: np.random.Generator) -> float:
    """Upper estimate of ``||G||_2`` (power iteration, 30 steps, 10 % margin)."""
    x = np.abs(rng.standard_normal(op.size)) + 1.0
    x /= np.linalg.norm(x)
    est = 0.0
    for _ in range(30):
        y = op.margins(op.matrix(x, pool))
        est = float(np.linalg.norm(y))
        if est == 0.0:
            return 1.0
        x = y / est
    return 1.1 * est


def _objective(W: np.ndarray, lam: np.ndarray) -> float:
    return 0.5 * float(np.vdot(W, W)) - float(lam.sum())


def _newton_solve(op: RankOneConstraints, idx: np.ndarray, pool: csr_matrix, tol: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Solve ``G_SS mu = 1`` by Cholesky (tiny ridge if singular) plus iterative refinement.

    The refinement residual is ``1 - <A_k, W(mu)>`` recomputed through W, the quantity that the
    certificate checks. Returns ``(lam, W, margins)`` on all m constraints, or None.
    """
    G = op.gram(idx)
    diag = float(np.max(np.diag(G))) if idx.size else 1.0
    try:
        factor = cho_factor(G, overwrite_a=False)
    except LinAlgError:
        G[np.diag_indices_from(G)] += 1e-12 * diag  # duplicate or dependent support rows
        try:
            factor = cho_factor(G, overwrite_a=True)
        except LinAlgError:
            return None
    rhs = np.ones(idx.size)
    mu = cho_solve(factor, rhs)
    lam = np.zeros(op.size)
    best: tuple[float, np.ndarray, np.ndarray, np.ndarray] | None = None
    for _ in range(6):
        if not np.all(np.isfinite(mu)):
            break
        lam[:] = 0.0
        lam[idx] = mu
        W = op.matrix(lam, pool)
        marg = op.margins(W)
        res = 1.0 - marg[idx]
        err = float(np.max(np.abs(res))) if idx.size else 0.0
        if best is None or err < best[0]:
            best = (err, lam.copy(), W, marg)
        if err <= 0.1 * tol:
            break
        mu = mu + cho_solve(factor, res)
    if best is None:
        return None
    return best[1], best[2], best[3]


def _certified(lam: np.ndarray, marg: np.ndarray, idx: np.ndarray, tol: float) -> bool:
    if idx.size and float(lam[idx].min()) <= 0.0:
        return False
    if marg.size and float(marg.min()) < 1.0 - tol:
        return False
    return not idx.size or float(np.max(np.abs(marg[idx] - 1.0))) <= tol


def solve_rank_one_ldp(op: RankOneConstraints, *, tol: float = KKT_TOL, max_iter: int = 5000,
                       rounds_per_attempt: int = 8) -> ActiveSetOutcome:
    r"""Minimise ``0.5 ||sum lam_k A_k||_F^2 - sum lam`` over ``lam >= 0`` (see the module doc).

    The constraint rows should be scaled so that ``max_k ||A_k||_F = 1``; the caller decides
    feasibility (an unbounded dual, i.e. 0 in the hull of the ``A_k``, ends in ``"max_iter"``).

    Parameters
    ----------
    op
        The rank-one constraints.
    tol
        KKT tolerance of the certificate: margins ``>= 1 - tol``, ``|margin - 1| <= tol`` on the
        support, multipliers positive there (zero elsewhere, exactly).
    max_iter
        Budget of gradient steps plus active-set rounds.
    rounds_per_attempt
        Active-set rounds before handing back to the gradient phase.

    Returns
    -------
    ActiveSetOutcome
        Cost: ``O(K (m d + n d^2) + R (s^2 d + s^3))`` (K steps, R rounds, support size s).
    """
    m = op.size
    d = op.D.shape[1]
    dim = d * op.Z.shape[1]
    pool = op._pool()
    if m == 0:
        return ActiveSetOutcome("optimal", np.zeros((d, d)), np.zeros(0), np.zeros(0), 0, 0, 0)
    L = _lipschitz(op, pool, np.random.default_rng(0))
    lam = np.zeros(m)
    W = np.zeros((d, d))
    f = 0.0
    y, Wy, t = lam, W, 1.0
    n_iter, rounds = 0, 0
    marg = np.zeros(m)
    phase = 50  # gradient steps before the first active-set attempt
    prev_S: np.ndarray | None = None
    while n_iter < max_iter:
        # (1) accelerated projected gradient, until the predicted support settles
        steps = 0
        while n_iter < max_iter:
            g = op.margins(Wy) - 1.0
            new = np.maximum(y - g / L, 0.0)
            Wn = op.matrix(new, pool)
            fn = _objective(Wn, new)
            n_iter += 1
            steps += 1
            if fn > f:
                if y is lam:  # a plain projected-gradient step went uphill: L was too small
                    L *= 2.0
                y, Wy, t = lam, W, 1.0  # restart the momentum
                continue
            t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            beta = (t - 1.0) / t_next
            y, Wy = new + beta * (new - lam), Wn + beta * (Wn - W)
            lam, W, f, t = new, Wn, fn, t_next
            if steps >= phase and steps % 10 == 0:
                S = np.flatnonzero(lam - (op.margins(W) - 1.0) / L > 0.0)
                if prev_S is not None and np.setxor1d(S, prev_S).size <= max(1, S.size // 500):
                    break
                prev_S = S
        if n_iter >= max_iter:
            break
        # (2) primal-dual active-set rounds on the predicted support
        marg = op.margins(W)
        cur, cur_marg = lam, marg
        seen: set[bytes] = set()
        for _ in range(rounds_per_attempt):
            if n_iter >= max_iter:
                break
            idx = np.flatnonzero(cur - (cur_marg - 1.0) / L > 0.0)
            key = idx.tobytes()
            if key in seen or idx.size > max(dim, SINGULAR_SUPPORT_MIN):  # cycling, or a large singular G_SS
                break
            seen.add(key)
            n_iter += 1
            rounds += 1
            sol = _newton_solve(op, idx, pool, tol)
            if sol is None:
                break
            cur, Wc, cur_marg = sol
            if _certified(cur, cur_marg, idx, tol):
                return ActiveSetOutcome("optimal", Wc, cur, cur_marg, n_iter, rounds, int(idx.size))
        # hand back: restart the gradient phase from the better feasible point
        proj = np.maximum(cur, 0.0)
        Wp = op.matrix(proj, pool)
        fp = _objective(Wp, proj)
        if fp < f:
            lam, W, f = proj, Wp, fp
        y, Wy, t = lam, W, 1.0
        phase *= 2
        prev_S = None
    marg = op.margins(W)
    return ActiveSetOutcome("max_iter", W, lam, marg, n_iter, rounds, int(np.count_nonzero(lam)))
