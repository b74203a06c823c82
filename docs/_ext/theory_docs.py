"""Generate the documentation sources that depend on the package, and sphinx-gallery hooks.

Everything generated here comes from what exists: the areas (``theory.claims.AREAS``), each
area's ``__all__``, the claims registry and a fast run of every claim, the scripts in
``figures/`` and the notebooks in ``notebooks/``. Nothing lists names by hand, so a new area,
function, claim, figure or notebook appears in the site at the next build.

Generated files go to ``docs/generated/`` (ignored by git) and are rewritten only when their
text changes, so that Sphinx rebuilds only what changed.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import pkgutil
import re
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
GEN = DOCS / "generated"
BUILD = DOCS / "_build"
FIG_TMP = BUILD / "gallery_figures"
FIGURES = ROOT / "figures"
NOTEBOOKS = ROOT / "notebooks"


# ----------------------------------------------------------------------------------------------
# small helpers

def write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it already holds exactly that text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def heading(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def cell(text: Any) -> str:
    """A list-table cell: one line, RST-inline-safe (``*``, ``|``, backquotes escaped)."""
    s = " ".join(str(text).split())
    return re.sub(r"([*`|_\\])", r"\\\1", s) if s else r"\ "


def list_table(header: Sequence[str], rows: Iterable[Sequence[Any]], widths: str = "auto",
               literal_first: bool = True) -> str:
    out = [".. list-table::", "   :header-rows: 1", f"   :widths: {widths}", ""]
    for i, row in enumerate([list(header), *rows]):
        for j, value in enumerate(row):
            text = f"``{value}``" if (literal_first and j == 0 and i > 0) else (
                value if isinstance(value, Raw) else cell(value))
            out.append(f"   {'* -' if j == 0 else '  -'} {text}")
    return "\n".join(out) + "\n"


class Raw(str):
    """A table cell that is already RST (a link, a role)."""


def first_line(doc: str | None) -> str:
    doc = inspect.cleandoc(doc or "")
    para = doc.split("\n\n")[0]
    return " ".join(para.split())


def areas() -> list[str]:
    """The areas that exist as subpackages, in the registry's order."""
    from theory.claims import AREAS

    out = []
    for area in AREAS:
        try:
            importlib.import_module(f"theory.{area}")
        except ModuleNotFoundError:
            continue
        out.append(area)
    return out


def public_names(area: str) -> list[str]:
    mod = importlib.import_module(f"theory.{area}")
    return sorted(getattr(mod, "__all__", []))


def area_of(stem: str, known: Sequence[str]) -> str | None:
    """The area a file ``<area>_<what>`` belongs to (longest matching prefix)."""
    hits = [a for a in known if stem.startswith(a + "_")]
    return max(hits, key=len) if hits else None


def area_title(area: str) -> str:
    return first_line(importlib.import_module(f"theory.{area}").__doc__).rstrip(".") or area


# ----------------------------------------------------------------------------------------------
# the claims, run once in fast mode (cached until a file under theory/ changes)

def fast_results(jobs: int = 2) -> dict[str, Any]:
    """``theory verify --fast`` results as the JSON document the CLI writes."""
    cache = BUILD / "claims-fast.json"
    newest = max(p.stat().st_mtime for p in (ROOT / "theory").rglob("*.py"))
    if cache.exists() and cache.stat().st_mtime > newest:
        return json.loads(cache.read_text())
    from theory import __version__
    from theory.claims import run

    results = run(fast=True, jobs=jobs, rng=0)
    doc = {"claims": [r.as_dict() for r in results], "version": __version__, "seed": 0, "fast": True}
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(doc, indent=2) + "\n")
    return doc


def _num(x: Any) -> str:
    return f"{x:.3g}" if isinstance(x, (int, float)) else str(x)


def claims_table(rows: Sequence[dict[str, Any]]) -> str:
    """id, statement with its source, measured, tolerance, result."""
    header = ["id", "statement (source)", "measured", "tolerance", "result"]
    body = [[r["id"], Raw(f"{cell(r['statement'])} (*{cell(r['source'])}*)"), _num(r["measured"]),
             f"{r['direction']} {_num(r['tol'])}", "PASS" if r["passed"] else "FAIL"] for r in rows]
    return list_table(header, body, widths="24 52 9 9 6")


# ----------------------------------------------------------------------------------------------
# pages

def _figure_scripts() -> list[Path]:
    return sorted(FIGURES.glob("*.py"))


def _notebook_for(area: str) -> Path | None:
    hits = [p for p in sorted(NOTEBOOKS.glob("*.py")) if p.stem.split("_", 1)[-1] == area]
    return hits[0] if hits else None


def _script_doc(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or path.stem


def _cost(obj: Any) -> str:
    """The sentences of a docstring that state a cost (``Cost ...``, ``O(...)``)."""
    doc = " ".join(inspect.cleandoc(getattr(obj, "__doc__", None) or "").split())
    sentences = re.split(r"(?<=[.;])\s+", doc)
    hits = [s for s in sentences if re.search(r"\bcost\b|\bO\(|complexity", s, re.IGNORECASE)]
    return " ".join(hits)


def area_page(area: str, results: Sequence[dict[str, Any]], known: Sequence[str]) -> str:
    pkg = importlib.import_module(f"theory.{area}")
    title = area_title(area)
    lines = [f".. _area-{area}:", "", heading(title),
             f"Subpackage :mod:`theory.{area}` · API: :doc:`/generated/api/{area}`"]
    nb = _notebook_for(area)
    if nb is not None:
        lines[-1] += f" · notebook: :doc:`/generated/notebooks/{nb.stem}`"
    lines += ["", f".. automodule:: theory.{area}", "   :no-index:", "", heading("The problem", "-"),
              "Each module states its problem and formulas in its docstring:", ""]
    path = Path(pkg.__file__).parent
    for info in pkgutil.iter_modules([str(path)]):
        if info.name.startswith("_") or info.name == "claims":
            continue
        lines += [heading(f"theory.{area}.{info.name}", "~"),
                  f".. automodule:: theory.{area}.{info.name}", "   :no-index:", ""]
    rows = []
    for name in public_names(area):
        obj = getattr(pkg, name)
        rows.append([name, first_line(obj.__doc__), _cost(obj)])
    lines += [heading("What it computes, at what cost", "-"),
              "Every public name, its one-line summary and the cost its docstring states "
              "(empty where it states none).", "",
              list_table(["name", "summary", "cost"], rows, widths="20 45 35")]
    mine = [r for r in results if r["area"] == area]
    lines += [heading("Claims", "-"),
              f"{len(mine)} registered claims, measured by ``theory verify --fast {area}`` "
              "when these pages were built (seed 0); ``theory verify`` runs them at full size.", "",
              claims_table(mine) if mine else "No claims registered yet.", ""]
    figs = [p for p in _figure_scripts() if area_of(p.stem, known) == area]
    lines += [heading("Figures", "-")]
    if not figs:
        lines.append("No figure scripts yet.")
    for p in figs:
        png = FIGURES / f"{p.stem}.png"
        if png.exists():
            lines += [f".. figure:: /../figures/{p.stem}.png", f"   :alt: {p.stem}", "   :width: 100%", "",
                      f"   {cell(first_line(_script_doc(p)))} "
                      f"(:doc:`script and fast-mode output </generated/gallery/{area}/{p.stem}>`)", ""]
    return "\n".join(lines) + "\n"


def api_page(area: str) -> str:
    names = public_names(area)
    return "\n".join([
        heading(f"theory.{area}"),
        f".. py:module:: theory.{area}", "",
        f"{area_title(area)}. Every name in ``theory.{area}.__all__``; the area page "
        f":ref:`area-{area}` gives the formulas and the claims.", "",
        f".. currentmodule:: theory.{area}", "",
        ".. autosummary::", f"   :toctree: {area}", "", *[f"   {n}" for n in names], ""])


def infra_api_page(modname: str) -> str:
    mod = importlib.import_module(modname)
    names = getattr(mod, "__all__", None) or [
        n for n, o in vars(mod).items()
        if not n.startswith("_") and getattr(o, "__module__", None) == modname
        and (inspect.isfunction(o) or inspect.isclass(o))]
    names = sorted(n for n in names if getattr(getattr(mod, n), "__module__", "").startswith("theory"))
    short = modname.split(".")[-1]
    return "\n".join([
        heading(modname), f".. automodule:: {modname}", "   :no-members:", "",
        f".. currentmodule:: {modname}", "",
        ".. autosummary::", f"   :toctree: {short}", "", *[f"   {n}" for n in names], ""])


INFRA = ("theory.claims", "theory.figures")


def api_index(known: Sequence[str]) -> str:
    rows = [[f"theory.{a}", Raw(f":doc:`{area_title(a)} <{a}>`"), str(len(public_names(a)))] for a in known]
    return "\n".join([
        heading("API reference"),
        "One page per area, listing every name of its ``__all__`` (a test checks that none is "
        "missing), and the two modules a contributor uses: the claims registry and the figure "
        "helpers.", "",
        list_table(["module", "area", "public names"], rows, widths="25 60 15"),
        ".. toctree::", "   :maxdepth: 1", "", *[f"   {a}" for a in known],
        *[f"   {m.split('.')[-1]}" for m in INFRA], ""])


def catalogue(doc: dict[str, Any], known: Sequence[str]) -> str:
    rows = doc["claims"]
    n_pass = sum(r["passed"] for r in rows)
    seconds = sum(r["seconds"] for r in rows)
    lines = [heading("Claims catalogue"),
             f"Every registered claim, grouped by area, as measured by ``theory verify --fast`` "
             f"(version {doc['version']}, seed {doc['seed']}) while these pages were built: "
             f"**{n_pass} of {len(rows)} passed** in {seconds:.1f} s of check time. A claim passes "
             "when its measured value is on the right side of its tolerance (``<=`` for "
             "residuals and gaps, ``>=`` for lower bounds). ``theory verify`` runs the same "
             "checks at full size.", ""]
    for area in [*known, *sorted({r["area"] for r in rows} - set(known))]:
        mine = [r for r in rows if r["area"] == area]
        if mine:
            lines += [heading(f"{area} ({len(mine)})", "-"), f"Area page: :ref:`area-{area}`.", "",
                      claims_table(mine)]
    return "\n".join(lines) + "\n"


def areas_grid(known: Sequence[str], results: Sequence[dict[str, Any]]) -> str:
    """The landing page's table: each area with its first figure."""
    rows = []
    for area in known:
        figs = [p for p in _figure_scripts()
                if area_of(p.stem, known) == area and (FIGURES / f"{p.stem}.png").exists()]
        n = sum(r["area"] == area for r in results)
        text = Raw(f":ref:`{cell(area_title(area))} <area-{area}>` — ``theory.{area}``, {n} claims, "
                   f"{len(public_names(area))} public names")
        pic = Raw(f"|pic-{area}|") if figs else r"\ "
        rows.append([text, pic])
    subs = []
    for area in known:
        figs = [p for p in _figure_scripts()
                if area_of(p.stem, known) == area and (FIGURES / f"{p.stem}.png").exists()]
        if figs:
            subs += [f".. |pic-{area}| image:: /../figures/{figs[0].stem}.png",
                     "   :width: 360px", f"   :alt: {figs[0].stem}", ""]
    return list_table(["area", "a figure from it"], rows, widths="45 55", literal_first=False) \
        + "\n" + "\n".join(subs) + "\n"


# ----------------------------------------------------------------------------------------------
# gallery sources and notebooks

def gallery_sources(known: Sequence[str]) -> Path:
    """Copy figures/*.py into one folder per area, each opening with a titled docstring."""
    src = GEN / "gallery_src"
    write(src / "GALLERY_HEADER.rst", heading("Gallery") + "\nEvery script in ``figures/``, run in "
          "fast mode (``THEORY_FAST=1``) while these pages were built: the picture below each "
          "script is that run's output (the committed figures in ``figures/`` are the full-size "
          "runs of ``make figures``).\n")
    wanted: set[Path] = set()
    for p in _figure_scripts():
        area = area_of(p.stem, known) or "other"
        tree = ast.parse(p.read_text(encoding="utf-8"))
        body = p.read_text(encoding="utf-8").splitlines()
        doc = ast.get_docstring(tree) or ""
        start = 0
        if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(
                getattr(tree.body[0], "value", None), ast.Constant):
            start = tree.body[0].end_lineno or 0
        text = "\n".join(escape_bars(doc.splitlines()))
        what = p.stem[len(area) + 1:] if area in known else p.stem
        title = f"{area}: {what.replace('_', ' ')}"
        header = f'r"""\n{heading(title)}\n{text}\n\n``figures/{p.name}``\n"""\n'
        target = src / area / p.name
        write(target, header + "\n".join(body[start:]) + "\n")
        wanted.add(target)
        if area not in known:
            write(src / area / "GALLERY_HEADER.rst", heading("Other figures", "-"))
    for area in known:
        write(src / area / "GALLERY_HEADER.rst",
              heading(area_title(area), "-") + f"\nArea page: :ref:`area-{area}`.\n")
    for stale in src.rglob("*.py"):
        if stale not in wanted:
            stale.unlink()
    return src


def notebook_sources() -> list[str]:
    """The jupytext percent files as unexecuted .ipynb (myst-nb executes them)."""
    import jupytext

    out = GEN / "notebooks"
    names = []
    for p in sorted(NOTEBOOKS.glob("*.py")):
        nb = jupytext.read(p)
        write(out / f"{p.stem}.ipynb", jupytext.writes(nb, fmt="ipynb"))
        names.append(p.stem)
    for stale in out.glob("*.ipynb"):
        if stale.stem not in names:
            stale.unlink()
    return names


def notebooks_index(names: Sequence[str]) -> str:
    return "\n".join([
        heading("Notebooks"),
        "One notebook per area, written as a jupytext percent file in ``notebooks/`` and executed "
        "in fast mode while these pages were built (an error in any cell fails the build). To "
        "open one in Jupyter, see :doc:`/installation`.", "",
        ".. toctree::", "   :maxdepth: 1", "", *[f"   {n}" for n in names], ""])


def generate() -> dict[str, Any]:
    """Write every generated page; return what conf.py needs."""
    os.environ.setdefault("THEORY_FAST", "1")
    known = areas()
    doc = fast_results()
    results = doc["claims"]
    for area in known:
        write(GEN / "areas" / f"{area}.rst", area_page(area, results, known))
        write(GEN / "api" / f"{area}.rst", api_page(area))
    for mod in INFRA:
        write(GEN / "api" / f"{mod.split('.')[-1]}.rst", infra_api_page(mod))
    write(GEN / "api" / "index.rst", api_index(known))
    write(GEN / "claims.rst", catalogue(doc, known))
    write(GEN / "areas_grid.rst", areas_grid(known, results))
    write(GEN / "areas" / "index.rst", "\n".join([
        heading("Areas"), ".. toctree::", "   :maxdepth: 1", "", *[f"   {a}" for a in known], ""]))
    gallery_sources(known)
    names = notebook_sources()
    write(GEN / "notebooks" / "index.rst", notebooks_index(names))
    return {"areas": known}


# ----------------------------------------------------------------------------------------------
# docstrings: plain-text formulas such as ``H(X|Y)`` or ``|X|`` read as RST substitutions

_LITERAL = re.compile(r"(:\w+:)?(`+)(?:(?!\2).)+\2")


def escape_bars(lines: Sequence[str]) -> list[str]:
    """Escape ``|`` in prose lines so that RST shows it instead of reading a substitution.

    Lines inside literal and directive blocks (after a line ending in ``::``, e.g. ``.. math::``),
    directive lines and text inside backquotes (literals, roles such as ``:math:``) are kept.
    """
    out: list[str] = []
    block: int | None = None
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if block is not None and (not stripped or indent > block):
            out.append(line)
            continue
        block = None
        if stripped.endswith("::"):
            block = indent
        if stripped.startswith(".. "):
            out.append(line)
            continue
        pieces, last = [], 0
        for m in _LITERAL.finditer(line):
            pieces.append(re.sub(r"(?<!\\)\|", r"\\|", line[last:m.start()]))
            pieces.append(m.group(0))
            last = m.end()
        pieces.append(re.sub(r"(?<!\\)\|", r"\\|", line[last:]))
        out.append("".join(pieces))
    return out


def _escape_docstring(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    lines[:] = escape_bars(lines)


def setup(app: Any) -> dict[str, Any]:
    """Sphinx extension: the docstring escaping above (before numpydoc parses the sections)."""
    app.connect("autodoc-process-docstring", _escape_docstring, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# ----------------------------------------------------------------------------------------------
# sphinx-gallery hooks: each script saves its figure with theory.figures.save (which closes it),
# so the picture is taken from the PNG written into a per-example folder, not from pyplot.

_SCRAPED: set[str] = set()


def reset_fig_dir(gallery_conf: dict[str, Any], fname: str | None, when: str) -> None:
    """Before each example: a fresh, empty THEORY_FIG_DIR named after it."""
    if when != "before" or fname is None:
        return
    folder = FIG_TMP / Path(fname).stem
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["THEORY_FIG_DIR"] = str(folder)
    os.environ["THEORY_FAST"] = "1"
    _SCRAPED.clear()


def saved_png_scraper(block: Any, block_vars: dict[str, Any], gallery_conf: dict[str, Any]) -> str:
    """Put the PNGs the last block wrote with ``theory.figures.save`` into the example page."""
    from sphinx_gallery.scrapers import figure_rst

    folder = Path(os.environ.get("THEORY_FIG_DIR", FIG_TMP))
    new = [p for p in sorted(folder.glob("*.png")) if str(p) not in _SCRAPED]
    targets = []
    for png, target in zip(new, block_vars["image_path_iterator"]):
        shutil.copyfile(png, target)
        _SCRAPED.add(str(png))
        targets.append(target)
    return figure_rst(targets, gallery_conf["src_dir"])


# ----------------------------------------------------------------------------------------------
# `make notebooks`: python docs/_ext/theory_docs.py notebooks/*.py --out docs/_build/notebooks

def execute_notebooks(paths: Sequence[Path], out: Path, *, timeout: int = 1800) -> list[Path]:
    """Execute jupytext percent files with nbclient and save them as ``.ipynb`` with outputs.

    Runs in the notebook's folder, in fast mode unless ``THEORY_FAST`` is set; a cell that
    raises stops the run with nbclient's ``CellExecutionError``.
    """
    import jupytext
    from nbclient import NotebookClient

    os.environ.setdefault("THEORY_FAST", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        nb = jupytext.read(path)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(Path(path).resolve().parent)}}).execute()
        target = out / f"{Path(path).stem}.ipynb"
        jupytext.write(nb, target, fmt="ipynb")
        written.append(target)
    return written


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="execute jupytext notebooks into .ipynb files")
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=BUILD / "notebooks")
    args = parser.parse_args()
    for written in execute_notebooks(args.notebooks, args.out):
        print(f"wrote {written}")
