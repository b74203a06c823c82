"""Registered claims of :mod:`theory.speculative`, one module per topic.

Random instances: p, q ~ Dirichlet(0.5), seeded, with exact zeros and ties in p/q mixed in
(:func:`theory.speculative.instances.random_tied_pair`). Claims that mix exact routes (tolerance
1e-12) with LP routes (HiGHS, tolerance 1e-7) measure the worst error in units of its own
tolerance and pass at ``<= 1``. The registry imports this package; importing it registers every
topic module below, in this order.
"""

from theory.speculative.claims import optimal, schemes, montecarlo, properties, batch, trees  # noqa: I001

__all__ = ["batch", "montecarlo", "optimal", "properties", "schemes", "trees"]
