"""Where a HANClassifier fit spends its time: an ablation profile of one training epoch.

The recommended parameters of ``benchmarks/han.py`` for 20 Newsgroups (PPMI word vectors, hashed
bigram vectors, label smoothing, dropout 0.5, adversarial training, weight averaging,
``max_sentences=40``, ``max_words=20``, batches of 64) on the first ``--documents`` training
documents (default 2,000), then the same fit with one part removed or changed at a time. For each:
wall-clock and CPU seconds of every epoch (the first includes tracing the training step), the
steady epoch (median of the later epochs), training documents per second, and the steady epoch's
CPU time against the recipe's (CPU time is the steadier measure on a shared 2-core machine: the
wall-clock time of the same epoch varies with whether TensorFlow got the second core). Each
variant runs in a process of its own (nothing traced or cached is shared), one after the other.

Variants: the recipe; without adversarial training (``adversarial_epsilon=0``: one forward and
backward pass per step instead of two); without the bigram table (``ngram_range=(1, 1)``: no
2^18-row table); with sparse optimizer updates (the package's ``LazyAdam``, which updates only the
table rows a batch uses, in place of Keras' dense ``Adam``); without length-grouped,
padding-trimmed batches (``bucket_by_length=False``); with batches of 128.

Usage: ``python benchmarks/han_profile.py [--documents 2000] [--epochs 4]``; needs 20 Newsgroups
in scikit-learn's data home. Writes ``benchmarks/results/han_profile.{json,md}``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

VARIANTS = {
    "recipe": {},
    "no adversarial training": {"adversarial_epsilon": 0.0},
    "no bigram table": {"ngram_range": [1, 1]},
    "sparse optimizer updates (LazyAdam)": {"lazy_adam": True},
    "no length grouping": {"bucket_by_length": False},
    "batches of 128": {"batch_size": 128},
}


def run_variant(changes, n_documents, epochs):
    """One fit in this process; returns its epoch times."""
    import keras
    import numpy as np
    from han import COMMON, CONFIGS, load

    from skaquarium import HANClassifier
    from skaquarium._optimizers import LazyAdam

    changes = dict(changes)
    lazy = changes.pop("lazy_adam", False)
    if "ngram_range" in changes:
        changes["ngram_range"] = tuple(changes["ngram_range"])
    X_train, y_train, _, _ = load("20ng")
    X_train, y_train = X_train[:n_documents], y_train[:n_documents]
    times = []

    class EpochTimes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = (time.perf_counter(), time.process_time())

        def on_epoch_end(self, epoch, logs=None):
            wall, cpu = self.start
            times.append((time.perf_counter() - wall, time.process_time() - cpu))

    params = dict(COMMON, **CONFIGS["20ng"]["params"])
    params.update(changes, epochs=epochs, random_state=0, callbacks=[EpochTimes()])
    model = HANClassifier(**params)
    if lazy:
        model._make_optimizer = lambda: LazyAdam(learning_rate=params["learning_rate"])
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    steady = float(np.median([wall for wall, _ in times[1:]]))
    return {
        "fit_s": fit_s,
        "epoch_wall_s": [wall for wall, _ in times],
        "epoch_cpu_s": [cpu for _, cpu in times],
        "steady_epoch_s": steady,
        "steady_cpu_s": float(np.median([cpu for _, cpu in times[1:]])),
        "docs_per_s": n_documents / steady,
    }


def _table(res):
    base = res["variants"]["recipe"]
    lines = [
        f"### HANClassifier epoch profile: {res['n_documents']} 20 Newsgroups training documents, "
        f"the recommended parameters, {res['epochs']} epochs",
        "",
        "Steady epoch: the median of the epochs after the first (which also traces the training "
        "step). CPU seconds are the steadier measure on a shared machine: wall-clock time also "
        "depends on whether TensorFlow got the second core.",
        "",
        "| variant | CPU s/epoch | vs the recipe (CPU) | wall s/epoch | train docs/s (wall) | "
        "wall s of each epoch |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in res["variants"].items():
        walls = " / ".join(f"{w:.1f}" for w in row["epoch_wall_s"])
        lines.append(
            f"| {name} | {row['steady_cpu_s']:.1f} | "
            f"{row['steady_cpu_s'] / base['steady_cpu_s']:.2f}x | {row['steady_epoch_s']:.1f} | "
            f"{row['docs_per_s']:.0f} | {walls} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # one fit, in a child process
    args = parser.parse_args(argv)
    if args.variant is not None:
        print(json.dumps(run_variant(json.loads(args.variant), args.documents, args.epochs)))
        return
    sys.path.insert(0, str(HERE))
    from _common import machine, versions

    res = {
        "benchmark": "han_profile",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "n_documents": args.documents,
        "epochs": args.epochs,
        "machine": {**machine(), "load_average_at_start": list(os.getloadavg())},
        "versions": versions(),
        "variants": {},
    }
    for name, changes in VARIANTS.items():
        run = subprocess.run(
            [
                sys.executable,
                __file__,
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
        )
        row = dict(json.loads(run.stdout.strip().splitlines()[-1]), changes=changes)
        res["variants"][name] = row
        print(f"{name}: {row}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "han_profile.json").write_text(json.dumps(res, indent=2) + "\n")
    table = _table(res)
    (RESULTS / "han_profile.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
