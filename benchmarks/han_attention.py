"""How often HANClassifier's attention points at the evidence, with and without skip connections.

On :func:`skaquarium.datasets.make_keyword_documents` (documents of 3 to 6 filler sentences; one
sentence holds the keyword that decides the label) a faithful explanation ranks the keyword
sentence first and, within it, the keyword first. For each seed (the seed draws the training and
test documents and the network's initialisation) the script fits the paper's graph
(``skip_connections=False``) and the package's default (``skip_connections=True``) on 240
documents and measures, on 60 unseen ones: test accuracy, the fraction of documents whose
top-weighted sentence is the keyword sentence, and the fraction whose keyword sentence's
top-weighted word is the keyword. Chance for the sentence is the mean of 1 / sentences.

Usage::

    python benchmarks/han_attention.py            # 8 seeds, about 5 minutes on 2 CPUs
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
# A small network (the task is tiny); the same settings as the package's explanation test.
PARAMS = dict(
    embedding_dim=16,
    word_units=12,
    sentence_units=12,
    attention_dim=16,
    min_df=1,
    batch_size=32,
    learning_rate=0.02,
    epochs=12,
)


def measure(seed, skip_connections):
    docs, y, _ = make_keyword_documents(240, random_state=2 * seed)
    test_docs, test_y, key = make_keyword_documents(60, random_state=2 * seed + 1)
    start = time.perf_counter()
    model = HANClassifier(**PARAMS, skip_connections=skip_connections, random_state=seed)
    model.fit(docs, y)
    fit_s = time.perf_counter() - start
    explanations = model.explain(test_docs)
    first = np.array([int(np.argmax([s["weight"] for s in doc])) for doc in explanations])
    top_words = [max(doc[k]["words"], key=lambda p: p[1])[0] for doc, k in zip(explanations, key)]
    return {
        "seed": seed,
        "skip_connections": skip_connections,
        "accuracy": float(model.score(test_docs, test_y)),
        "keyword_sentence_first": float(np.mean(first == key)),
        "keyword_word_first": float(np.mean([w in KEYWORDS for w in top_words])),
        "chance_sentence_first": float(np.mean([1 / len(doc) for doc in explanations])),
        "fit_s": fit_s,
    }


def summarize(runs):
    out = {}
    for skip in (False, True):
        rows = [r for r in runs if r["skip_connections"] == skip]
        out[str(skip)] = {
            key: float(np.mean([r[key] for r in rows]))
            for key in (
                "accuracy",
                "keyword_sentence_first",
                "keyword_word_first",
                "chance_sentence_first",
            )
        }
        out[str(skip)]["seeds_all_sentences_right"] = int(
            sum(r["keyword_sentence_first"] >= 0.95 for r in rows)
        )
        out[str(skip)]["seeds"] = len(rows)
    return out


def write_table(results):
    lines = [
        "| graph | test accuracy | keyword sentence ranked first | keyword ranked first in its "
        "sentence | seeds with the keyword sentence first in >= 95 % of documents |",
        "|---|---|---|---|---|",
    ]
    names = {
        "False": "paper (`skip_connections=False`)",
        "True": "default (`skip_connections=True`)",
    }
    for skip in ("False", "True"):
        s = results["summary"][skip]
        each = " / ".join(
            f"{r['keyword_sentence_first']:.2f}"
            for r in results["runs"]
            if str(r["skip_connections"]) == skip
        )
        lines.append(
            f"| {names[skip]} | {s['accuracy']:.3f} | {s['keyword_sentence_first']:.3f} "
            f"(per seed: {each}) | {s['keyword_word_first']:.3f} | "
            f"{s['seeds_all_sentences_right']} of {s['seeds']} |"
        )
    chance = results["summary"]["True"]["chance_sentence_first"]
    text = (
        f"Means over {results['summary']['True']['seeds']} seeds, 60 test documents each "
        f"(240 training documents); a random sentence would be first {chance:.3f} of the time. "
        f"Run of {results['date']}; {results['machine']['cpu_count']} CPUs, TensorFlow "
        f"{results['versions']['tensorflow']}.\n\n" + "\n".join(lines) + "\n"
    )
    (RESULTS / "han_attention.md").write_text(text)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args(argv)
    runs = []
    for seed in range(args.seeds):
        for skip in (False, True):
            row = measure(seed, skip)
            runs.append(row)
            print(
                f"seed {seed} skip_connections={skip}: accuracy {row['accuracy']:.3f}, keyword "
                f"sentence first {row['keyword_sentence_first']:.3f}, keyword word first "
                f"{row['keyword_word_first']:.3f} ({row['fit_s']:.0f} s)",
                flush=True,
            )
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "versions": versions(),
        "params": PARAMS,
        "runs": runs,
    }
    results["summary"] = summarize(runs)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "han_attention.json").write_text(json.dumps(results, indent=2))
    print(write_table(results), flush=True)


if __name__ == "__main__":
    main()
