"""Text formats of claim results shared by the command line and the report.

- :func:`format_table`: the plain-text table ``theory verify`` prints, fitted to a width (the
  terminal's by default) with statements wrapped, never truncated;
- :func:`format_list`: the ``theory list`` lines, fitted to the same width;
- :func:`format_markdown`: a GitHub-flavoured markdown table (``--markdown``, the report);
- :func:`format_latex`: the booktabs ``longtable`` of the paper (``--latex``), with the math of
  the statements typeset (:func:`latex_statement`);
- :func:`suggest`: "did you mean" candidates for a mistyped claim id or area (difflib).

Every function is pure: the output depends only on its arguments.
"""

from __future__ import annotations

import difflib
import re
import shutil
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # theory.claims imports this module lazily; only types flow this way
    from theory.claims import Claim, ClaimResult


def terminal_width(default: int = 100) -> int:
    """Columns of the terminal (``$COLUMNS`` first), ``default`` when there is none; at least 40."""
    return max(40, shutil.get_terminal_size((default, 24)).columns)


def fmt_num(x: float) -> str:
    """Three significant digits; ``nan`` spelled out."""
    return f"{x:.3g}" if x == x else "nan"


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=max(width, 10), break_on_hyphens=False) or [""]


def format_table(results: Sequence[ClaimResult], *, width: int | None = None, wide: bool = False) -> str:
    """Plain-text table: id, statement (wrapped), measured, direction and tol, PASS/FAIL, seconds.

    Every line is at most ``width`` columns (default: the terminal width). Statements are
    wrapped, never truncated; ``wide=True`` adds the source under each statement. When the width
    leaves fewer than 24 columns for the statement, each claim takes a line of numbers followed
    by its indented statement instead.
    """
    width = terminal_width() if width is None else max(int(width), 40)
    w_id = max([len("id")] + [len(r.id) for r in results])
    nums = [(fmt_num(r.measured), f"{r.direction} {fmt_num(r.tol)}", "PASS" if r.passed else "FAIL",
             f"{r.seconds:.2f}") for r in results]
    w_m = max([len("measured")] + [len(n[0]) for n in nums])
    w_t = max([len("tol")] + [len(n[1]) for n in nums])
    w_s = max([len("seconds")] + [len(n[3]) for n in nums])

    def tail(m: str, t: str, ok: str, s: str) -> str:
        return f"{m:>{w_m}}  {t:>{w_t}}  {ok:<4}  {s:>{w_s}}"

    w_tail = len(tail("", "", "", ""))
    w_st = width - w_id - w_tail - 4
    lines: list[str] = []
    if w_st >= 24:
        head = f"{'id':<{w_id}}  {'statement':<{w_st}}  {tail('measured', 'tol', 'ok', 'seconds')}"
        lines += [head.rstrip(), "-" * len(head)]
        for r, n in zip(results, nums):
            text = _wrap(r.statement, w_st)
            if wide:
                text += _wrap(f"({r.source})", w_st)
            lines.append(f"{r.id:<{w_id}}  {text[0]:<{w_st}}  {tail(*n)}")
            lines += [f"{'':<{w_id}}  {t}" for t in text[1:]]
    else:
        head = f"{'id / statement':<{max(width - w_tail - 2, 0)}}  {tail('measured', 'tol', 'ok', 'seconds')}"
        lines += [head[-width:].rstrip(), "-" * min(len(head), width)]
        for r, n in zip(results, nums):
            numbers = tail(*n)
            if len(r.id) + 2 + w_tail <= width:
                lines.append(f"{r.id:<{width - w_tail}}{numbers}")
            else:
                lines += _wrap(r.id, width) + [f"{numbers:>{width}}"]
            text = [r.statement] + ([f"({r.source})"] if wide else [])
            lines += ["    " + t for s in text for t in _wrap(s, width - 4)]
    n_fail = sum(not r.passed for r in results)
    lines.append(f"{len(results) - n_fail} passed, {n_fail} failed, "
                 f"{sum(r.seconds for r in results):.1f} s")
    return "\n".join(lines)


def format_list(claims: Sequence[Claim], *, width: int | None = None) -> str:
    """``theory list``: each id, then its statement and source indented, every line within ``width``."""
    width = terminal_width() if width is None else max(int(width), 40)
    lines: list[str] = []
    for c in claims:
        lines += _wrap(c.id, width)
        lines += ["    " + t for t in _wrap(c.statement, width - 4)]
        lines += ["    " + t for t in _wrap(f"source: {c.source}", width - 4)]
    lines.append(f"{len(claims)} claim(s)")
    return "\n".join(lines)


def suggest(name: str, choices: Iterable[str], *, n: int = 3) -> list[str]:
    """Return the closest valid names to a mistyped ``name`` (difflib), best first.

    Compares the whole id and, for ids, the part after the area prefix, so that
    ``single-draft`` finds ``speculative.single-draft-coupling``.
    """
    choices = list(choices)
    scored = []
    for c in choices:
        short = c.partition(".")[2] or c
        ratio = max(difflib.SequenceMatcher(None, name, c).ratio(),
                    difflib.SequenceMatcher(None, name.partition(".")[2] or name, short).ratio())
        if name and (name in c):
            ratio = max(ratio, 0.9)
        scored.append((ratio, c))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [c for ratio, c in scored[:n] if ratio >= 0.5]


def format_markdown(results: Sequence[ClaimResult]) -> str:
    """GitHub-flavoured markdown table of the results."""
    rows = ["| id | source | statement | measured | tol | ok | seconds |",
            "|---|---|---|---|---|---|---|"]
    for r in results:
        cells = [f"`{r.id}`", r.source, r.statement, fmt_num(r.measured),
                 f"{r.direction} {fmt_num(r.tol)}", "PASS" if r.passed else "**FAIL**",
                 f"{r.seconds:.2f}"]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows) + "\n"


_LATEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}


def latex_escape(text: str) -> str:
    """Escape LaTeX special characters in plain text."""
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in text)


def _text(s: str) -> str:  # OT1 text fonts have no <, >, |
    return (latex_escape(s).replace("<", r"\textless{}").replace(">", r"\textgreater{}")
            .replace("|", r"\textbar{}"))


_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "lambda", "lam", "mu", "nu", "pi", "rho",
          "sigma", "tau", "theta", "iota", "kappa", "omega", "Delta", "Omega", "Lambda")
_GREEK_TEX = {"lam": "lambda", "epsilon": "varepsilon"}
_OPS = {"<=": r"\le", ">=": r"\ge", "!=": r"\ne", "->": r"\to", "+-": r"\pm"}
_NAMED = {"max": r"\max", "min": r"\min", "sum": r"\sum", "log": r"\log", "TE": r"\mathrm{TE}",
          "KL": r"\mathrm{KL}", "TV": r"\mathrm{TV}"}
# A "math word": identifiers with _ or ^ decorations, Greek names, or operators.
_MATH_TOKEN = re.compile(
    r"(?P<op><=|>=|!=|->|\+-)"
    r"|(?P<script>(?<=[)\]|}0-9])[_^](?:\{[^{}\s]*\}|\*|-?[A-Za-z0-9]+))"
    r"|(?P<word>\b(?:" + "|".join(_GREEK) + r")\b(?:[_^][A-Za-z0-9*]+|\*)*"
    r"|\b[A-Za-z]\w*?\*?[_^](?:\{[^{}\s]*\}|[A-Za-z0-9*]+)(?:[_^](?:\{[^{}\s]*\}|[A-Za-z0-9*]+))*)"
)


def _math_word(word: str) -> str | None:
    r"""``alpha*_iid`` -> ``\alpha^*_{\mathrm{iid}}``; ``W^mm`` -> ``W^{\mathrm{mm}}``.

    ``None`` for a code name such as ``solve_att_svm`` (a head of several letters that is
    neither Greek nor a named operator), which stays text.
    """
    m = re.match(r"([A-Za-z][A-Za-z0-9]*?)((?:[_^*].*)?)$", word)
    if m is None:
        return None
    head, rest = m.groups()
    if head in _GREEK:
        out = "\\" + _GREEK_TEX.get(head, head)
    elif head in _NAMED:
        out = _NAMED[head]
    elif len(head) == 1:
        out = head
    else:
        return None
    parts: dict[str, list[str]] = {"^": [], "_": []}
    for mark, body in re.findall(r"([_^*])(\{[^{}]*\}|[A-Za-z0-9*]*)", rest):
        if mark == "*":
            parts["^"].append("*")
            continue
        if body.startswith("{"):
            parts[mark].append(body[1:-1].replace("->", r"\to "))
            continue
        star = body.endswith("*") and len(body) > 1
        body = body.rstrip("*") if star else body
        if body == "*" or body.isdigit() or len(body) == 1:
            parts[mark].append(body)
        elif body in _GREEK:
            parts[mark].append("\\" + _GREEK_TEX.get(body, body))
        else:
            parts[mark].append(rf"\mathrm{{{body}}}")
        if star:
            parts["^"].append("*")
    for mark in ("^", "_"):
        if parts[mark]:
            out += mark + "{" + r"\,".join(parts[mark]) + "}"
    return out


def latex_statement(text: str) -> str:
    r"""Return a plain-text claim statement as LaTeX: words stay text, math words become math.

    Greek names (``alpha``, ``lam``), decorated identifiers (``W^mm``, ``alpha*_iid``,
    ``H_inf``), scripts after a bracket or digit (``)^K``, ``||_*``, ``2^-K``) and the
    operators ``<=``, ``>=``, ``!=``, ``->``, ``+-`` are typeset as math; code names
    (``solve_att_svm``) and everything else stay escaped text:
    ``alpha*(K=1) <= 1`` becomes ``$\alpha^{*}$(K=1) $\le$ 1``.
    """
    out, pos = [], 0
    for m in _MATH_TOKEN.finditer(text):
        out.append(_text(text[pos:m.start()]))
        if m.group("op"):
            out.append(f"${_OPS[m.group('op')]}$")
        elif m.group("script"):  # a sub- or superscript after a bracket: )^K, ||_*, ]^2
            mark, body = m.group("script")[0], m.group("script")[1:].strip("{}")
            out.append(f"${{}}{mark}{{{body.replace('->', chr(92) + 'to ')}}}$")
        else:
            math = _math_word(m.group("word"))
            out.append(_text(m.group("word")) if math is None else f"${math}$")
        pos = m.end()
    out.append(_text(text[pos:]))
    return "".join(out)


def format_latex(results: Sequence[ClaimResult]) -> str:
    r"""Return a booktabs ``longtable`` (one row per claim, grouped by area) for ``\input`` in the paper.

    Columns: id, statement (math typeset, :func:`latex_statement`) with its source underneath,
    measured, tolerance, status. The including document needs ``longtable``, ``booktabs`` and
    ``array``. The table breaks across pages and repeats its header; claim ids may break after
    the area prefix and hyphens. The output depends only on ``results`` (deterministic).
    """
    head = r"id & statement \emph{(source)} & measured & tol & status\\"
    rag = r">{\raggedright\arraybackslash}"
    out = [r"% generated by `theory verify --latex`; do not edit",
           r"\begingroup\footnotesize\setlength{\tabcolsep}{3pt}",
           rf"\begin{{longtable}}{{@{{}}{rag}p{{0.25\linewidth}}{rag}p{{0.46\linewidth}}rrl@{{}}}}",
           r"\toprule", head, r"\midrule", r"\endfirsthead",
           r"\toprule", head, r"\midrule", r"\endhead",
           r"\midrule", r"\multicolumn{5}{r@{}}{\emph{continued on the next page}}\\", r"\endfoot",
           r"\bottomrule", r"\endlastfoot"]
    areas = list(dict.fromkeys(r.area for r in results))
    for i, area in enumerate(areas):
        if i:
            out.append(r"\midrule")
        out.append(rf"\multicolumn{{5}}{{@{{}}l}}{{\textbf{{{latex_escape(area)}}}}}\\*")
        for r in (r for r in results if r.area == area):
            op = r"$\le$" if r.direction == "<=" else r"$\ge$"
            status = "PASS" if r.passed else r"\textbf{FAIL}"
            prefix, dot, name = r.id.partition(".")
            ident = latex_escape(prefix) + dot + r"\allowbreak{}" + latex_escape(name).replace(
                "-", r"-\allowbreak{}")
            what = rf"{latex_statement(r.statement)}\newline{{\scriptsize\emph{{{_text(r.source)}}}}}"
            out.append(rf"\texttt{{{ident}}} & {what} & {fmt_num(r.measured)} & "
                       rf"{op}\,{fmt_num(r.tol)} & {status}\\")
    out += [r"\end{longtable}", r"\endgroup", ""]
    return "\n".join(out)


__all__ = ["fmt_num", "format_latex", "format_list", "format_markdown", "format_table",
           "latex_escape", "latex_statement", "suggest", "terminal_width"]
