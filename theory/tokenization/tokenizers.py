"""Tokenizers on integer alphabets: greedy longest match, sequential BPE, and dictionary builders.

Tokens are tuples of ints and decoding is concatenation. Two encoders:

* :class:`GreedyTokenizer`: left-to-right longest match over a dictionary that holds every single
  symbol or is complete prefix-free (the "LZW tokenizer" is an LZW vocabulary plus greedy).
* :class:`BPETokenizer`: sequential merges (Gage 1994; Sennrich et al. 2016), trained with a pinned
  convention: overlapping pair counts, ties to the lexicographically smallest (left, right) pair of
  token tuples, merges applied left to right without overlap.

Builders (each returns the list of tokens, alphabet included): :func:`lz78_dictionary`,
:func:`lzw_dictionary`, :func:`fixed_length_dictionary`, :func:`heavy_hitter_dictionary`.

The implementation lives in private modules (:mod:`._tokens`, :mod:`._greedy`, :mod:`._bpe`,
:mod:`._dictionaries`); every public name is re-exported here and by :mod:`theory.tokenization`.
"""

from theory.tokenization._bpe import BPETokenizer, MergeTransducer
from theory.tokenization._dictionaries import (
    fixed_length_dictionary,
    heavy_hitter_dictionary,
    lz78_dictionary,
    lzw_dictionary,
)
from theory.tokenization._greedy import GreedyTokenizer
from theory.tokenization._tokens import MAX_TOKENS, Token, as_symbols, is_complete_prefix_free

__all__ = [
    "MAX_TOKENS",
    "BPETokenizer",
    "GreedyTokenizer",
    "MergeTransducer",
    "Token",
    "as_symbols",
    "fixed_length_dictionary",
    "heavy_hitter_dictionary",
    "is_complete_prefix_free",
    "lz78_dictionary",
    "lzw_dictionary",
]
