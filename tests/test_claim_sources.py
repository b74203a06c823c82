"""Every registered claim's ``source=`` names references a reader can follow.

The rule: a source is ``"; "``-separated items, each ``<bibkey>`` or ``<bibkey>, <locator>``, where
``bibkey`` is a key of ``paper/refs.bib`` or the pseudo-key ``derived`` (derived in this package;
its locator names where, e.g. ``derived, theory.semantic.flow``). No source cites the project's
"spec" notes (not in the repository); a reading the project proposed is marked ``[proposed]`` in
the claim's statement instead.

Every area is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from theory.claims import AREAS, registry

BIB = Path(__file__).resolve().parents[1] / "paper" / "refs.bib"
_ENTRY = re.compile(r"^@(\w+)\s*\{\s*([^,\s]+)\s*,", re.MULTILINE)
_SPEC = re.compile(r"\bspec\b", re.IGNORECASE)


def bib_keys(text: str) -> set[str]:
    """Keys of the entries of a BibTeX file (``@comment``/``@string``/``@preamble`` excluded)."""
    return {key for kind, key in _ENTRY.findall(text)
            if kind.lower() not in {"comment", "string", "preamble"}}


def source_problems(source: str, keys: set[str]) -> list[str]:
    """What is wrong with one ``source=`` string under the rule of the module docstring."""
    problems = []
    if _SPEC.search(source):
        problems.append("cites a 'spec' document")
    for item in source.split("; "):
        key, sep, locator = item.partition(", ")
        if key != key.strip() or not key:
            problems.append(f"item {item!r}: empty key or stray whitespace")
        elif key == "derived":
            if not locator.strip():
                problems.append(f"item {item!r}: 'derived' needs a locator naming where")
        elif key not in keys:
            problems.append(f"item {item!r}: {key!r} is not a key of paper/refs.bib")
        if sep and not locator.strip():
            problems.append(f"item {item!r}: empty locator")
        if ";" in locator:
            problems.append(f"item {item!r}: separate items with '; ' (semicolon and space)")
    return problems


@pytest.fixture(scope="module")
def keys() -> set[str]:
    return bib_keys(BIB.read_text(encoding="utf-8"))


def test_bib_parses(keys):
    assert {"blahut1972computation", "tarzanagh2023svm", "bai2025forget"} <= keys
    assert "derived" not in keys


def test_rule_rejects_bad_sources(keys):
    assert source_problems("cover2006elements, Thm 10.3.1", keys) == []
    assert source_problems("blahut1972computation; derived, theory.semantic._causal", keys) == []
    assert source_problems("Cover & Thomas Thm 10.3.1", keys)          # not a key
    assert source_problems("blahut1972computation; spec T1", keys)     # cites the spec
    assert source_problems("derived", keys)                             # no locator
    assert source_problems("cover2006elements,", keys)                  # stray comma
    assert source_problems("cover2006elements;blahut1972computation", keys)


@pytest.mark.parametrize("area", AREAS)
def test_claim_sources_follow_the_rule(area, keys):
    claims = [c for c in registry().values() if c.area == area]
    assert claims, f"no claims registered for {area}"
    bad = {c.id: p for c in claims if (p := source_problems(c.source, keys))}
    assert bad == {}


@pytest.mark.parametrize("area", AREAS)
def test_statements_do_not_cite_the_spec(area):
    bad = [c.id for c in registry().values() if c.area == area and _SPEC.search(c.statement)]
    assert bad == []
