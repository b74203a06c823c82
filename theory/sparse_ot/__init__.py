"""Sparsity-constrained optimal transport (Liu, Puigcerver, Blondel, ICLR 2023).

Quadratically-regularised OT with at most ``k`` nonzeros per column of the plan, solved through
its convex dual and semi-dual (numpy/scipy, our L-BFGS), with plan recovery and a certificate on
every run (a feasible k-sparse plan polished on the dual's support, and the certified gap), a
brute-force primal for tiny sizes, cvxpy references, the quadratic-OT reference and a toy MoE
router. Public homes by role: :mod:`~theory.sparse_ot.solver` (the solver and its result),
:mod:`~theory.sparse_ot.reference` (independent routes: brute force, cvxpy, exact OT, POT's
trace), :mod:`~theory.sparse_ot.instances` (reference instances with exact answers, instance
families), :mod:`~theory.sparse_ot.claims`. Private modules: ``_problem`` (validation,
normalisation), ``_objectives``, ``_lbfgs``, ``_newton`` (semi-smooth Newton), ``_smoothing``,
``_qot``, ``_certificate``, ``_feasible`` (a feasible support from the masses alone);
:mod:`theory.sparse_ot.solver` re-exports their public names.

Names for POT users (checked against POT 0.9.7, :mod:`ot.smooth`):

============  ==============  ==========================================================
POT           here            meaning
============  ==============  ==========================================================
``a``, ``b``  ``a``, ``b``    marginals (same meaning)
``M``         ``C``           cost matrix
``reg``       ``gamma``       regulariser ``(gamma/2)||T||_F^2`` (same scaling)
``max_nz``    ``k``           nonzeros per column of the plan
============  ==============  ==========================================================

- ``ot.smooth.smooth_ot_semi_dual(a, b, M, reg, reg_type="sparsity_constrained", max_nz=k)``
  corresponds to ``solve_sparse_ot(a, b, C, k=k, gamma=reg)`` (``formulation="semi-dual"``,
  the default), and ``ot.smooth.smooth_ot_dual`` with the same arguments to
  ``solve_sparse_ot(..., formulation="dual")``;
- ``ot.smooth.smooth_ot_semi_dual(a, b, M, reg, reg_type="l2")`` corresponds to
  ``quadratic_ot(a, b, C, gamma=reg)``;
- ``ot.emd2(a, b, M)`` (unregularised OT value) corresponds to ``exact_ot(a, b, C)``.
"""

from theory.sparse_ot.conjugates import conj_topk, ksupport_sq, max_k, proj_sparse_simplex
from theory.sparse_ot.instances import (
    ReferenceInstance,
    gaussian_toy,
    instance_a,
    instance_b,
    uniform_points,
)
from theory.sparse_ot.reference import (
    BruteForceResult,
    DualCvxResult,
    POTTrace,
    RelaxedCvxResult,
    dual_cvx,
    exact_ot,
    pot_semi_dual_trace,
    relaxed_cvx,
    sparse_ot_bruteforce,
)
from theory.sparse_ot.router import RouterResult, compute_capacity, load_statistics, route
from theory.sparse_ot.solver import (
    QuadraticOTResult,
    SparseOTProblem,
    SparseOTResult,
    beta_from_alpha,
    dual_objective,
    plan_from_dual,
    plan_from_semi_dual,
    polish_on_support,
    quadratic_ot,
    relaxed_primal_value,
    semi_dual_objective,
    solve_sparse_ot,
    sparse_ot_problem,
)

__all__ = [
    "BruteForceResult", "DualCvxResult", "POTTrace", "QuadraticOTResult", "ReferenceInstance",
    "RelaxedCvxResult", "RouterResult", "SparseOTProblem",
    "SparseOTResult", "beta_from_alpha", "compute_capacity", "conj_topk", "dual_cvx", "dual_objective",
    "exact_ot", "gaussian_toy", "instance_a", "instance_b", "ksupport_sq", "load_statistics", "max_k",
    "plan_from_dual", "plan_from_semi_dual", "polish_on_support", "pot_semi_dual_trace",
    "proj_sparse_simplex",
    "quadratic_ot", "relaxed_cvx", "relaxed_primal_value", "route", "semi_dual_objective",
    "solve_sparse_ot", "sparse_ot_bruteforce", "sparse_ot_problem", "uniform_points",
]
