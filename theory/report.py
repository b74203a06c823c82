"""Write the reproduction report from ``theory verify --json`` output and the figure sidecars.

Usage (the last step of ``make reproduce``)::

    python -m theory.report reports/claims.json --figures figures --out reports/REPORT.md
"""

from __future__ import annotations

import argparse
import json
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from theory._format import format_markdown
from theory.claims import AREAS, ClaimResult


def _result(row: dict[str, Any]) -> ClaimResult:
    return ClaimResult(
        id=row["id"], area=row["area"], source=row["source"], statement=row["statement"],
        measured=float(row["measured"]), tol=float(row["tol"]), direction=row.get("direction", "<="),
        passed=bool(row["passed"]), seconds=float(row["seconds"]), params=row.get("params", {}),
        error=row.get("error"),
    )


def build_report(claims_doc: dict[str, Any], figures_dir: Path) -> str:
    """Markdown report: summary per area, the full claims table, and the figure gallery."""
    results = [_result(r) for r in claims_doc["claims"]]
    n_fail = sum(not r.passed for r in results)
    lines = [
        "# theory: reproduction report", "",
        f"theory {claims_doc.get('version')}, seed {claims_doc.get('seed')}, "
        f"{'fast' if claims_doc.get('fast') else 'full'} mode, Python {platform.python_version()} "
        f"on {platform.machine()}.", "",
        f"**{len(results) - n_fail} of {len(results)} claims pass** "
        f"({sum(r.seconds for r in results):.1f} s of claim time).", "",
        "| area | claims | passed | seconds |", "|---|---|---|---|",
    ]
    for area in AREAS:
        rs = [r for r in results if r.area == area]
        if rs:
            lines.append(f"| {area} | {len(rs)} | {sum(r.passed for r in rs)} | "
                         f"{sum(r.seconds for r in rs):.1f} |")
    lines += ["", "## Claims", "", format_markdown(results), "## Figures", ""]
    for png in sorted(figures_dir.glob("*.png")):
        sidecar = png.with_suffix(".json")
        params = json.loads(sidecar.read_text()).get("params", {}) if sidecar.exists() else {}
        lines += [f"### {png.stem}", "", f"![{png.stem}](../{figures_dir.name}/{png.name})", "",
                  f"parameters: `{json.dumps(params, sort_keys=True)}`", ""]
    failed = [r for r in results if r.error]
    if failed:
        lines += ["## Errors", ""] + [f"- `{r.id}`: {r.error.splitlines()[0]}" for r in failed if r.error]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns 0 when every claim in the JSON passed."""
    parser = argparse.ArgumentParser(prog="python -m theory.report", description=__doc__)
    parser.add_argument("claims_json")
    parser.add_argument("--figures", default="figures")
    parser.add_argument("--out", default="reports/REPORT.md")
    args = parser.parse_args(argv)
    doc = json.loads(Path(args.claims_json).read_text())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_report(doc, Path(args.figures)), encoding="utf-8")
    return 0 if all(r["passed"] for r in doc["claims"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
