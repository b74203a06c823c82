"""Command line: ``theory list``, ``theory verify`` and ``theory speculative bound``.

``theory list [AREA]``, ``theory verify [AREA|CLAIM ...]`` and ``theory speculative bound TARGET DRAFT``
(:mod:`theory.speculative.bound_cli`).

Output fits the terminal width (statements wrap); the formats live in :mod:`theory._format`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from theory import __version__
from theory._format import format_latex as format_latex  # re-exported: theory.cli.format_* keep working
from theory._format import format_list, format_table
from theory._format import format_markdown as format_markdown
from theory._format import latex_escape as latex_escape
from theory._provenance import provenance
from theory.claims import AREAS, run, select


def _write(path: str, text: str) -> None:
    """Write ``text`` to ``path``; ``-`` is standard output."""
    if path == "-":
        sys.stdout.write(text)
        return
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def _cmd_list(args: argparse.Namespace) -> int:
    try:
        claims = select(args.names)
    except ValueError as exc:
        print(f"theory: {exc}", file=sys.stderr)
        return 2
    print(format_list(claims))
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    try:
        results = run(args.names, fast=args.fast, jobs=args.jobs, rng=args.seed,
                      progress=not args.no_progress, address=args.scheduler)
    except ValueError as exc:
        print(f"theory: {exc}", file=sys.stderr)
        return 2
    # With ``--json -`` (or another output on stdout) the table goes to stderr, so that stdout
    # stays machine-readable.
    to_stdout = "-" in (args.json, args.markdown, args.latex)
    print(format_table(results, wide=args.wide), file=sys.stderr if to_stdout else sys.stdout)
    for r in results:
        if r.error:
            print(f"\n{r.id} raised:\n{r.error}", file=sys.stderr)
    if args.json:
        doc = {"claims": [r.as_dict() for r in results], "version": __version__,
               "seed": args.seed, "fast": args.fast, "provenance": provenance()}
        _write(args.json, json.dumps(doc, indent=2) + "\n")
    if args.markdown:
        _write(args.markdown, format_markdown(results))
    if args.latex:
        _write(args.latex, format_latex(results))
    return 0 if all(r.passed for r in results) else 1


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``theory`` command."""
    parser = argparse.ArgumentParser(prog="theory", description=__doc__)
    parser.add_argument("--version", action="version", version=f"theory {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="list registered claims")
    p_list.add_argument("names", nargs="*", metavar="AREA", help=f"areas ({', '.join(AREAS)})")
    p_list.set_defaults(func=_cmd_list)
    p_ver = sub.add_parser("verify", help="run theorem checks and print a table")
    p_ver.add_argument("names", nargs="*", metavar="AREA|CLAIM", help="areas or claim ids (default: all)")
    p_ver.add_argument("--fast", action="store_true",
                       help="small instances (all claims: about 15 s with --jobs 2 on 2 idle cores)")
    p_ver.add_argument("--jobs", type=int, default=1, help="worker processes (-1: all cores)")
    p_ver.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on a dask.distributed cluster (e.g. tcp://host:8786; extra 'distributed')")
    p_ver.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    p_ver.add_argument("--json", metavar="F", help="write results as JSON to F ('-': stdout)")
    p_ver.add_argument("--markdown", metavar="F", help="write a markdown table to F ('-': stdout)")
    p_ver.add_argument("--latex", metavar="F", help="write a LaTeX table to F ('-': stdout)")
    p_ver.add_argument("--wide", action="store_true", help="add each claim's source to the table")
    p_ver.add_argument("--no-progress", action="store_true",
                       help="hide progress (a bar on a terminal, else one line per finished claim)")
    p_ver.set_defaults(func=_cmd_verify)
    from theory.speculative.bound_cli import add_parser as add_speculative_parser

    add_speculative_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``theory`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))
