"""The paper (``paper/main.tex``) cites only what the package has.

- every ``\\includegraphics`` target is ``../figures/<name>.pdf``, ``figures/<name>.py`` exists
  (the script that writes it, see ``tests/test_scripts.py``) and so does its output;
- every claim id cited with ``\\claim{...}`` is registered (``theory.claims.registry()``);
- the claims table the paper ``\\input``s is the one ``theory verify --latex`` writes
  (``theory.cli.format_latex``): same frame, same id/source/statement cells, every registered
  claim present.

No TeX installation is needed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from theory.claims import ClaimResult, registry
from theory.cli import format_latex
from theory.figures import TEXT_WIDTH

ROOT = Path(__file__).resolve().parent.parent
PAPER = ROOT / "paper"
MAIN = PAPER / "main.tex"
TABLE_INPUT = "generated/claims.tex"

_COMMENT = re.compile(r"(?<!\\)%.*")
_GRAPHICS = re.compile(r"\\includegraphics\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}")
_CLAIM = re.compile(r"\\claim\s*\{([^}]*)\}")
_INPUT = re.compile(r"\\input\s*\{([^}]*)\}")
_ROW_ID = re.compile(r"^\\texttt\{(.*?)\} & ")


def _strip_comments(tex: str) -> str:
    return "\n".join(_COMMENT.sub("", line) for line in tex.splitlines())


def figure_targets(tex: str) -> list[str]:
    """The ``\\includegraphics`` targets of a LaTeX source (comments ignored)."""
    return _GRAPHICS.findall(_strip_comments(tex))


def placed_widths(tex: str) -> list[tuple[str, float]]:
    """Each ``\\includegraphics`` target with the fraction of the text width it is placed in
    (the enclosing ``minipage``'s ``{f\\linewidth}``, else 1)."""
    out, room = [], 1.0
    token = re.compile(r"\\begin\{minipage\}(?:\[[^\]]*\])?\{([0-9.]+)\\linewidth\}|\\end\{minipage\}|"
                       + _GRAPHICS.pattern)
    for m in token.finditer(_strip_comments(tex)):
        if m.group(0).startswith("\\begin"):
            room = float(m.group(1))
        elif m.group(0).startswith("\\end"):
            room = 1.0
        else:
            out.append((m.group(2), room))
    return out


def cited_claims(tex: str) -> list[str]:
    """The claim ids cited with ``\\claim{...}`` (comments ignored), in order of appearance."""
    return [c.strip() for c in _CLAIM.findall(_strip_comments(tex))]


def missing_figures(tex: str, paper_dir: Path = PAPER, root: Path = ROOT) -> list[str]:
    """Targets that are not ``../figures/<name>(.pdf)`` with an existing ``figures/<name>.py``."""
    bad = []
    for target in figure_targets(tex):
        path = (paper_dir / target).resolve()
        if path.parent != (root / "figures").resolve() or path.suffix not in ("", ".pdf"):
            bad.append(target)
        elif not (root / "figures" / f"{path.stem}.py").is_file():
            bad.append(target)
    return bad


def unknown_claims(tex: str) -> list[str]:
    """Cited claim ids that are not in the registry."""
    reg = registry()
    return [c for c in cited_claims(tex) if c not in reg]


def _row_id(line: str) -> str | None:
    m = _ROW_ID.match(line)
    if m is None:
        return None
    return m.group(1).replace(r"\allowbreak{}", "").replace(r"\_", "_")


def _placeholder_results(ids: list[str]) -> list[ClaimResult]:
    reg = registry()
    return [ClaimResult(i, reg[i].area, reg[i].source, reg[i].statement, 0.0, 1.0, "<=", True,
                        0.0, {}) for i in ids]


def _cells_before_measured(line: str) -> str:
    return " & ".join(line.split(" & ")[:-3])  # the last three: measured, tol, status


def table_problems(table: str) -> list[str]:
    """Differences between a claims table and what ``format_latex`` writes for the registry."""
    reg = registry()
    lines = table.splitlines()
    ids = [i for i in map(_row_id, lines) if i is not None]
    problems = [f"unregistered claim {i!r} in the table" for i in ids if i not in reg]
    if problems:
        return problems
    problems += [f"registered claim {i!r} missing from the table" for i in reg if i not in ids]
    expected = format_latex(_placeholder_results(ids)).splitlines()
    frame = [line for line in lines if _row_id(line) is None]
    if frame != [line for line in expected if _row_id(line) is None]:
        problems.append("table frame differs from theory.cli.format_latex output")
    rows = [_cells_before_measured(line) for line in lines if _row_id(line) is not None]
    want = [_cells_before_measured(line) for line in expected if _row_id(line) is not None]
    problems += [f"row differs (stale source/statement?): {got!r}"
                 for got, exp in zip(rows, want, strict=True) if got != exp]
    return problems


@pytest.fixture(scope="module")
def tex() -> str:
    return MAIN.read_text(encoding="utf-8")


def test_every_figure_has_a_script(tex):
    assert missing_figures(tex) == []


def test_every_figure_is_committed_output(tex):
    # The paper builds from a clean clone: the included PDFs are the committed script outputs.
    missing = [t for t in figure_targets(tex) if not (PAPER / t).with_suffix(".pdf").is_file()]
    assert missing == [], f"run the figure scripts (make figures) for {missing}"


def test_figures_are_included_at_their_drawn_width(tex):
    # Each figure is drawn at the width it is placed (theory.figures.TEXT_WIDTH x a fraction)
    # and included at natural size, so its 8 pt text prints at 8 pt.
    scaled = re.findall(r"\\includegraphics\s*\[[^\]]*\]", _strip_comments(tex))
    assert scaled == [], f"include figures at natural size (no width=): {scaled}"
    for target, room in placed_widths(tex):
        sidecar = json.loads((PAPER / target).with_suffix(".json").read_text())
        if "size_in" in sidecar:
            assert sidecar["size_in"][0] <= room * TEXT_WIDTH + 1e-9, (
                f"{target} is {sidecar['size_in'][0]} in wide but placed in {room} of the text width")


def test_every_cited_claim_is_registered(tex):
    assert cited_claims(tex), "the paper cites no claim"
    assert unknown_claims(tex) == []


def test_checks_flag_missing_ids_and_figures():
    fake = ("\\includegraphics[width=2cm]{../figures/no_such_figure.pdf}\n"
            "\\includegraphics{figures/elsewhere.pdf}\n"
            "% \\includegraphics{../figures/commented_out.pdf}\n"
            "\\claim{speculative.no-such-claim} and \\claim{speculative.single-draft-coupling}\n")
    assert missing_figures(fake) == ["../figures/no_such_figure.pdf", "figures/elsewhere.pdf"]
    assert unknown_claims(fake) == ["speculative.no-such-claim"]


def test_claims_table_is_the_cli_output(tex):
    assert TABLE_INPUT in _INPUT.findall(_strip_comments(tex))
    makefile = (ROOT / "Makefile").read_text()
    assert f"--latex paper/{TABLE_INPUT}" in makefile, "make paper-table must regenerate the table"
    path = PAPER / TABLE_INPUT
    if not path.is_file():
        pytest.skip(f"{path} not generated yet (theory verify --latex {path})")
    problems = table_problems(path.read_text(encoding="utf-8"))
    assert problems == [], (f"{problems}\nregenerate: theory verify --latex "
                            f"paper/{TABLE_INPUT} (make paper-table)")


def test_table_check_flags_a_stale_table():
    ids = list(registry())
    table = format_latex(_placeholder_results(ids))
    assert table_problems(table) == []
    assert r"\toprule" in table
    first = next(line for line in table.splitlines() if _row_id(line) is not None)
    assert table_problems(table.replace(first, first.replace(" & ", " & stale ", 1)))
    assert table_problems(table.replace(first + "\n", ""))
