"""The documentation sources (no build needed; ``make docs-check`` tests the built site).

The API pages are generated from each area's ``__all__``: a name added there is documented at
the next build, and ``docs/tests/test_site.py`` checks the built inventory against ``__all__``.
"""

from __future__ import annotations

import importlib
import re
import sys
import textwrap
from pathlib import Path

import pytest

from theory.claims import AREAS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
theory_docs = importlib.import_module("theory_docs")

AREA_PKGS = [a for a in AREAS if importlib.util.find_spec(f"theory.{a}") is not None]


@pytest.mark.parametrize("area", AREA_PKGS)
def test_api_page_lists_exactly_the_public_names(area):
    page = theory_docs.api_page(area)
    listed = re.findall(r"^   (\w+)$", page.split(".. autosummary::")[1], flags=re.MULTILINE)
    assert sorted(listed) == sorted(importlib.import_module(f"theory.{area}").__all__)


def test_areas_come_from_the_registry():
    assert theory_docs.areas() == AREA_PKGS


def test_escape_bars_keeps_literals_and_math():
    lines = ["Cost O(|X| |Y|), ``a|b`` and :math:`|x|`", "formula::", "", "    |X| kept",
             "back |here|", r".. math:: \|W\|", r"already \| escaped"]
    assert theory_docs.escape_bars(lines) == [
        r"Cost O(\|X\| \|Y\|), ``a|b`` and :math:`|x|`", "formula::", "", "    |X| kept",
        r"back \|here\|", r".. math:: \|W\|", r"already \| escaped"]


def test_quick_start_runs(capsys):
    text = (ROOT / "docs" / "quickstart.rst").read_text()
    block = text.split(".. code-block:: python\n\n")[1]
    code = textwrap.dedent("\n".join(block.splitlines()[: _block_end(block)]))
    exec(compile(code, "quickstart.rst", "exec"), {})
    fast, lp, status = capsys.readouterr().out.split()
    assert status == "optimal" and abs(float(fast) - float(lp)) < 1e-9


def _block_end(block: str) -> int:
    lines = block.splitlines()
    for i, line in enumerate(lines):
        if line and not line.startswith(" "):
            return i
    return len(lines)
