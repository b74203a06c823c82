"""Write the reproduction report from ``theory verify --json`` output and the figure sidecars.

Usage (the last step of ``make reproduce``)::

    python -m theory.report reports/claims.json --figures reports/figures --out reports/REPORT.md

The report has a header (date, commit, package versions, machine, BLAS), a short guide to
reading measured against tol, a summary per area, the claims table, one section per figure
with the caption its script stored in its sidecar, and every parameter set folded
(``<details>``) and shortened.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from theory._format import fmt_num
from theory._provenance import provenance
from theory.claims import AREAS, ClaimResult

HOW_TO_READ = """\
Each claim is one theorem or identity checked on an instance. Its check returns a number,
*measured*, and a tolerance, *tol*; the direction says which way it must fall:

- `measured <= tol`: *measured* is an error, a residual, a gap or a violation. Many checks
  divide it by what they allow (e.g. `error / (4 standard errors)`), so that the tolerance is 1
  and `0.0009 <= 1` means the error used 0.09 % of its allowance.
- `measured >= tol`: *measured* must reach a threshold (a pass rate, a margin); e.g.
  `1 >= 0.95` means every trial passed where 95 % were required.

A non-finite measurement or a check that raises is a failure. *seconds* is the claim's own run
time; the parameters of each instance are folded under the tables."""


def _result(row: dict[str, Any]) -> ClaimResult:
    return ClaimResult(
        id=row["id"], area=row["area"], source=row["source"], statement=row["statement"],
        measured=float(row["measured"]), tol=float(row["tol"]), direction=row.get("direction", "<="),
        passed=bool(row["passed"]), seconds=float(row["seconds"]), params=row.get("params", {}),
        error=row.get("error"),
    )


def shorten(value: Any, *, items: int = 4, digits: int = 4) -> Any:
    """Return a readable excerpt of a parameter value.

    Floats to ``digits`` significant digits, lists cut to ``items`` entries plus a count, nested mappings
    shortened recursively.
    """
    if isinstance(value, Mapping):
        keys = list(value)
        out = {str(k): shorten(value[k], items=items, digits=digits) for k in keys[:3 * items]}
        if len(keys) > 3 * items:
            out["..."] = f"{len(keys) - 3 * items} more keys"
        return out
    if isinstance(value, list | tuple):
        head = [shorten(v, items=items, digits=digits) for v in value[:items]]
        return head + [f"... {len(value)} items"] if len(value) > items else head
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    return value


def _params_line(params: Mapping[str, Any], limit: int = 300) -> str:
    text = json.dumps(shorten(params), sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 5] + " ...}"


def _header(doc: Mapping[str, Any]) -> list[str]:
    prov = doc.get("provenance") or provenance()  # older JSON: describe the machine writing the report
    versions = ", ".join(f"{k} {v}" for k, v in prov.get("versions", {}).items())
    blas = prov.get("blas", {})
    threads = ", ".join(f"{k}={v or 'unset'}" for k, v in blas.get("env", {}).items())
    if blas.get("threads"):
        threads = f"threads {blas['threads']}; {threads}"
    commit = prov.get("commit") or "not a git checkout"
    return [
        f"- **date**: {prov.get('date', '?')} (UTC); **commit**: `{commit}`",
        f"- **run**: {'fast' if doc.get('fast') else 'full'} mode, seed {doc.get('seed')}",
        f"- **versions**: {versions}",
        f"- **machine**: {prov.get('platform', '?')}, {prov.get('cpus', '?')} CPUs; "
        f"BLAS {blas.get('name', '?')} ({threads})",
    ]


def _claims_section(results: Sequence[ClaimResult]) -> list[str]:
    lines = []
    for area in AREAS:
        rs = [r for r in results if r.area == area]
        if not rs:
            continue
        lines += [f"### {area}", "", "| id | statement | measured | | tol | ok | s |",
                  "|---|---|--:|:-:|--:|---|--:|"]
        for r in rs:
            cells = [f"`{r.id}`", r.statement, fmt_num(r.measured), r.direction, fmt_num(r.tol),
                     "PASS" if r.passed else "**FAIL**", f"{r.seconds:.2f}"]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines += ["", "<details><summary>sources and parameters</summary>", ""]
        lines += [f"- `{r.id}` ({r.source}): `{_params_line(r.params)}`" for r in rs]
        lines += ["", "</details>", ""]
    return lines


def _figures_section(figures_dir: Path, out_dir: Path) -> list[str]:
    lines: list[str] = []
    for png in sorted(figures_dir.glob("*.png")):
        sidecar = png.with_suffix(".json")
        meta = json.loads(sidecar.read_text()) if sidecar.exists() else {}
        link = Path(os.path.relpath(png, out_dir)).as_posix()
        lines += [f"### {png.stem}", "", f"![{png.stem}]({link})", ""]
        if meta.get("caption"):
            lines += [f"*{meta['caption']}*", ""]
        if meta.get("params"):
            mode = "fast" if meta.get("fast") else "full"
            lines += [f"<details><summary>parameters ({mode} mode)</summary>", "",
                      f"`{_params_line(meta['params'])}`", "", "</details>", ""]
    return lines


def build_report(claims_doc: dict[str, Any], figures_dir: Path, out_dir: Path | None = None) -> str:
    """Markdown report: header, how to read, summary per area, claims per area, figure gallery.

    ``out_dir`` is where the report will live (figure links are relative to it; default: the
    parent of ``figures_dir``).
    """
    results = [_result(r) for r in claims_doc["claims"]]
    n_fail = sum(not r.passed for r in results)
    lines = ["# theory: reproduction report", "", *_header(claims_doc), "",
             f"**{len(results) - n_fail} of {len(results)} claims pass** "
             f"({sum(r.seconds for r in results):.1f} s of claim time).", "",
             "## How to read the claims", "", HOW_TO_READ, "",
             "| area | claims | passed | seconds |", "|---|--:|--:|--:|"]
    for area in AREAS:
        rs = [r for r in results if r.area == area]
        if rs:
            lines.append(f"| {area} | {len(rs)} | {sum(r.passed for r in rs)} | "
                         f"{sum(r.seconds for r in rs):.1f} |")
    lines += ["", "## Claims", "", *_claims_section(results), "## Figures", ""]
    lines += _figures_section(figures_dir, out_dir if out_dir is not None else figures_dir.parent)
    failed = [r for r in results if r.error]
    if failed:
        lines += ["## Errors", ""] + [f"- `{r.id}`: {r.error.splitlines()[0]}" for r in failed if r.error]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns 0 when every claim in the JSON passed."""
    parser = argparse.ArgumentParser(prog="python -m theory.report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("claims_json")
    parser.add_argument("--figures", default="reports/figures")
    parser.add_argument("--out", default="reports/REPORT.md")
    args = parser.parse_args(argv)
    doc = json.loads(Path(args.claims_json).read_text())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_report(doc, Path(args.figures), out.parent), encoding="utf-8")
    return 0 if all(r["passed"] for r in doc["claims"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
