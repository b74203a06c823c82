"""The README's table of areas, claims and figures matches what exists."""

from __future__ import annotations

import re
from pathlib import Path

from theory.claims import AREAS, registry

ROOT = Path(__file__).resolve().parent.parent


def _rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- areas-table -->")[1].split("<!-- /areas-table -->")[0]
    rows = {}
    for line in block.splitlines():
        m = re.match(r"\|\s*`?(\w+)`?\s*\|", line)
        if m and m.group(1) in AREAS:
            rows[m.group(1)] = line
    return rows


def test_every_area_has_a_row_with_its_claim_count():
    rows = _rows()
    reg = registry()
    for area in AREAS:
        count = sum(c.area == area for c in reg.values())
        if count == 0:
            continue
        assert area in rows, f"README table lacks a row for {area}"
        cells = [c.strip() for c in rows[area].strip("|").split("|")]
        assert str(count) in cells, f"README row of {area} should say {count} claims: {cells}"


def test_every_figure_is_linked_and_every_link_exists():
    rows = "\n".join(_rows().values())
    linked = set(re.findall(r"figures/([\w-]+)\.png", rows))
    produced = {p.stem for p in (ROOT / "figures").glob("*.py")}
    assert produced <= linked, f"figures missing from the README table: {sorted(produced - linked)}"
    missing = {name for name in linked if not (ROOT / "figures" / f"{name}.png").exists()}
    assert not missing, f"README links figures that do not exist: {sorted(missing)}"
