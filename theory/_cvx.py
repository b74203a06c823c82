"""One way to call cvxpy's conic solvers from library code.

cvxpy warns "Solution may be inaccurate" when a solver ends with status ``optimal_inaccurate``.
Library code never prints: every caller reads ``prob.status`` (and, where it matters, a
certificate such as a duality gap or KKT residual) and reports it in its result instead.
"""

from __future__ import annotations

import warnings
from typing import Any


def solve(prob: Any, solver: str = "CLARABEL", **options: Any) -> str:
    """Solve the cvxpy problem ``prob`` with ``solver`` and return ``prob.status``.

    Solver errors (``cvxpy.error.SolverError``) propagate to the caller.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Solution may be inaccurate")
        prob.solve(solver=solver, **options)
    return str(prob.status)
