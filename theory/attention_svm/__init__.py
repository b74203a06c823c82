"""Attention as a hard-margin SVM: Att-SVM solvers, token selection and a gradient-descent simulator.

Sources: Tarzanagh, Li, Thrampoulidis, Oymak, "Transformers as Support Vector Machines"
(arXiv 2308.16898); Tarzanagh, Li, Zhang, Oymak, "Max-Margin Token Selection in Attention
Mechanism" (NeurIPS 2023, arXiv 2306.13596). Convention: logits ``x_it^T W z_i``, ``W = K Q^T``.
"""

from theory.attention_svm.data import random_instance
from theory.attention_svm.dynamics import (
    Head,
    Trajectory,
    attention_softmax,
    classify,
    excess_loss,
    loss_and_gradient,
    make_head,
    regularization_path,
    train_attention,
)
from theory.attention_svm.equivalence import SVMEquivalence, svm_equivalence
from theory.attention_svm.instances import AttentionInstance, reference_instance
from theory.attention_svm.svm import (
    AttSVMProblem,
    AttSVMResult,
    FlatQueries,
    correlation,
    enumerate_alphas,
    flatten_queries,
    is_feasible,
    is_locally_optimal,
    optimal_tokens,
    solve_att_svm,
    solve_att_svm_cvxpy,
    token_scores,
)

__all__ = [
    "AttSVMProblem",
    "AttSVMResult",
    "AttentionInstance",
    "FlatQueries",
    "Head",
    "SVMEquivalence",
    "Trajectory",
    "attention_softmax",
    "classify",
    "correlation",
    "enumerate_alphas",
    "excess_loss",
    "flatten_queries",
    "is_feasible",
    "is_locally_optimal",
    "loss_and_gradient",
    "make_head",
    "optimal_tokens",
    "random_instance",
    "reference_instance",
    "regularization_path",
    "solve_att_svm",
    "solve_att_svm_cvxpy",
    "svm_equivalence",
    "token_scores",
    "train_attention",
]
