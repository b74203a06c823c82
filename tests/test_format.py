"""Text formats (``theory._format``) and the command line around them: widths, stdout, hints."""

from __future__ import annotations

import json
import re

import pytest

from theory import claims as reg
from theory._format import format_latex, format_list, format_table, latex_statement, suggest
from theory._sweep import sweep
from theory.cli import main


def _results(n: int = 12) -> list[reg.ClaimResult]:
    out = []
    for c in list(reg.registry().values())[:n]:
        out.append(reg.ClaimResult(c.id, c.area, c.source, c.statement, 1.234e-13, 1e-12, "<=", True,
                                   0.5, {}))
    longest = max(reg.registry().values(), key=lambda c: len(c.statement))
    out.append(reg.ClaimResult(longest.id, longest.area, longest.source, longest.statement,
                               float("nan"), 0.95, ">=", False, 12.0, {}))
    return out


@pytest.mark.parametrize("width", [40, 60, 80, 100, 160])
@pytest.mark.parametrize("wide", [False, True])
def test_table_fits_the_width_and_keeps_every_word(width, wide):
    results = _results()
    table = format_table(results, width=width, wide=wide)
    assert max(len(line) for line in table.splitlines()) <= width
    words = set(re.sub(r"\s+", " ", table).split(" "))
    for r in results:  # wrapped, never truncated
        assert r.id in table.replace("\n", "") and set(r.statement.split()) <= words  # ids may wrap
        assert not wide or set(f"({r.source})".split()) <= words
    assert table.splitlines()[-1].startswith(f"{len(results) - 1} passed, 1 failed")


def test_list_fits_the_width():
    claims = list(reg.registry().values())
    for width in (50, 80, 120):
        text = format_list(claims, width=width)
        assert max(len(line) for line in text.splitlines()) <= width
        assert all(c.id in text for c in claims)


def test_cli_list_uses_the_terminal_width(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "72")
    assert main(["list"]) == 0
    assert max(len(line) for line in capsys.readouterr().out.splitlines()) <= 72


def test_suggestions():
    ids = list(reg.registry())
    assert suggest("speculative.single_draft_coupling", ids)[0] == "speculative.single-draft-coupling"
    assert suggest("semantc", [*reg.AREAS, *ids])[0] == "semantic"
    assert suggest("zzzzzzzz", ids) == []


def test_json_dash_writes_to_stdout(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["verify", "speculative.single-draft-coupling", "--fast", "--json", "-"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)  # stdout holds only the JSON document
    assert doc["claims"][0]["id"] == "speculative.single-draft-coupling"
    assert "PASS" in captured.err and not (tmp_path / "-").exists()


def test_progress_lines_name_each_claim(capsys):
    # stderr is captured (not a terminal): one line per finished claim, with id and seconds.
    ids = ["speculative.single-draft-coupling", "speculative.single-draft"]
    reg.run(ids, fast=True, progress=True)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    for i, (line, cid) in enumerate(zip(lines, ids), 1):
        assert line.startswith(f"[{i}/2] claims {cid} PASS") and line.endswith("s elapsed)")


def _double(x: int) -> int:
    return 2 * x


def test_sweep_progress_is_silent_when_off(capsys):
    assert sweep(_double, [{"x": -1}, {"x": 2}], progress=False) == [-2, 4]
    assert capsys.readouterr().err == ""
    assert sweep(_double, [{"x": 1}], progress=True, desc="x", label=str) == [2]
    assert capsys.readouterr().err.startswith("[1/1] x 2 (")


def test_latex_statement_typesets_math():
    s = latex_statement("alpha*_iid >= alpha_kseq, W^mm and D_k, solve_att_svm | x < 1")
    assert r"$\alpha^{*}_{\mathrm{iid}}$ $\ge$ $\alpha_{\mathrm{kseq}}$" in s
    assert r"$W^{\mathrm{mm}}$" in s and r"$D_{k}$" in s
    assert r"solve\_att\_svm \textbar{} x \textless{} 1" in s  # code names and text stay text


def test_latex_table_math_is_balanced():
    table = format_latex(_results(len(reg.registry())))
    for line in table.splitlines():
        if line.startswith(r"\texttt"):
            assert line.replace(r"\$", "").count("$") % 2 == 0, line
            assert line.replace(r"\{", "").count("{") == line.replace(r"\}", "").count("}"), line
