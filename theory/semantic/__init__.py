"""Semantic information theory on finite alphabets (Bai 2025, "Forget BIT, It is All about TOKEN").

Exact solvers for the measures named in the paper's abstract, with the classical machinery they
rest on: Blahut-Arimoto rate-distortion with certified bounds and a convex-program route
(:mod:`~theory.semantic.rate_distortion`); mutual, directed and feedback information, transfer
entropy (:mod:`~theory.semantic.info`); nonanticipative, block and feed-forward RDFs
(:mod:`~theory.semantic.sequential`); rate-reward, directed rate-reward and KL-regularised RL
(:mod:`~theory.semantic.reward`); the information bottleneck (:mod:`~theory.semantic.bottleneck`);
semantic information flow as a sub-martingale (:mod:`~theory.semantic.flow`); token-level
identities and constants (:mod:`~theory.semantic.tokens`). Units: bits; slopes ``beta`` in nats per
unit distortion or reward. Only the paper's abstracts could be read: the definitions that stand
for its named objects are marked "[proposed definition]" in their docstrings.
"""

from theory.semantic.bottleneck import IBResult, dsbs, gerber_bound, ib_dsbs, information_bottleneck
from theory.semantic.flow import (
    FlowDrifts,
    sample_flow_paths,
    semantic_flow,
    semantic_flow_drifts,
    semantic_joint,
)
from theory.semantic.info import (
    GaussianTE,
    causal_conditioning,
    directed_information,
    directed_information_terms,
    feedback_information,
    gaussian_transfer_entropy,
    mutual_information,
    transfer_entropy,
)
from theory.semantic.rate_distortion import (
    CapacityResult,
    RDProblem,
    RDResult,
    Waterfilling,
    blahut_arimoto,
    channel_capacity,
    rate_distortion,
    rd_binary_hamming,
    rd_curve,
    rd_hamming_slb,
    rd_logloss,
    reverse_waterfilling,
)
from theory.semantic.reward import (
    DirectedRateRewardResult,
    RateRewardResult,
    directed_rate_reward,
    free_energy,
    kl_regularized_value,
    open_loop_value,
    rate_reward,
)
from theory.semantic.sequential import (
    NRDFResult,
    block_rate_distortion,
    bsms_nrdf,
    feedforward_rate_distortion,
    markov_source,
    nonanticipative_rate_distortion,
    nrdf_ba,
)
from theory.semantic.tokens import elbo, gardner_capacity, sequence_cross_entropy

__all__ = [
    "CapacityResult", "DirectedRateRewardResult", "FlowDrifts", "GaussianTE", "IBResult", "NRDFResult",
    "RDProblem", "RDResult", "RateRewardResult", "Waterfilling", "blahut_arimoto", "block_rate_distortion",
    "bsms_nrdf", "causal_conditioning", "channel_capacity", "directed_information",
    "directed_information_terms", "directed_rate_reward", "dsbs", "elbo", "feedback_information",
    "feedforward_rate_distortion", "free_energy", "gardner_capacity", "gaussian_transfer_entropy",
    "gerber_bound", "ib_dsbs", "information_bottleneck", "kl_regularized_value", "markov_source",
    "mutual_information", "nonanticipative_rate_distortion", "nrdf_ba", "open_loop_value",
    "rate_distortion", "rate_reward", "rd_binary_hamming", "rd_curve", "rd_hamming_slb", "rd_logloss",
    "reverse_waterfilling", "sample_flow_paths", "semantic_flow", "semantic_flow_drifts",
    "semantic_joint", "sequence_cross_entropy", "transfer_entropy",
]
