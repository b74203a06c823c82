"""theory: exact solvers and numeric checks for five results about tokens in language models.

Areas (each a subpackage with its own ``claims`` module):

- :mod:`theory.attention_svm` -- attention as a hard-margin SVM (Tarzanagh et al. 2023).
- :mod:`theory.sparse_ot` -- sparsity-constrained optimal transport (Liu, Puigcerver, Blondel 2023).
- :mod:`theory.speculative` -- multi-draft speculative decoding as optimal transport
  (SpecTr 2023; Hu et al. 2025; Khisti et al. 2024).
- :mod:`theory.tokenization` -- tokenization on k-th order Markov sources
  (Rajaraman, Jiao, Ramchandran 2024).
- :mod:`theory.semantic` -- semantic information measures (Bai 2025).

Run every theorem check with ``theory verify`` (or ``python -m theory verify``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("theory")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
