"""Sphinx configuration of the skaquarium documentation.

Build (warnings are errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The gallery under ``examples/`` is executed during the build on real data: the examples read
MovieLens 100K and IMDB from the skaquarium data home (``SKAQUARIUM_DATA``) and 20 Newsgroups from
scikit-learn's (``SCIKIT_LEARN_DATA``), and never download anything. When those variables are not
set and ``../shared/data`` exists beside the repository, it is used.

Intersphinx (links to scikit-learn, NumPy, SciPy, Keras and Python) needs the network to fetch the
projects' inventories, and a failed fetch is a warning, which ``-W`` turns into an error. It is
therefore off by default, so that offline builds (CI) pass; set ``SKAQUARIUM_DOCS_ONLINE=1`` to
turn it on. Keras publishes no ``objects.inv``, so it cannot take part in intersphinx at all; its
names are linked to https://keras.io through ``extlinks`` instead (``:keras:`api/layers/```).

``SKAQUARIUM_DOCS_PLOT_GALLERY=0`` builds the pages without executing the examples (fast drafts).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

# The examples run on CPU, quietly, on the TensorFlow backend.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "agg")
# TensorFlow's Python logger reports retracing of prediction functions on stderr; the examples
# run in this process, so quieten it here.
logging.getLogger("tensorflow").setLevel(logging.ERROR)
_SHARED_DATA = ROOT.parent / "shared" / "data"
if _SHARED_DATA.is_dir():
    os.environ.setdefault("SKAQUARIUM_DATA", str(_SHARED_DATA))
    os.environ.setdefault("SCIKIT_LEARN_DATA", str(_SHARED_DATA / "sklearn"))

import skaquarium  # noqa: E402

# -- project ---------------------------------------------------------------------------------------

project = "skaquarium"
author = "the skaquarium developers"
copyright = "2026, the skaquarium developers"  # noqa: A001
version = release = skaquarium.__version__

# -- general ---------------------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.extlinks",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb"]
# The benchmark tables are included into the user guide, not built as pages of their own.
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"
nitpicky = False

# -- autodoc / autosummary / numpydoc --------------------------------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"
autodoc_mock_imports: list[str] = []
# numpydoc writes the members' tables itself; autosummary stubs come from _templates/.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- links -----------------------------------------------------------------------------------------

intersphinx_mapping: dict = {}
if os.environ.get("SKAQUARIUM_DOCS_ONLINE") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "pandas": ("https://pandas.pydata.org/docs", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
    }
intersphinx_timeout = 10

extlinks = {
    "keras": ("https://keras.io/%s", "keras.io/%s"),
    "sklearn": ("https://scikit-learn.org/stable/%s", "%s"),
}

# -- gallery ---------------------------------------------------------------------------------------


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "plot_gallery": os.environ.get("SKAQUARIUM_DOCS_PLOT_GALLERY", "True") != "0",
    "abort_on_example_error": True,
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("skaquarium",),
    "reset_modules": ("matplotlib",),
    "min_reported_time": 0,
    # No docs/sg_execution_times.rst in the source tree (each example page shows its own time).
    "write_computation_times": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
}

# -- HTML ------------------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skaquarium {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}
html_show_sourcelink = False

# -- generated pieces: benchmark tables, API completeness ---------------------------------------------

#: Results file name -> the command that writes it.
BENCHMARKS = {
    "dual_mf": "python benchmarks/dual_mf.py",
    "dual_mf_scale": "python benchmarks/dual_mf.py --scale",
    "dual_mf_ml1m": "python benchmarks/dual_mf.py --ml1m",
    "dual_mf_max_history": "python benchmarks/dual_mf.py --max-history",
    "dual_mf_projection": "python benchmarks/dual_mf.py --projection",
    "dual_mf_ranking": "python benchmarks/dual_mf_ranking.py",
    "softmax_autoencoder": "python benchmarks/softmax_autoencoder.py",
    "han": "python benchmarks/han.py",
    "han_defaults": "python benchmarks/han.py --defaults",
    "han_attention": "python benchmarks/han_attention.py",
    "han_profile": "python benchmarks/han_profile.py --corpus imdb|20ng --before <commit>",
    "han_profile_before_issue20": "python benchmarks/han_profile.py (as of commit d9d09fe)",
}
GENERATED = HERE / "generated"


def _inline_markdown(text: str) -> str:
    """Markdown links ``[text](url)`` as reStructuredText links; the rest reads the same."""
    import re

    return re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r"`\1 <\2>`__", text)


def _markdown_table(lines: list[str]) -> list[str]:
    """A markdown pipe table as a reStructuredText ``list-table``."""

    def cells(line):
        return [c.strip() for c in line.strip().strip("|").split("|")]

    header, body = cells(lines[0]), [cells(line) for line in lines[2:]]
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header, *body]:
        row = row + [""] * (len(header) - len(row))
        out.append(f"   * - {_inline_markdown(row[0]) or ' '}")
        out.extend(f"     - {_inline_markdown(c) or ' '}" for c in row[1:])
    return [*out, ""]


def markdown_to_rst(markdown: str) -> str:
    """Just enough markdown for the benchmark result files: headings, paragraphs, lists, tables.

    Headings become ``rubric`` directives so they do not clash with the page's section levels.
    """
    out: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if (
            stripped.startswith("|")
            and i + 1 < len(lines)
            and set(lines[i + 1].strip()) <= set("|-: ")
        ):
            table = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                table.append(lines[i])
                i += 1
            out.extend(["", *_markdown_table(table)])
            continue
        if stripped.startswith("#"):
            out.extend(["", f".. rubric:: {_inline_markdown(stripped.lstrip('#').strip())}", ""])
        elif stripped.startswith("```"):
            out.extend(["", "::", ""])
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                out.append(f"    {lines[i]}")
                i += 1
            out.append("")
        else:
            out.append(_inline_markdown(line))
        i += 1
    return "\n".join(out) + "\n"


def write_benchmark_includes(app=None):
    """``generated/benchmarks/<name>.rst.inc``: each benchmark's markdown table as rst, or a note
    saying plainly that the results file does not exist (no figure is ever written by hand)."""
    target = GENERATED / "benchmarks"
    target.mkdir(parents=True, exist_ok=True)
    for name, command in BENCHMARKS.items():
        source = ROOT / "benchmarks" / "results" / f"{name}.md"
        if source.is_file():
            text = (
                f"The table below is ``benchmarks/results/{name}.md``, written by "
                f"``{command}`` (hardware, library versions and date are in "
                f"``benchmarks/results/{name}.json``).\n\n" + markdown_to_rst(source.read_text())
            )
        else:
            text = (
                ".. note::\n\n"
                f"   No benchmark results yet: ``benchmarks/results/{name}.md`` did not exist when "
                f"this page was built. Run ``{command}`` to measure them; the "
                "table then appears here on the next build.\n"
            )
        path = target / f"{name}.rst.inc"
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)


def write_ranking_plot():
    """``generated/benchmarks/dual_mf_ranking_plot.rst.inc``: Recall@k against k for each model
    of ``benchmarks/results/dual_mf_ranking.json`` (a figure drawn from the results file at build
    time), or a note when the file has no curves."""
    target = GENERATED / "benchmarks"
    source = ROOT / "benchmarks" / "results" / "dual_mf_ranking.json"
    results = json.loads(source.read_text()) if source.is_file() else {}
    panels = [
        (dataset, view, out)
        for dataset, views in results.get("datasets", {}).items()
        for view, out in views.items()
        if all("recall_at" in row for row in out["models"])
    ]
    inc = target / "dual_mf_ranking_plot.rst.inc"
    if not panels:
        inc.write_text(
            ".. note::\n\n   No Recall@k curves yet: run ``python benchmarks/dual_mf_ranking.py``;"
            " the figure appears here on the next build.\n"
        )
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_cols = 2
    n_rows = (len(panels) + n_cols - 1) // n_cols
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(11, 3.8 * n_rows), squeeze=False)
    for ax, (dataset, view, out) in zip(axes.flat, panels):
        for row in out["models"]:
            ks = sorted(row["recall_at"], key=int)
            style = "-" if row["model"].startswith("DualMF") else "--"
            label = row["model"].split(" (")[0].replace("DualMFRegressor", "DualMF")
            ax.plot(
                [int(k) for k in ks],
                [row["recall_at"][k] for k in ks],
                style,
                marker="o",
                markersize=3,
                label=label,
            )
        what = "every rating" if view == "all" else "ratings >= 4"
        ax.set_title(f"MovieLens {dataset}, {what}", fontsize=10)
        ax.set_xlabel("k")
        ax.set_ylabel("Recall@k")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06 + 0.02 * (n_rows == 1), 1, 1))
    fig.savefig(target / "dual_mf_ranking_recall.png", dpi=110)
    plt.close(fig)
    inc.write_text(
        ".. figure:: /generated/benchmarks/dual_mf_ranking_recall.png\n   :width: 100%\n\n"
        "   Recall@k against the length k of the list, drawn from "
        "``benchmarks/results/dual_mf_ranking.json`` (solid: the package's models).\n"
    )


write_benchmark_includes()
write_ranking_plot()


def _public_names() -> set[str]:
    """Every public name of the package's public modules: ``__all__`` plus the public classes and
    functions defined in each module."""
    import importlib
    import inspect

    modules = {
        "skaquarium": None,
        "skaquarium.dual_mf": None,
        "skaquarium.softmax_autoencoder": None,
        "skaquarium.han": None,
        "skaquarium.text": None,
        "skaquarium.layers": None,
        "skaquarium.datasets": None,
        "skaquarium.demo": None,
    }
    names = set()
    for modname in modules:
        module = importlib.import_module(modname)
        declared = set(getattr(module, "__all__", ()))
        for name in declared:
            if name.startswith("__"):
                continue
            obj = getattr(module, name)
            if modname == "skaquarium":
                names.add(f"skaquarium.{name}")
            elif inspect.isclass(obj) or inspect.isfunction(obj):
                names.add(f"{modname}.{name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if getattr(obj, "__module__", None) == modname:
                names.add(f"{modname}.{name}")
    return names


def check_api_reference(app):
    """Warn (an error under ``-W``) for each public name that ``api.rst`` does not list."""
    import re

    from sphinx.util import logging

    listed = set()
    current = None
    for line in (HERE / "api.rst").read_text().splitlines():
        module = re.match(r"\s*\.\. currentmodule:: (\S+)", line)
        if module:
            current = module.group(1)
            continue
        entry = re.match(r"^    ([A-Za-z_][\w.]*)\s*$", line)
        if entry and current:
            listed.add(f"{current}.{entry.group(1)}")
    # Classes re-exported by the package are documented once, under their public import path.
    aliases = {
        "skaquarium.dual_mf.DualMFRegressor": "skaquarium.DualMFRegressor",
        "skaquarium.softmax_autoencoder.SoftmaxAutoEncoderTransformer": (
            "skaquarium.SoftmaxAutoEncoderTransformer"
        ),
        "skaquarium.han.HANClassifier": "skaquarium.HANClassifier",
        "skaquarium.text.HierarchicalTokenizer": "skaquarium.HierarchicalTokenizer",
    }
    logger = logging.getLogger(__name__)
    for name in sorted(_public_names()):
        if name not in listed and aliases.get(name) not in listed:
            logger.warning("public name %s is missing from docs/api.rst", name)


# -- autodoc: which inherited members a class page shows ------------------------------------------

# scikit-learn methods worth showing on the estimators' pages; metadata-routing helpers
# (set_fit_request, ...) and scikeras' internals are left out.
_SKLEARN_MEMBERS = {
    "fit_transform",
    "get_feature_names_out",
    "get_params",
    "score",
    "set_output",
    "set_params",
}


def skip_member(app, what, name, obj, skip, options):
    if what != "class" or skip:
        return skip
    func = getattr(obj, "fget", obj)
    func = getattr(func, "__func__", func)
    module = getattr(func, "__module__", "") or ""
    qualname = getattr(func, "__qualname__", "") or ""
    if qualname.startswith("_hidden_method") or qualname.startswith("_AvailableIfDescriptor"):
        return True  # a scikeras entry point the estimator hides (hasattr is False)
    if module.startswith("skaquarium"):
        return None
    if module.startswith("sklearn"):
        return name not in _SKLEARN_MEMBERS
    return True


_PARAM_LINE = re.compile(r"^([\w*][\w*, ]*) : (.+)$")
_TRAILING_UNDERSCORE = re.compile(r"\b([A-Za-z]\w*?)_(?=\W|$)")


def escape_type_underscores(app, what, name, obj, options, lines):
    """Escape the trailing underscore of fitted-attribute names in numpydoc type lines.

    A type such as ``ndarray of shape (n_samples, n_features_in_)`` is reStructuredText, where
    ``n_features_in_`` is a reference to a target that does not exist (an error). scikit-learn
    writes such names in backticks; this hook makes the plain spelling safe too. Only the type part
    of unindented ``name : type`` lines is touched, and only when it holds no backticks.
    """
    for k, line in enumerate(lines):
        match = _PARAM_LINE.match(line)
        if match and "`" not in match.group(2):
            escaped = _TRAILING_UNDERSCORE.sub(r"\1\\_", match.group(2))
            lines[k] = match.group(1) + " : " + escaped


_REF_WITH_TITLE = re.compile(r":ref:`([^`<]+?)\s*<[^`>]+>`")
_REF_BARE = re.compile(r":ref:`([^`]+)`")


def unlink_sklearn_refs(app, what, name, obj, options, lines):
    """Docstrings inherited from scikit-learn (``score``, ``set_output``) point at labels of
    scikit-learn's own site with ``:ref:``, which do not exist here: keep their text only."""
    func = getattr(obj, "__func__", obj)
    if not (getattr(func, "__module__", None) or "").startswith("sklearn"):
        return
    for k, line in enumerate(lines):
        line = _REF_WITH_TITLE.sub(r"\1", line)
        lines[k] = _REF_BARE.sub(lambda m: m.group(1).replace("_", " "), line)


def setup(app):
    app.connect("builder-inited", check_api_reference)
    app.connect("autodoc-skip-member", skip_member)
    # Before numpydoc's own handler (priority 500), which parses the sections.
    app.connect("autodoc-process-docstring", escape_type_underscores, priority=400)
    app.connect("autodoc-process-docstring", unlink_sklearn_refs, priority=400)
