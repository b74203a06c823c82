"""Multi-draft speculative decoding as optimal transport.

Sources: SpecTr (Sun et al., NeurIPS 2023); Hu et al., "Towards Optimal Multi-draft Speculative
Decoding" (ICLR 2025); Khisti et al. 2024. Convention: ``target`` = p (large model),
``draft`` = q (small model).
"""

from theory.speculative.coupling import maximal_coupling_acceptance

__all__ = ["maximal_coupling_acceptance"]
