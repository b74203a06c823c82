"""The rate-distortion problem and result types, shared by the BA solver and the reference route.

Re-exported by :mod:`theory.semantic.rate_distortion` (their documented home) and by
:mod:`theory.semantic.reference`, so that both routes build the same types.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory._info import LN2, channel_mutual_information
from theory._result import SolverResult
from theory._validate import as_positive_float
from theory.semantic._alias import RateAlias
from theory.semantic.blahut import validate_rd

#: Default tolerance on |D_beta - D| in the bisection on beta.
D_TOL = 1e-12


@dataclass(frozen=True, eq=False)
class RDProblem:
    """A validated rate-distortion problem: source law ``p`` and distortion matrix ``d``.

    Build it once and hand it to :func:`rate_distortion` (any ``method``) in place of ``(p, d)``;
    each result keeps it as ``result.problem``. The arrays are validated on construction (a pmf
    and a finite non-negative matrix with ``|X|`` rows) and stored read-only.

    Attributes
    ----------
    p
        Source pmf, shape ``(|X|,)``.
    d
        Distortion matrix, shape ``(|X|, |Y|)``.
    """

    p: np.ndarray
    d: np.ndarray

    def __post_init__(self) -> None:
        """Validate ``p`` and ``d`` and store read-only copies."""
        p, d = validate_rd(self.p, self.d)
        p, d = p.copy(), d.copy()
        p.flags.writeable = False
        d.flags.writeable = False
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "d", d)

    @property
    def D_max(self) -> float:
        """``min_y sum_x p(x) d(x, y)``: the smallest distortion at rate 0."""
        return float((self.p @ self.d).min())

    @property
    def D_min(self) -> float:
        """``sum_x p(x) min_y d(x, y)``: the smallest achievable distortion."""
        return float(np.dot(self.p, self.d.min(axis=1)))

    def distortion(self, W: np.ndarray) -> float:
        """``E d(X, Y)`` of a test channel ``W`` (rows q(.|x)); not validated."""
        return float(np.sum(self.p[:, None] * W * self.d))

    def rate(self, W: np.ndarray) -> float:
        """``I(X; Y)`` in bits of a test channel ``W``; not validated."""
        return channel_mutual_information(self.p, W) / LN2


@dataclass(frozen=True)
class RDResult(RateAlias, SolverResult):
    """Result of :func:`rate_distortion` (a :class:`theory._result.SolverResult`).

    Attributes
    ----------
    value
        ``R(D)``: I(X; Y) of the returned test channel, bits (``inf`` when infeasible). Alias:
        ``rate``.
    status
        ``"optimal"``, ``"zero_rate"``, ``"infeasible"`` or ``"max_iter"`` (and the cvxpy status
        for cvx).
    converged
        True when a decision was certified: ``"optimal"``, ``"zero_rate"`` or ``"infeasible"``.
    n_iter
        Total BA iterations (0 for cvx).
    diagnostics
        ``evals`` (bisection evaluations), ``time_shared`` (weight of the time-sharing, when
        used), ``D_min`` (infeasible), ``objective_bits`` (cvx).
    distortion
        E d(X, Y) of the test channel.
    beta
        Slope in nats per unit distortion (``-dR/dD`` in nats); cvx: the dual value.
    test_channel
        q(y|x), shape (|X|, |Y|).
    lower_bound
        Blahut lower bound on R at the requested D (bits); for cvx, evaluated at its output law.
    output_law
        q(y).
    gap
        Upper minus lower Blahut bound at the final iterate (bits).
    problem
        The :class:`RDProblem` solved (``joint`` and ``distortion_error`` derive from it).
    """

    distortion: float
    beta: float
    test_channel: np.ndarray
    lower_bound: float
    output_law: np.ndarray
    gap: float
    problem: RDProblem | None = None

    @property
    def joint(self) -> np.ndarray:
        """Joint law ``p(x) q(y|x)`` of source and reproduction (needs ``problem``)."""
        if self.problem is None:
            raise ValueError("problem: this result was built without its problem")
        return self.problem.p[:, None] * self.test_channel

    @property
    def distortion_error(self) -> float:
        """``|E d - distortion|`` recomputed from the problem: 0 up to rounding for a sound result."""
        if self.problem is None:
            raise ValueError("problem: this result was built without its problem")
        return abs(self.problem.distortion(self.test_channel) - self.distortion)


#: Statuses of :class:`RDResult` that certify a decision (``converged=True``).
DECIDED = frozenset({"optimal", "zero_rate", "infeasible"})


def as_rd_problem(p: object, d: object) -> RDProblem:
    """``p`` when it is an :class:`RDProblem` (``d`` must then be None), else ``RDProblem(p, d)``."""
    if isinstance(p, RDProblem):
        if d is not None:
            raise ValueError("d: omit d when p is an RDProblem (it holds the distortion)")
        return p
    if d is None:
        raise ValueError("d: missing; pass the distortion matrix d, or an RDProblem as p")
    return RDProblem(p, d)  # type: ignore[arg-type]


def check_target(D: float | None, beta: float | None) -> tuple[float | None, float | None]:
    """Validate exactly one of a target distortion ``D >= 0`` and a slope ``beta >= 0``."""
    if (D is None) == (beta is None):
        raise ValueError("D, beta: give exactly one of D (target distortion) or beta (slope)")
    Dv = as_positive_float(D, "D", allow_zero=True) if D is not None else None
    bv = as_positive_float(beta, "beta", allow_zero=True) if beta is not None else None
    return Dv, bv


def zero_rate(p: np.ndarray, d: np.ndarray, status: str = "zero_rate") -> RDResult:
    """Return the rate-0 channel onto ``argmin_y sum_x p(x) d(x, y)`` (also the infeasible shape)."""
    col = p @ d
    j = int(np.argmin(col))
    W = np.zeros_like(d)
    W[:, j] = 1.0
    q = np.zeros(d.shape[1])
    q[j] = 1.0
    return RDResult(value=0.0, distortion=float(col[j]), beta=0.0, test_channel=W, lower_bound=0.0,
                    n_iter=0, output_law=q, gap=0.0, status=status,
                    converged=status in DECIDED)


