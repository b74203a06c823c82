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

# The one place the version is written: pyproject.toml reads it (setuptools ``attr``), and so do
# the docs, CITATION.cff's check (tests/test_distribution.py) and ``theory --version``.
__version__ = "0.1.0"

__all__ = ["__version__"]
