"""Multi-draft speculative decoding as optimal transport.

Sources: SpecTr (Sun et al., NeurIPS 2023); Hu et al., "Towards Optimal Multi-draft Speculative
Decoding" (ICLR 2025); Khisti et al. 2024; SpecInfer (recursive rejection sampling); RSD.
Convention: ``target`` = p (large model), ``draft`` = q (small model); pass them as keywords.

Public API: :func:`optimal_acceptance` (exact alpha* for iid, without-replacement and greedy
drafts), :func:`optimal_acceptance_lp` (the set LP, HiGHS), :func:`acceptance_rate` (exact
acceptance of each verification scheme), :func:`output_law` (exact law of the emitted token) and
:func:`simulate` (vectorised Monte Carlo); at dataset scale, on any array library,
:func:`optimal_acceptance_batch`, :func:`acceptance_rate_batch` and :func:`from_logits`.
"""

from theory.speculative.batch import acceptance_rate_batch, from_logits, optimal_acceptance_batch
from theory.speculative.coupling import maximal_coupling_acceptance
from theory.speculative.draftsets import DraftSetLaw, draft_set_law, wor_all_in
from theory.speculative.instances import random_pair, synthetic_pair
from theory.speculative.logitfiles import RowReader, save_safetensors, synthetic_logits
from theory.speculative.montecarlo import SimulationResult, simulate
from theory.speculative.optimal import (
    OptimalAcceptanceResult,
    canonical_is_k2,
    full_lp_acceptance,
    optimal_acceptance,
    optimal_acceptance_lp,
    optimal_subset,
)
from theory.speculative.schemes import SchemeLaw, acceptance_rate, exact_scheme, kseq_rho, output_law

__all__ = [
    "DraftSetLaw",
    "OptimalAcceptanceResult",
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
    "optimal_acceptance_batch",
    "acceptance_rate_batch",
    "from_logits",
    "RowReader",
    "save_safetensors",
    "synthetic_logits",
]
