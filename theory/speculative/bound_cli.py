"""``theory speculative bound TARGET DRAFT``: acceptance bounds over a data set of logits.

Streams the two (N, V) files in chunks of ``--batch-size`` rows, applies the sampling transform
(temperature, top-k, top-p) to both models, evaluates per row the optimal acceptance alpha* of
each draft law and the exact acceptance of each scheme (:mod:`theory.speculative.batch`), and
reports for each K the mean and its standard error (sample standard deviation / sqrt N), with
the ratio of each scheme's mean to the optimum of its draft law (rrs, kseq: iid; greedy: greedy).
Running means and variances are merged chunk by chunk (Chan et al.), so the result does not
depend on the chunking beyond rounding.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from theory.speculative._batch_schemes import evaluate
from theory.speculative.batch import from_logits, prepare_pair
from theory.speculative.logitfiles import LogitFileError, RowReader

#: Laws whose optimum a scheme is compared with.
SCHEME_LAW = {"rrs": "iid", "kseq": "iid", "greedy": "greedy"}
#: Largest block (rows x V) evaluated at once inside a chunk.
BLOCK_ELEMS = 1 << 22


class BoundError(ValueError):
    """Bad input to the command: reported as one line, exit status 2."""


@dataclass
class RunningStats:
    """Count, mean and sum of squared deviations per column, merged chunk by chunk."""

    count: int = 0
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    m2: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def add(self, values: np.ndarray) -> None:
        """Merge a (rows, columns) block (Chan, Golub and LeVeque's pairwise update)."""
        n_b = values.shape[0]
        if n_b == 0:
            return
        mean_b = values.mean(axis=0)
        m2_b = ((values - mean_b) ** 2).sum(axis=0)
        if self.count == 0:
            self.count, self.mean, self.m2 = n_b, mean_b, m2_b
            return
        n = self.count + n_b
        delta = mean_b - self.mean
        self.mean = self.mean + delta * n_b / n
        self.m2 = self.m2 + m2_b + delta**2 * self.count * n_b / n
        self.count = n

    @property
    def stderr(self) -> np.ndarray:
        """Standard error of the running mean (NaN before two samples)."""
        if self.count < 2:
            return np.full_like(self.mean, math.nan)
        return np.sqrt(self.m2 / (self.count - 1) / self.count)


def _probabilities(block: np.ndarray, name: str, args: argparse.Namespace) -> np.ndarray:
    if args.probs:
        if np.any(block < 0) or not np.all(np.isfinite(block)):
            raise BoundError(f"{name}: --probs given but the file has negative or non-finite entries")
        sums = block.sum(axis=1, keepdims=True)
        worst = float(np.max(np.abs(sums - 1.0)))
        if worst > 1e-3:
            raise BoundError(f"{name}: --probs given but a row sums to {1.0 + worst:.6g}; pass logits "
                             "(without --probs) or normalised probabilities")
        block = block / sums  # storage rounding (float16/32) only: rows are within 1e-3 of 1
        if args.temperature == 1.0 and args.top_k is None and args.top_p is None:
            return block
        with np.errstate(divide="ignore"):
            block = np.log(block)
    if np.any(np.isnan(block)):
        row = int(np.flatnonzero(np.isnan(block).any(axis=1))[0])
        raise BoundError(f"{name}: NaN in row {row} of this chunk; clean the logits")
    try:
        return from_logits(block, temperature=args.temperature, top_k=args.top_k, top_p=args.top_p)
    except ValueError as exc:
        raise BoundError(f"{name}: {exc}") from None


def run_bound(args: Any) -> dict[str, Any]:
    """Evaluate the bounds of ``args``; return the JSON document.

    ``args`` holds the parsed options of :func:`add_parser`, or is any object with those attributes.
    """
    try:
        target, draft = RowReader(args.target), RowReader(args.draft)
    except LogitFileError as exc:
        raise BoundError(str(exc)) from None
    if target.shape != draft.shape:
        raise BoundError(f"TARGET has shape {target.shape} but DRAFT has {draft.shape}: "
                         "they need the same N (positions) and V (tokens)")
    n, v = target.shape
    ks = sorted(set(args.k))
    laws, schemes = list(dict.fromkeys(args.drafts)), list(dict.fromkeys(args.schemes))
    stats = {name: RunningStats() for name in laws + [f"scheme:{s}" for s in schemes]}
    from tqdm import tqdm

    block = max(1, min(args.batch_size, BLOCK_ELEMS // v))
    with tqdm(total=n, unit="row", file=sys.stderr, disable=args.no_progress,
              desc="speculative bound") as bar:
        for lo in range(0, n, args.batch_size):
            hi = min(n, lo + args.batch_size)
            try:
                chunk_p, chunk_q = target.read(lo, hi), draft.read(lo, hi)
            except LogitFileError as exc:
                raise BoundError(str(exc)) from None
            for b_lo in range(0, hi - lo, block):
                b_hi = min(hi - lo, b_lo + block)
                p = _probabilities(chunk_p[b_lo:b_hi], "TARGET", args)
                q = _probabilities(chunk_q[b_lo:b_hi], "DRAFT", args)
                try:
                    p, q, xp, _ = prepare_pair(p, q)
                except ValueError as exc:
                    raise BoundError(str(exc)) from None
                values = evaluate(p, q, ks, xp, drafts=laws, schemes=schemes)
                for name in laws:
                    stats[name].add(np.asarray(values[name]))
                for s in schemes:
                    stats[f"scheme:{s}"].add(np.asarray(values[s]))
                bar.update(b_hi - b_lo)
    results: dict[str, Any] = {}
    for name, st in stats.items():
        kind, _, label = name.rpartition(":")
        # One row has no standard error: null in the JSON (never NaN), "n/a" in the table.
        stderr = [float(x) if math.isfinite(x) else None for x in st.stderr]
        entry: dict[str, Any] = {"kind": "scheme" if kind else "optimum",
                                 "mean": st.mean.tolist(), "stderr": stderr}
        if kind:
            ref = SCHEME_LAW[label]
            entry["reference"] = ref
            if ref in stats:
                entry["ratio_to_optimum"] = (st.mean / stats[ref].mean).tolist()
        results[label if kind else f"optimal-{name}"] = entry
    return {"target": str(args.target), "draft": str(args.draft), "n_rows": n, "vocab": v, "k": ks,
            "temperature": args.temperature, "top_k": args.top_k, "top_p": args.top_p,
            "probs": bool(args.probs), "batch_size": args.batch_size, "results": results}


def format_bound_table(doc: dict[str, Any]) -> str:
    """One line per K: mean +- standard error of every optimum and scheme, and scheme/optimum."""
    names = list(doc["results"])
    head = f"{'K':>3}  " + "  ".join(f"{n:>21}" for n in names)
    lines = [f"N = {doc['n_rows']} positions, V = {doc['vocab']} tokens; mean +- standard error "
             "[scheme / optimum of its draft law]", head, "-" * len(head)]
    for i, k in enumerate(doc["k"]):
        cells = []
        for name in names:
            e = doc["results"][name]
            se = e["stderr"][i]
            cell = f"{e['mean'][i]:.5f}+-" + (f"{se:.1e}" if se is not None else "n/a")
            if "ratio_to_optimum" in e:
                cell += f" [{e['ratio_to_optimum'][i]:.3f}]"
            cells.append(f"{cell:>21}")
        lines.append(f"{k:>3}  " + "  ".join(cells))
    return "\n".join(lines)


def save_bound_figure(doc: dict[str, Any], path: str) -> None:
    """Plot the acceptance vs K with standard-error bars: optima (solid) and schemes (dashed)."""
    from theory.figures import figure

    fig, ax = figure(figsize=(5.2, 3.6))
    for name, e in doc["results"].items():
        yerr = [0.0 if x is None else x for x in e["stderr"]]
        ax.errorbar(doc["k"], e["mean"], yerr=yerr, marker="o", ms=3, capsize=2,
                    ls="-" if e["kind"] == "optimum" else "--", label=name)
    ax.set_xlabel("number of drafts K")
    ax.set_ylabel("mean acceptance")
    ax.set_title(f"{Path(doc['target']).name}: N = {doc['n_rows']}, V = {doc['vocab']}")
    ax.legend(fontsize=7)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": None} if path.endswith(".png") else None)
    import matplotlib.pyplot as plt

    plt.close(fig)


def _cmd_bound(args: argparse.Namespace) -> int:
    try:
        if args.batch_size < 1:
            raise BoundError(f"--batch-size must be >= 1, got {args.batch_size}")
        if any(k < 1 for k in args.k):
            raise BoundError(f"--k values must be >= 1, got {args.k}")
        if args.temperature < 0 or not math.isfinite(args.temperature):
            raise BoundError(f"--temperature must be finite and >= 0, got {args.temperature}")
        if args.top_p is not None and not 0 < args.top_p <= 1:
            raise BoundError(f"--top-p must lie in (0, 1], got {args.top_p}")
        if args.top_k is not None and args.top_k < 1:
            raise BoundError(f"--top-k must be >= 1, got {args.top_k}")
        doc = run_bound(args)
    except BoundError as exc:
        print(f"theory speculative bound: {exc}", file=sys.stderr)
        return 2
    print(format_bound_table(doc))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    if args.figure:
        save_bound_figure(doc, args.figure)
    return 0


class _OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line (``theory speculative bound: ...``), exit status 2."""

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: {message}\n")


def add_parser(sub: Any) -> None:
    """Register ``speculative bound`` on the ``theory`` command's subparsers."""
    p_spec = sub.add_parser("speculative", help="speculative decoding tools")
    spec_sub = p_spec.add_subparsers(dest="speculative_command", required=True,
                                     parser_class=_OneLineParser)
    p = spec_sub.add_parser("bound", help="acceptance bounds over (N, V) logit files",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", metavar="TARGET", help="target logits (N, V): .npy, .npz or .safetensors")
    p.add_argument("draft", metavar="DRAFT", help="draft logits, same shape")
    p.add_argument("--k", type=int, nargs="+", default=[1, 2, 4, 8], help="numbers of drafts")
    p.add_argument("--drafts", nargs="+", choices=("iid", "wor", "greedy"),
                   default=["iid", "wor", "greedy"], help="draft laws whose optimum alpha* is reported")
    p.add_argument("--schemes", nargs="*", choices=("rrs", "kseq", "greedy"),
                   default=["rrs", "kseq", "greedy"], help="schemes whose exact acceptance is reported")
    p.add_argument("--temperature", type=float, default=1.0, help="sampling temperature of both models")
    p.add_argument("--top-k", type=int, default=None, help="keep the k most likely tokens (ties kept)")
    p.add_argument("--top-p", type=float, default=None, help="nucleus sampling mass (ties kept)")
    p.add_argument("--probs", action="store_true",
                   help="files hold probabilities (rows renormalised if within 1e-3 of 1)")
    p.add_argument("--batch-size", type=int, default=256, help="rows read per chunk (bounds memory)")
    p.add_argument("--json", metavar="F", help="write the results as JSON to F")
    p.add_argument("--figure", metavar="F", help="write acceptance vs K to F (.png or .pdf)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_cmd_bound)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m theory.speculative.bound_cli bound ...`` (same as ``theory speculative bound``)."""
    parser = _OneLineParser(prog="theory")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))
