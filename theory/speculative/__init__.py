"""Multi-draft speculative decoding as optimal transport.

Sources: SpecTr (Sun et al., NeurIPS 2023); Hu et al., "Towards Optimal Multi-draft Speculative
Decoding" (ICLR 2025); Khisti et al. 2024; SpecInfer (recursive rejection sampling); RSD.
Convention: ``target`` = p (large model), ``draft`` = q (small model); pass them as keywords.

Public API: :func:`optimal_acceptance` (exact alpha* for iid, without-replacement and greedy
drafts), :func:`optimal_acceptance_lp` (the set LP, HiGHS), :func:`acceptance_rate` (exact
acceptance of each verification scheme), :func:`output_law` (exact law of the emitted token) and
:func:`simulate` (vectorised Monte Carlo).

Token trees on Markov language models: :func:`expected_accepted` (exact or Monte Carlo expected
accepted tokens of a draft tree; block verification of chains), :func:`emitted_law`,
:func:`sequoia_tree`, :func:`greedy_tree`, :func:`tree_value`, :func:`positional_acceptance` and
:func:`check_lossless` (test any tree verifier by simulation).
:func:`simulate` (vectorised Monte Carlo); at dataset scale, on any array library,
:func:`optimal_acceptance_batch`, :func:`acceptance_rate_batch` and :func:`from_logits`.

Roles: solvers return :class:`theory._result.SolverResult` subclasses; independent routes live in
:mod:`theory.speculative.reference`, reference cases with their exact answers in
:mod:`theory.speculative.instances`, and the registered claims in the package
:mod:`theory.speculative.claims` (one module per topic).
"""

from theory.speculative.batch import acceptance_rate_batch, from_logits, optimal_acceptance_batch
from theory.speculative.coupling import maximal_coupling_acceptance
from theory.speculative.draftsets import DraftSetLaw, draft_set_law, wor_all_in
from theory.speculative.instances import random_pair, synthetic_pair
from theory.speculative.logitfiles import RowReader, save_safetensors, synthetic_logits
from theory.speculative.lossless import LosslessResult, check_lossless, tree_verifier
from theory.speculative.markov import MarkovLM, random_markov_pair
from theory.speculative.montecarlo import SimulationResult, simulate
from theory.speculative.optimal import (
    OptimalAcceptanceResult,
    canonical_is_k2,
    full_lp_acceptance,
    optimal_acceptance,
    optimal_acceptance_lp,
    optimal_subset,
)
from theory.speculative.schemes import KSeqRho, SchemeLaw, acceptance_rate, exact_scheme, kseq_rho, output_law
from theory.speculative.trees import (
    EmittedLaw,
    TreeResult,
    TreeStructure,
    chain_tree,
    emitted_law,
    expected_accepted,
    kary_tree,
    tree_structure,
)
from theory.speculative.treeshape import (
    TreeChoice,
    greedy_tree,
    positional_acceptance,
    sequoia_tree,
    tree_value,
)

__all__ = [
    "DraftSetLaw",
    "OptimalAcceptanceResult",
    "KSeqRho",
    "SchemeLaw",
    "SimulationResult",
    "acceptance_rate",
    "canonical_is_k2",
    "draft_set_law",
    "exact_scheme",
    "full_lp_acceptance",
    "kseq_rho",
    "maximal_coupling_acceptance",
    "optimal_acceptance",
    "optimal_acceptance_lp",
    "optimal_subset",
    "output_law",
    "random_pair",
    "simulate",
    "synthetic_pair",
    "wor_all_in",
    # token trees on Markov language models
    "EmittedLaw",
    "LosslessResult",
    "MarkovLM",
    "TreeChoice",
    "TreeResult",
    "TreeStructure",
    "chain_tree",
    "check_lossless",
    "emitted_law",
    "expected_accepted",
    "greedy_tree",
    "kary_tree",
    "positional_acceptance",
    "random_markov_pair",
    "sequoia_tree",
    "tree_structure",
    "tree_value",
    "tree_verifier",
    "optimal_acceptance_batch",
    "acceptance_rate_batch",
    "from_logits",
    "RowReader",
    "save_safetensors",
    "synthetic_logits",
]
