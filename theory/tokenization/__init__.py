"""Tokenization on k-th order Markov sources: exact token-model losses per character.

Source: Rajaraman, Jiao & Ramchandran, "Toward a Theory of Tokenization in LLMs" (arXiv 2404.08335;
NeurIPS 2024 "An Analysis of Tokenization: Transformers under Markov Data"); sources from Makkuva
et al., "Attention with Markov" (arXiv 2402.04161). Natural logarithms; losses in nats per
character.

Roles: results are :class:`theory._result.SolverResult` subclasses; independent routes (string
enumeration, recount BPE, scan-every-token greedy) live in :mod:`theory.tokenization.reference`,
reference instances with their exact answers in :mod:`theory.tokenization.instances`.
"""

from theory.tokenization.losses import (
    LossResult,
    RenewalChain,
    TokenRates,
    ngram_loss,
    renewal_chain,
    token_rates_exact,
    unigram_loss,
)
from theory.tokenization.sources import MarkovSource, binary_entropy
from theory.tokenization.tokenizers import (
    BPETokenizer,
    GreedyTokenizer,
    MergeTransducer,
    fixed_length_dictionary,
    heavy_hitter_dictionary,
    is_complete_prefix_free,
    lz78_dictionary,
    lzw_dictionary,
)

__all__ = [
    "BPETokenizer",
    "GreedyTokenizer",
    "LossResult",
    "MarkovSource",
    "MergeTransducer",
    "RenewalChain",
    "TokenRates",
    "binary_entropy",
    "fixed_length_dictionary",
    "heavy_hitter_dictionary",
    "is_complete_prefix_free",
    "lz78_dictionary",
    "lzw_dictionary",
    "ngram_loss",
    "renewal_chain",
    "token_rates_exact",
    "unigram_loss",
]
