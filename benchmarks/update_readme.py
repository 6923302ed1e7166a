"""Copy the benchmark tables of ``benchmarks/results/*.md`` into README.md.

The README's results section lies between ``<!-- results:start -->`` and ``<!-- results:end -->``;
this script rewrites it from the result files, so the figures are never typed by hand.

Usage: ``python benchmarks/update_readme.py``
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- results:start -->", "<!-- results:end -->"
SECTIONS = [
    ("DualMFRegressor — MovieLens", "dual_mf.md"),
    ("DualMFRegressor — MovieLens 1M", "dual_mf_ml1m.md"),
    ("DualMFRegressor — at scale (synthetic ratings)", "dual_mf_scale.md"),
    ("DualMFRegressor — what sampling long histories costs", "dual_mf_max_history.md"),
    (
        "DualMFRegressor — 20 million ratings: one epoch against max_history",
        "dual_mf_projection.md",
    ),
    ("DualMFRegressor — top-k ranking from implicit feedback", "dual_mf_ranking.md"),
    ("SoftmaxAutoEncoderTransformer — 20 Newsgroups", "softmax_autoencoder.md"),
    ("HANClassifier — R8, MR, 20 Newsgroups, IMDB", "han.md"),
    ("HANClassifier() with its defaults — four corpora and two held out", "han_defaults.md"),
    ("HANClassifier — does the attention point at the evidence?", "han_attention.md"),
    (
        "HANClassifier — where a fit's time went before the speed work of issue 20",
        "han_profile_before_issue20.md",
    ),
    ("HANClassifier — where a fit's time goes", "han_profile.md"),
    ("Beyond one process — tf.distribute and a Dask cluster", "scale_out.md"),
]


def results_markdown():
    parts = []
    for title, name in SECTIONS:
        path = ROOT / "benchmarks" / "results" / name
        body = path.read_text().strip() if path.exists() else "_No results yet._"
        body = re.sub(r"(?m)^### ", "#### ", body)
        parts.append(f"### {title}\n\nFrom `benchmarks/results/{name}`:\n\n{body}\n")
    return "\n".join(parts)


def main():
    readme = ROOT / "README.md"
    text = readme.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{results_markdown()}{END}{tail}")


if __name__ == "__main__":
    main()
