"""Where a HANClassifier fit spends its time: an ablation profile of training epochs.

The recommended parameters of ``benchmarks/han.py`` for a corpus (``--corpus``: 20 Newsgroups or
IMDB; PPMI word vectors, hashed bigram vectors, label smoothing, dropout 0.5, adversarial
training, weight averaging, batches of 64) on ``--documents`` of its training documents
(default 2,000, a seeded random subset), then the same fit with one part removed or changed at
a time. For each: the whole fit's wall-clock seconds and training documents per second (documents
x epochs / fit seconds, tokenizing and word vectors included, as ``benchmarks/han.py`` counts),
wall-clock and CPU seconds of every epoch (the first includes tracing the training step), the
steady epoch (median of the later epochs), and the steady epoch's CPU time against the
recipe's (CPU time is the steadier measure on a shared 2-core machine: the wall-clock time of
the same epoch varies with whether TensorFlow got the second core). Each variant runs in a
process of its own (nothing traced or cached is shared), one after the other.

Variants: the recipe; ``--before REF``: the same recipe run by the code of an earlier commit
(its ``skaquarium`` package, extracted with ``git archive`` into a temporary directory), so the
speed-up is measured in the same run on the same machine; sparse updates of the word and bigram
tables (the package's ``LazyAdam`` in place of Keras' dense ``Adam``); packed sentences
(``pack_sentences``, with as many rows as read the same words: 20 for 20 Newsgroups, 12 for
IMDB); without adversarial training; without length-grouped, padding-trimmed batches and length
groups in the word GRU (``bucket_by_length=False``).

On a machine with a GPU, TensorFlow uses it and the table says so: ``--documents`` set to the
whole training set (11314 for 20 Newsgroups, 25000 for IMDB) measures what a GPU buys for the
recommended parameters.

Usage: ``python benchmarks/han_profile.py [--corpus 20ng] [--documents 2000] [--epochs 4]
[--before REF]``; needs the corpus in the data home. Writes
``benchmarks/results/han_profile.{json,md}`` (one section per corpus).
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

# Packed rows that read the same words as the recipe's sentences (see benchmarks/han.py).
PACKED = {
    "20ng": {"pack_sentences": True, "max_sentences": 20},
    "imdb": {"pack_sentences": True, "max_sentences": 12},
}


def variants(before):
    out = {"recipe": {}}
    if before:
        out[f"before ({before})"] = {}
    out["sparse table updates (LazyAdam)"] = {"lazy_adam": True}
    out["packed sentences"] = "packed"
    out["no adversarial training"] = {"adversarial_epsilon": 0.0}
    out["no length grouping"] = {"bucket_by_length": False}
    return out


def run_variant(corpus, changes, n_documents, epochs):
    """One fit in this process; returns its times."""
    import keras
    import numpy as np
    import tensorflow as tf
    from han import COMMON, CONFIGS, load

    from skaquarium import HANClassifier
    from skaquarium._optimizers import LazyAdam

    changes = dict(PACKED[corpus] if changes == "packed" else changes)
    lazy = changes.pop("lazy_adam", False)
    X_train, y_train, X_test, _ = load(corpus)
    # A seeded random subset (IMDB's training set is sorted by label).
    keep = np.random.RandomState(0).permutation(len(X_train))[:n_documents]
    X_train, y_train = [X_train[i] for i in keep], np.asarray(y_train)[keep]
    times = []

    class EpochTimes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = (time.perf_counter(), time.process_time())

        def on_epoch_end(self, epoch, logs=None):
            wall, cpu = self.start
            times.append((time.perf_counter() - wall, time.process_time() - cpu))

    params = dict(COMMON, **CONFIGS[corpus]["params"])
    params.update(changes, epochs=epochs, random_state=0, callbacks=[EpochTimes()])
    model = HANClassifier(**params)
    if lazy:
        model._make_optimizer = lambda: LazyAdam(params["learning_rate"])
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    # Prediction: tokenizing included, as benchmarks/han.py counts; the first call also traces.
    X_test = [X_test[i] for i in np.random.RandomState(1).permutation(len(X_test))[:n_documents]]
    predict_s = []
    for _ in range(3):
        start = time.perf_counter()
        model.predict(X_test)
        predict_s.append(time.perf_counter() - start)
    return {
        "predict_docs_per_s_first": len(X_test) / predict_s[0],
        "predict_docs_per_s": len(X_test) / float(np.median(predict_s)),
        "fit_s": fit_s,
        "fit_docs_per_s": n_documents * epochs / fit_s,
        "epoch_wall_s": [wall for wall, _ in times],
        "epoch_cpu_s": [cpu for _, cpu in times],
        "steady_epoch_s": float(np.median([wall for wall, _ in times[1:]])),
        "steady_cpu_s": float(np.median([cpu for _, cpu in times[1:]])),
        "rows": [int(model.max_sentences_), int(model.max_words_)],
        "package": str(Path(__import__("skaquarium").__file__).parent),
        "gpus": [d.name for d in tf.config.list_physical_devices("GPU")],
    }


NAMES = {"20ng": "20 Newsgroups", "imdb": "IMDB"}


def _device(row):
    gpus = row.get("gpus", [])
    return f"{len(gpus)} GPU(s)" if gpus else "CPU only"


def _table(res):
    base = res["variants"]["recipe"]
    lines = [
        f"### {NAMES[res['corpus']]}: {res['n_documents']} training documents, the recommended "
        f"parameters, {res['epochs']} epochs, {_device(base)} (run of {res['date']})",
        "",
        "| variant | rows x words | fit s | fit docs/s | recipe's speed-up (fit) | "
        "CPU s/epoch | vs the recipe (CPU) | wall s of each epoch | test docs/s (first call) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in res["variants"].items():
        walls = " / ".join(f"{w:.1f}" for w in row["epoch_wall_s"])
        lines.append(
            f"| {name} | {row['rows'][0]} x {row['rows'][1]} | {row['fit_s']:.0f} | "
            f"{row['fit_docs_per_s']:.0f} | {base['fit_docs_per_s'] / row['fit_docs_per_s']:.2f}x"
            f" | {row['steady_cpu_s']:.1f} | {row['steady_cpu_s'] / base['steady_cpu_s']:.2f}x | "
            f"{walls} | {row['predict_docs_per_s']:.0f} ({row['predict_docs_per_s_first']:.0f}) |"
        )
    return "\n".join(lines)


def _report(results):
    parts = [
        "Fit docs/s: training documents x epochs / seconds of the whole fit (tokenizing and word "
        "vectors included). CPU s/epoch: the median of the epochs after the first (which also "
        "traces the training step), the steadier measure on a shared machine (wall-clock time "
        "also depends on whether TensorFlow got the second core). Test docs/s: predicting "
        "as many test documents as were trained on (tokenizing included), the median of 3 calls "
        "(the first call, which also traces the prediction function, in brackets). Each variant "
        "is a fit in a process of its own, one after the other, in the same run."
    ]
    parts += [_table(res) for res in results["corpora"].values()]
    return "\n\n".join(parts)


def _extract(ref):
    """The ``skaquarium`` package of commit ``ref`` in a temporary directory."""
    target = Path(tempfile.mkdtemp(prefix="skaquarium-before-"))
    archive = subprocess.run(
        ["git", "archive", ref, "skaquarium"], cwd=HERE.parent, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=sorted(NAMES), default="20ng")
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--before", help="an earlier commit to time in the same run")
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # one fit, in a child process
    args = parser.parse_args(argv)
    if args.variant is not None:
        changes = json.loads(args.variant)
        print(json.dumps(run_variant(args.corpus, changes, args.documents, args.epochs)))
        return
    sys.path.insert(0, str(HERE))
    from _common import machine, versions

    res = {
        "corpus": args.corpus,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "n_documents": args.documents,
        "epochs": args.epochs,
        "before": args.before,
        "machine": {**machine(), "load_average_at_start": list(os.getloadavg())},
        "versions": versions(),
        "variants": {},
    }
    before = _extract(args.before) if args.before else None
    for name, changes in variants(args.before).items():
        env = dict(os.environ)
        if name.startswith("before"):
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(before), env.get("PYTHONPATH")]))
        run = subprocess.run(
            [
                sys.executable,
                __file__,
                "--corpus",
                args.corpus,
                "--documents",
                str(args.documents),
                "--epochs",
                str(args.epochs),
                "--variant",
                json.dumps(changes),
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=HERE,
            env=env,
        )
        row = dict(json.loads(run.stdout.strip().splitlines()[-1]), changes=changes)
        res["variants"][name] = row
        print(f"{name}: {row}", flush=True)
    if before is not None:
        shutil.rmtree(before)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "han_profile.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results = {"benchmark": "han_profile", "corpora": results.get("corpora", {})}
    results["corpora"][args.corpus] = res
    path.write_text(json.dumps(results, indent=2) + "\n")
    report = _report(results)
    (RESULTS / "han_profile.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
