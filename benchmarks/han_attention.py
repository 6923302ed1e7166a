"""How often HANClassifier's attention points at the evidence, with and without skip connections.

On :func:`skaquarium.datasets.make_keyword_documents` (documents of 3 to 6 filler sentences; one
sentence holds the keyword that decides the label) a faithful explanation ranks the keyword
sentence first and, within it, the keyword first. For each seed (the seed draws the training and
test documents and the network's initialisation) the script fits the paper's graph
(``skip_connections=False``) and the package's (``skip_connections=True``), both without the
regularizers of the default recipe, and the package's defaults (the recipe), on 240 documents
and measures, on 60 unseen ones: test accuracy, the fraction of documents whose
top-weighted sentence is the keyword sentence, and the fraction whose keyword sentence's
top-weighted word is the keyword. Chance for the sentence is the mean of 1 / sentences.

Usage::

    python benchmarks/han_attention.py            # 8 seeds, about 15 minutes on 2 CPUs
    python benchmarks/han_attention.py --seeds 3  # fewer

Writes ``benchmarks/results/han_attention.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import machine, versions  # noqa: E402

from skaquarium import HANClassifier  # noqa: E402
from skaquarium.datasets import make_keyword_documents  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
KEYWORDS = {"alpha", "omega"}
# A small network (the task is tiny); the same settings as the package's explanation test: the
# plain network (none of the default recipe's regularizers), to compare the two graphs.
SIZES = dict(embedding_dim=16, word_units=12, sentence_units=12, attention_dim=16, min_df=1)
PARAMS = dict(
    SIZES,
    batch_size=32,
    learning_rate=0.02,
    epochs=12,
    dropout=0.0,
    embeddings=None,
    ngram_range=(1, 1),
    label_smoothing=0.0,
    adversarial_epsilon=0.0,
    average_from_epoch=None,
)
#: The configurations: the paper's graph and the package's, both plain, and the package's defaults
#: (the regularized recipe, epochs="auto": 50 on 240 documents) at the same small sizes.
CONFIGS = {
    "paper": (
        "paper (`skip_connections=False`), plain",
        dict(PARAMS, skip_connections=False),
    ),
    "skip": ("`skip_connections=True`, plain", dict(PARAMS, skip_connections=True)),
    "defaults": (
        "the defaults (recipe, `skip_connections=True`)",
        dict(SIZES, ngram_buckets=4096),
    ),
}


def measure(seed, config):
    docs, y, _ = make_keyword_documents(240, random_state=2 * seed)
    test_docs, test_y, key = make_keyword_documents(60, random_state=2 * seed + 1)
    start = time.perf_counter()
    model = HANClassifier(**CONFIGS[config][1], random_state=seed)
    model.fit(docs, y)
    fit_s = time.perf_counter() - start
    explanations = model.explain(test_docs)
    first = np.array([int(np.argmax([s["weight"] for s in doc])) for doc in explanations])
    top_words = [max(doc[k]["words"], key=lambda p: p[1])[0] for doc, k in zip(explanations, key)]
    return {
        "seed": seed,
        "config": config,
        "accuracy": float(model.score(test_docs, test_y)),
        "keyword_sentence_first": float(np.mean(first == key)),
        "keyword_word_first": float(np.mean([w in KEYWORDS for w in top_words])),
        "chance_sentence_first": float(np.mean([1 / len(doc) for doc in explanations])),
        "fit_s": fit_s,
    }


def summarize(runs):
    out = {}
    for config in CONFIGS:
        rows = [r for r in runs if r["config"] == config]
        if not rows:
            continue
        out[config] = {
            key: float(np.mean([r[key] for r in rows]))
            for key in (
                "accuracy",
                "keyword_sentence_first",
                "keyword_word_first",
                "chance_sentence_first",
            )
        }
        out[config]["seeds_all_sentences_right"] = int(
            sum(r["keyword_sentence_first"] >= 0.95 for r in rows)
        )
        out[config]["seeds"] = len(rows)
    return out


def write_table(results):
    lines = [
        "| graph | test accuracy | keyword sentence ranked first | keyword ranked first in its "
        "sentence | seeds with the keyword sentence first in >= 95 % of documents |",
        "|---|---|---|---|---|",
    ]
    for config in results["summary"]:
        s = results["summary"][config]
        each = " / ".join(
            f"{r['keyword_sentence_first']:.2f}" for r in results["runs"] if r["config"] == config
        )
        lines.append(
            f"| {CONFIGS[config][0]} | {s['accuracy']:.3f} | {s['keyword_sentence_first']:.3f} "
            f"(per seed: {each}) | {s['keyword_word_first']:.3f} | "
            f"{s['seeds_all_sentences_right']} of {s['seeds']} |"
        )
    first = next(iter(results["summary"].values()))
    chance = first["chance_sentence_first"]
    text = (
        f"Means over {first['seeds']} seeds, 60 test documents each "
        f"(240 training documents); a random sentence would be first {chance:.3f} of the time. "
        f"Run of {results['date']}; {results['machine']['cpu_count']} CPUs, TensorFlow "
        f"{results['versions']['tensorflow']}.\n\n" + "\n".join(lines) + "\n"
    )
    (RESULTS / "han_attention.md").write_text(text)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--configs", default=",".join(CONFIGS), help="of " + ", ".join(CONFIGS))
    args = parser.parse_args(argv)
    runs = []
    for seed in range(args.seeds):
        for config in args.configs.split(","):
            row = measure(seed, config)
            runs.append(row)
            print(
                f"seed {seed} {config}: accuracy {row['accuracy']:.3f}, keyword "
                f"sentence first {row['keyword_sentence_first']:.3f}, keyword word first "
                f"{row['keyword_word_first']:.3f} ({row['fit_s']:.0f} s)",
                flush=True,
            )
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "versions": versions(),
        "params": {name: params for name, (_, params) in CONFIGS.items()},
        "runs": runs,
    }
    results["summary"] = summarize(runs)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "han_attention.json").write_text(json.dumps(results, indent=2))
    print(write_table(results), flush=True)


if __name__ == "__main__":
    main()
