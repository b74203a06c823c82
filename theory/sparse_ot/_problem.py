"""The validated column-sparse problem and its scale-free normalisation."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from theory._validate import as_cost_matrix, as_int, as_nonnegative, as_positive_float

#: Relative tolerance on ``|sum(a) - sum(b)|``.
MASS_RTOL = 1e-9


@dataclass(frozen=True)
class SparseOTProblem:
    """A validated column-sparse problem.

    Marginals ``a`` (m,), ``b`` (n,), cost ``C`` (m, n), sparsity ``k`` (already clipped to ``m``) and
    regularisation ``gamma > 0``.
    """

    a: np.ndarray
    b: np.ndarray
    C: np.ndarray
    k: int
    gamma: float
    #: ``C^T`` restricted to the columns with ``b_j > 0``, C-contiguous (one plan column per row).
    Ct_pos: np.ndarray = field(init=False, repr=False, compare=False)
    #: ``C^T``, C-contiguous.
    Ct: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        Ct = np.ascontiguousarray(self.C.T)
        pos = self.b > 0
        object.__setattr__(self, "Ct", Ct)
        object.__setattr__(self, "Ct_pos", Ct if np.all(pos) else np.ascontiguousarray(Ct[pos]))

    @property
    def shape(self) -> tuple[int, int]:
        return self.C.shape


def sparse_ot_problem(a: object, b: object, C: object, *, k: int | None, gamma: float) -> SparseOTProblem:
    """Validate ``(a, b, C, k, gamma)`` once at the boundary; ``k=None`` means unconstrained.

    Raises
    ------
    ValueError
        For non-finite or negative marginals, unequal totals (relative ``1e-9``; within it ``b``
        is rescaled by ``sum(a)/sum(b)`` so that the totals match exactly: otherwise the primal
        is empty and the dual unbounded), a zero or overflowing total mass, a cost that is not
        finite or not of shape (m, n), ``k < 1`` or ``gamma <= 0``.
    """
    a_ = as_nonnegative(a, "a", ndim=1)
    b_ = as_nonnegative(b, "b", ndim=1)
    C_ = as_cost_matrix(C, "C", shape=(a_.shape[0], b_.shape[0]))
    sa, sb = float(a_.sum()), float(b_.sum())
    if not np.isfinite(sa) or not np.isfinite(sb):
        raise ValueError(f"a, b: total masses overflow (sum(a)={sa!r}, sum(b)={sb!r}); rescale both")
    if sa <= 0:
        raise ValueError("a: total mass must be positive, got 0")
    if abs(sa - sb) > MASS_RTOL * max(sa, sb):
        raise ValueError(f"a, b: total masses must be equal (relative 1e-9), got sum(a)={sa!r}, "
                         f"sum(b)={sb!r}; rescale one of them")
    if sb != sa:  # within 1e-9: make the totals equal, else U(a, b) is empty and the dual unbounded
        b_ = b_ * (sa / sb)
    m = a_.shape[0]
    kk = m if k is None else min(as_int(k, "k", min_value=1), m)
    g = as_positive_float(gamma, "gamma")
    return SparseOTProblem(a_, b_, C_, kk, g)


@dataclass(frozen=True)
class Scaling:
    """How a problem was normalised.

    ``C = s C_n + u 1^T + 1 v^T``, ``(a, b) = t (a_n, b_n)``, ``gamma = gamma_n s / t``.

    Values map back as ``V = t s V_n + <u, a> + <v, b>``, plans as ``T = t T_n``, potentials as
    ``alpha = s alpha_n + u``, ``beta = s beta_n + v`` (spec Sec. 2.7: shift, cost-scale and mass
    invariances, exact in real arithmetic).
    """

    mass: float
    cost: float
    u: np.ndarray
    v: np.ndarray
    offset: float

    def value(self, v_n: float) -> float:
        return self.mass * self.cost * v_n + self.offset

    def gap(self, g_n: float) -> float:
        return self.mass * self.cost * g_n


def normalise(P: SparseOTProblem) -> tuple[SparseOTProblem, Scaling]:
    """Return the scale-free form of ``P``.

    Unit total mass, cost reduced by its column then row minima (so ``C_n >= 0`` with a zero in every row
    and column) and divided by its largest entry, and ``gamma_n = gamma t / s``. Solving it instead of
    ``P`` keeps every intermediate quantity of order one for marginals of mass ``1e-300`` or costs of size
    ``1e12``. O(mn).

    Raises
    ------
    ValueError
        When ``gamma t / s`` is not a positive finite float (``gamma`` out of range for the data).
    """
    t = float(P.a.sum())
    v = P.C.min(axis=0)
    C1 = P.C - v[None, :]
    u = C1.min(axis=1)
    C2 = C1 - u[:, None]
    s = float(C2.max())
    if not s > 0 or not np.isfinite(P.gamma * (t / s)):
        # constant cost, or a cost range so small (subnormal) against gamma that gamma t / s
        # overflows: the cost term is then < 1e-308 of the regulariser; keep the cost unscaled
        s = 1.0
    g = P.gamma * (t / s)
    if not (np.isfinite(g) and g > 0):
        raise ValueError(f"gamma: gamma * sum(a) / (cost range) = {g!r} is not a positive finite float; "
                         f"rescale gamma, the marginals or the cost")
    Pn = SparseOTProblem(P.a / t, P.b / t, C2 / s, P.k, g)
    offset = float(u @ P.a + v @ P.b)
    return Pn, Scaling(t, s, u, v, offset)
