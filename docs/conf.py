"""Sphinx configuration: pages generated from the package (docs/_ext/theory_docs.py), furo,
numpydoc, autosummary, sphinx-gallery over figures/, myst-nb over notebooks/.

Nothing here reaches the network: no intersphinx inventories are fetched (none is shipped, so
cross-links to numpy/scipy/POT/cvxpy are left as plain names) and MathJax is served from the
local copy of ``sphinx-mathjax-offline``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
os.environ["THEORY_FAST"] = "1"  # gallery scripts and notebooks run in fast mode
os.environ.setdefault("MPLBACKEND", "Agg")

import theory_docs  # noqa: E402
from sphinx_gallery.sorting import ExplicitOrder  # noqa: E402

import theory  # noqa: E402

generated = theory_docs.generate()

project = "theory"
author = "The theory contributors"
copyright = "2026, The theory contributors"
release = theory.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_nb",
    "sphinx-mathjax-offline",
    "theory_docs",
]

exclude_patterns = ["_build", "_ext", "tests", "generated/gallery_src", "generated/gallery/**.ipynb",
                    "generated/gallery/**.py", "**.ipynb_checkpoints"]

autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
autodoc_default_options = {"member-order": "bysource"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "furo"
html_favicon = "_static/favicon.svg"
html_title = f"theory {release}"
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False

# sphinx-gallery: every figure script, executed in fast mode; a failing script fails the build.
sphinx_gallery_conf = {
    "examples_dirs": "generated/gallery_src",
    "gallery_dirs": "generated/gallery",
    "subsection_order": ExplicitOrder([f"generated/gallery_src/{a}" for a in generated["areas"]] + ["*"]),
    "filename_pattern": r".*\.py$",
    "abort_on_example_error": True,
    "image_scrapers": ("theory_docs.saved_png_scraper",),
    "reset_modules": ("matplotlib", "theory_docs.reset_fig_dir"),
    "capture_repr": (),
    "download_all_examples": False,
    "write_computation_times": False,
    "backreferences_dir": None,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}

# myst-nb: the notebooks (converted from their jupytext percent files) are executed; an error
# in a cell fails the build. Results are cached in _build until a notebook changes.
nb_execution_mode = "cache"
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache")
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
