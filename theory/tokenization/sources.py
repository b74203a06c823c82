"""k-th order Markov sources over the alphabet {0, ..., V-1}.

``P(x_n = a | x_1^{n-1}) = cond[idx(s), a]`` with ``s = x_{n-k}^{n-1}`` and
``idx(s) = sum_j s_j V^(k-1-j)`` (``s_0`` the oldest symbol, the most significant digit), the
convention of Makkuva et al., "Attention with Markov" (arXiv 2402.04161). Natural logarithms.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np
from scipy.special import xlogy

from theory._info import entropy
from theory._rng import RngLike, as_generator
from theory._validate import as_float_array, as_int, as_stochastic_matrix, as_unit_float
from theory.tokenization._chain import long_run_law


def binary_entropy(p: float) -> float:
    """``h(p) = -p log p - (1-p) log(1-p)`` in nats, for ``p`` in [0, 1]."""
    p = as_unit_float(p, "p")
    return entropy(np.array([p, 1.0 - p]))


class MarkovSource:
    """A stationary k-th order Markov source.

    Parameters
    ----------
    cond
        Conditional law, shape ``(V**k, V)``; row ``idx(s)`` is ``P(. | s)``, contexts indexed with
        the oldest symbol most significant. Rows must sum to 1 within 1e-9.
    k
        The order, ``k >= 1``.

    Raises
    ------
    ValueError
        If ``cond`` is not row-stochastic, its shape does not match ``k``, or its lifted chain has
        several closed classes (the stationary law would not be unique).

    Notes
    -----
    The lifted chain on contexts moves ``s -> (s V + a) mod V^k`` with probability ``P(a|s)``; its
    stationary law ``mu`` is the law of ``X_1^k`` (Cover & Thomas, ch. 4). Construction costs one
    sparse LU on ``V^k`` states.
    """

    def __init__(self, cond: np.ndarray, k: int) -> None:
        self.k = as_int(k, "k", min_value=1)
        P = as_float_array(cond, "cond", ndim=2)
        V = P.shape[1]
        if V < 2:
            raise ValueError(f"cond: the alphabet needs at least 2 symbols, got shape {P.shape}")
        if self.k * np.log(V) > np.log(P.shape[0]) + 1e-9:  # V**k would be a huge integer
            raise ValueError(f"k: expected V**k = {P.shape[0]} contexts from cond's shape {P.shape}, "
                             f"got k={self.k}")
        if P.shape[0] != V ** self.k:
            raise ValueError(f"cond: expected shape (V**k, V) = ({V ** self.k}, {V}) for k={self.k}, "
                             f"got {P.shape}")
        self.cond = as_stochastic_matrix(P, "cond")
        self.cond.setflags(write=False)
        self.V = V
        self.n_ctx = V ** self.k
        self._mu = self._solve_stationary()

    # ----------------------------------------------------------------------------- factories
    @classmethod
    def switching(cls, k: int, p: float, q: float) -> MarkovSource:
        """k-th order switching source ``sw(k; p, q)``: ``x_n`` depends only on ``x_{n-k}``.

        Row ``idx(s)`` is ``[1-p, p]`` when ``s_0 = 0`` and ``[q, 1-q]`` when ``s_0 = 1``, so the
        source is k interleaved copies of the first-order chain ``[[1-p, p], [q, 1-q]]``.
        """
        k = as_int(k, "k", min_value=1)
        for name, v in (("p", p), ("q", q)):
            if not isinstance(v, (int, float, np.floating, np.integer)) or not 0.0 <= float(v) <= 1.0:
                raise ValueError(f"{name}: must be a probability in [0, 1], got {v!r}")
        if p + q == 0:
            raise ValueError("p, q: p = q = 0 gives two absorbing states; the stationary law is not "
                             "unique")
        oldest = np.arange(2 ** k) >> (k - 1)
        cond = np.where(oldest[:, None] == 0, [1.0 - p, float(p)], [float(q), 1.0 - q])
        return cls(cond, k)

    @classmethod
    def random(cls, k: int, V: int, rng: RngLike = None,
               min_prob: float = 0.0) -> MarkovSource:
        """Random source: rows ``min_prob + (1 - V min_prob) Dirichlet(1, ..., 1)``.

        For ``V = 2`` and ``min_prob = 0`` this draws ``P(1|s) ~ U(0, 1)`` per context (Makkuva et
        al.). ``0 <= min_prob < 1/V``.
        """
        k = as_int(k, "k", min_value=1)
        V = as_int(V, "V", min_value=2)
        if not 0.0 <= min_prob < 1.0 / V:
            raise ValueError(f"min_prob: must lie in [0, 1/V) = [0, {1.0 / V:g}), got {min_prob!r}")
        g = as_generator(rng)
        rows = g.dirichlet(np.ones(V), size=V ** k)
        return cls(min_prob + (1.0 - V * min_prob) * rows, k)

    # ----------------------------------------------------------------------------- laws
    def next_context(self, s: int, a: int) -> int:
        """Context after reading ``a`` in context ``s``: ``(s V + a) mod V^k``."""
        return (s * self.V + a) % self.n_ctx

    def lifted_matrix(self) -> np.ndarray:
        """Dense transition matrix of the lifted chain on contexts, shape ``(V^k, V^k)``."""
        T = np.zeros((self.n_ctx, self.n_ctx))
        s = np.arange(self.n_ctx)
        for a in range(self.V):
            T[s, (s * self.V + a) % self.n_ctx] += self.cond[:, a]
        return T

    def _solve_stationary(self) -> np.ndarray:
        s = np.repeat(np.arange(self.n_ctx), self.V)
        a = np.tile(np.arange(self.V), self.n_ctx)
        p = self.cond.ravel()
        keep = p > 0
        mu, _ = long_run_law(s[keep], ((s * self.V + a) % self.n_ctx)[keep], p[keep], self.n_ctx, None)
        mu.setflags(write=False)
        return mu

    def stationary(self) -> np.ndarray:
        """Stationary law ``mu`` of the context ``X_1^k``, shape ``(V^k,)``: ``mu T = mu``."""
        return self._mu.copy()

    def char_marginal(self) -> np.ndarray:
        """Stationary character law ``pi(a) = sum_{s mod V = a} mu(s)``, shape ``(V,)``."""
        return self._mu.reshape(-1, self.V).sum(axis=0)

    def entropy_rate(self) -> float:
        """``H_inf = sum_s mu(s) H(P(.|s))`` in nats per character."""
        return float(-(self._mu[:, None] * xlogy(self.cond, self.cond)).sum())

    def block_entropy(self, r: int) -> float:
        """Total entropy ``H(X_1^r)`` of r consecutive symbols (nats, not per symbol).

        ``H(mu) + (r - k) H_inf`` for ``r >= k``; for ``r < k`` the entropy of ``mu``'s marginal
        on its last r symbols. Cost O(V^k).
        """
        r = as_int(r, "r", min_value=0)
        if r == 0:
            return 0.0
        if r >= self.k:
            return entropy(self._mu) + (r - self.k) * self.entropy_rate()
        marg = self._mu.reshape(self.V ** (self.k - r), self.V ** r).sum(axis=0)
        return entropy(marg)

    def cond_entropy(self, j: int) -> float:
        """``H(X_j | X_1^{j-1})``: the best character j-gram loss (``H(pi)`` for j = 1)."""
        j = as_int(j, "j", min_value=1)
        return self.block_entropy(j) - self.block_entropy(j - 1)

    def min_transition_prob(self) -> float:
        """``delta = min_{s: mu(s) > 0, a} P(a|s)``."""
        return float(self.cond[self._mu > 0].min())

    def string_prob(self, s: Sequence[int], ctx: int | None = None) -> np.ndarray | float:
        """Return ``P(x_1^{|s|} = s | context)``.

        For all contexts (array of shape ``(V^k,)``) when ``ctx`` is None, else for context index ``ctx``.
        Cost O(V^k |s|).
        """
        sym = self._check_symbols(s, "s")
        ctxs = np.arange(self.n_ctx) if ctx is None else np.array([as_int(ctx, "ctx", min_value=0,
                                                                          max_value=self.n_ctx - 1)])
        prob = np.ones(len(ctxs))
        for a in sym:
            prob = prob * self.cond[ctxs, a]
            ctxs = (ctxs * self.V + a) % self.n_ctx
        return prob if ctx is None else float(prob[0])

    def _check_symbols(self, x: Sequence[int] | np.ndarray, name: str) -> list[int]:
        arr = np.asarray(x)
        if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
            raise ValueError(f"{name}: expected a 1-d sequence of integer symbols, got {arr.dtype} "
                             f"shape {arr.shape}")
        if arr.size and (arr.min() < 0 or arr.max() >= self.V):
            raise ValueError(f"{name}: symbols must lie in 0..{self.V - 1}")
        return [int(v) for v in arr]

    # ----------------------------------------------------------------------------- sampling
    def sample(self, m: int, rng: RngLike = None) -> np.ndarray:
        """Return a stationary sample ``X_1^m`` (int64 array).

        The first k symbols from ``mu``, then the kernel. Cost O(m log V) in a Python loop (about 0.3 us
        per symbol).
        """
        m = as_int(m, "m", min_value=1)
        g = as_generator(rng)
        V, k, n_ctx = self.V, self.k, self.n_ctx
        s = int(g.choice(n_ctx, p=self._mu))
        digits = [(s // V ** (k - 1 - j)) % V for j in range(k)]
        out = np.empty(max(m, k), dtype=np.int64)
        out[:k] = digits
        u = g.random(max(m - k, 0)).tolist()
        res = out[:k].tolist()
        if V == 2:
            p1 = self.cond[:, 1].tolist()
            for ui in u:
                a = 1 if ui < p1[s] else 0
                res.append(a)
                s = (2 * s + a) % n_ctx
        else:
            cum = np.cumsum(self.cond, axis=1)
            cum[:, -1] = np.inf  # guards round-off in the last cumulative sum
            cums = cum.tolist()
            for ui in u:
                a = bisect.bisect_right(cums[s], ui)
                res.append(a)
                s = (s * V + a) % n_ctx
        out[:] = res
        return out[:m]

    def __repr__(self) -> str:
        """Show the alphabet size and the order."""
        return f"MarkovSource(V={self.V}, k={self.k})"
