"""Registered claims of :mod:`theory.semantic`, one module per topic.

Every check compares two independent routes or a computed value with a closed form, and returns
the worst violation over its instances. Importing this package registers every claim (the
registry imports ``theory.semantic.claims``), topic by topic in the order of :data:`TOPICS`,
which is the order of the claims in reports.
"""

from __future__ import annotations

import importlib

#: Topic modules, in registration order.
TOPICS: tuple[str, ...] = ("rate_distortion", "directed", "sequential", "reward", "tokens")

for _topic in TOPICS:
    importlib.import_module(f"{__name__}.{_topic}")
