"""The reproduction report: header, how to read, claims per area, captions, folded parameters."""

from __future__ import annotations

import json

from theory.cli import main
from theory.report import build_report, shorten
from theory.report import main as report_main


def test_report_has_header_guide_captions_and_folded_parameters(tmp_path):
    claims = tmp_path / "claims.json"
    assert main(["verify", "speculative.single-draft-coupling", "--fast", "--json", str(claims),
                 "--no-progress"]) == 0
    figs = tmp_path / "figures"
    figs.mkdir()
    (figs / "x.png").write_bytes(b"")
    long = {"values": list(range(5000)), "nested": {"a": 0.123456789}}
    (figs / "x.json").write_text(json.dumps({"caption": "What x shows.", "fast": True, "params": long}))
    out = tmp_path / "REPORT.md"
    assert report_main([str(claims), "--figures", str(figs), "--out", str(out)]) == 0
    text = out.read_text()
    doc = json.loads(claims.read_text())
    assert doc["provenance"]["commit"] is None or doc["provenance"]["commit"] in text
    for needle in ("**date**", "**versions**", "numpy", "BLAS", "## How to read the claims",
                   "measured <= tol", "measured >= tol", "### speculative", "![x](figures/x.png)",
                   "*What x shows.*", "<details><summary>parameters (fast mode)</summary>",
                   "1 of 1 claims pass"):
        assert needle in text, needle
    assert max(len(line) for line in text.splitlines()) < 600  # no 4,000-character parameter lines


def test_shorten_cuts_lists_and_rounds():
    assert shorten([1, 2, 3, 4, 5, 6]) == [1, 2, 3, 4, "... 6 items"]
    assert shorten({"x": 0.123456789}) == {"x": 0.1235}


def test_report_without_provenance_uses_this_machine(tmp_path):
    doc = {"claims": [], "seed": 0, "fast": True}
    text = build_report(doc, tmp_path)
    assert "**versions**" in text and "0 of 0 claims pass" in text
