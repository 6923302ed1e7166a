"""Beyond one process: data-parallel training through ``tf.distribute`` and grid search on a
Dask cluster, measured.

    python benchmarks/scale_out.py [--quick] [--parts data-parallel,search]

Writes ``results/scale_out.json`` and ``results/scale_out.md``; ``--parts`` reruns some parts and
keeps the others' figures from the existing JSON (each part records its own date).

* **Data-parallel training.** Each estimator with its default parameters, fitted with the same
  seed on one device and under ``tf.distribute.MirroredStrategy`` over two devices: final
  training loss, a quality metric and wall time side by side. On a machine with GPUs the devices
  are the GPUs (one GPU against all of them); without, TensorFlow's CPU is split into two
  logical devices, which share the same cores: the figures then show that training under the
  strategy gives the same quality, not a speed-up (none is possible on 2 cores).

  - DualMFRegressor: MovieLens 100K, split u1 (80,000 ratings), test RMSE.
  - SoftmaxAutoEncoderTransformer: 6,000 documents of 20 Newsgroups (seeded sample),
    CountVectorizer(max_features=20000, stop_words="english", min_df=5, max_df=0.5), v-measure
    of KMeans(20) on the codes.
  - HANClassifier: a stratified 2,000 of R8's 5,485 training documents (``--quick``: 600), test
    accuracy on R8's 2,189 test documents.

* **Grid search on a cluster.** ``GridSearchCV`` of 8 candidates (2-fold) of the autoencoder on
  3,000 documents of 20 Newsgroups (``--quick``: 1,000), with joblib's default backend (loky, 2
  processes) and inside ``joblib.parallel_config(backend="dask")`` on a
  ``dask.distributed.LocalCluster`` of 2 worker processes: wall time of each and whether the
  ``best_params_`` are identical.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

# Devices must be configured before TensorFlow first uses one.
_GPUS = tf.config.list_physical_devices("GPU")
if not _GPUS:
    _cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(_cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import joblib  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.datasets import fetch_20newsgroups  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402
from sklearn.metrics import v_measure_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, train_test_split  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _common import machine, versions  # noqa: E402

from skaquarium import (  # noqa: E402
    DualMFRegressor,
    HANClassifier,
    SoftmaxAutoEncoderTransformer,
)
from skaquarium.datasets import load_movielens, load_text_corpus  # noqa: E402

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
SEED = 0
VECTORIZER = dict(max_features=20000, stop_words="english", min_df=5, max_df=0.5)


def devices():
    """(single-device strategy, mirrored strategy, description)."""
    if _GPUS:
        names = [f"/gpu:{i}" for i in range(len(_GPUS))]
        what = f"{len(_GPUS)} GPU(s)"
    else:
        names = ["/cpu:0", "/cpu:1"]
        what = "2 logical devices on the CPU (same cores)"
    return tf.distribute.OneDeviceStrategy(names[0]), tf.distribute.MirroredStrategy(names), what


def timed(fit):
    start = time.perf_counter()
    est = fit()
    return est, time.perf_counter() - start


def dual_mf_case():
    ml = load_movielens("100k", download_if_missing=False)
    X = ml.ratings[["user_id", "item_id"]].to_numpy()
    y = ml.ratings["rating"].to_numpy()
    train, test = ml.folds["u1"]

    def run(strategy):
        est, seconds = timed(
            lambda: DualMFRegressor(random_state=SEED, distribution=strategy).fit(
                X[train], y[train]
            )
        )
        rmse = float(np.sqrt(np.mean((est.predict(X[test]) - y[test]) ** 2)))
        return {"loss": est.loss_curve_[-1], "quality": rmse, "fit_s": seconds}

    return "DualMFRegressor, MovieLens 100K u1", "test RMSE", run


def autoencoder_case(n_docs):
    news = fetch_20newsgroups(subset="all", download_if_missing=False)
    rng = np.random.RandomState(SEED)
    pick = rng.choice(len(news.data), n_docs, replace=False)
    counts = CountVectorizer(**VECTORIZER).fit_transform([news.data[i] for i in pick])
    labels = news.target[pick]

    def run(strategy):
        est, seconds = timed(
            lambda: SoftmaxAutoEncoderTransformer(random_state=SEED, distribution=strategy).fit(
                counts
            )
        )
        codes = est.transform(counts)
        clusters = KMeans(20, n_init=10, random_state=SEED).fit_predict(codes)
        return {
            "loss": est.loss_curve_[-1],
            "quality": float(v_measure_score(labels, clusters)),
            "fit_s": seconds,
        }

    return f"SoftmaxAutoEncoderTransformer, 20 Newsgroups {n_docs:,} docs", "v-measure", run


#: The HAN of the recorded results: the plain network for 10 epochs (the defaults before they
#: became the regularized recipe; what is compared here is one device against two replicas).
HAN_PARAMS = dict(
    epochs=10,
    dropout=0.0,
    embeddings=None,
    ngram_range=(1, 1),
    label_smoothing=0.0,
    adversarial_epsilon=0.0,
    average_from_epoch=None,
    max_features=None,
    max_slots=None,
)


def han_case(n_docs):
    r8 = load_text_corpus("R8", download_if_missing=False)
    docs, _, y, _ = train_test_split(
        r8.data_train,
        r8.target_train,
        train_size=n_docs,
        stratify=r8.target_train,
        random_state=SEED,
    )

    def run(strategy):
        est, seconds = timed(
            lambda: HANClassifier(**HAN_PARAMS, random_state=SEED, distribution=strategy).fit(
                docs, y
            )
        )
        return {
            "loss": est.loss_curve_[-1],
            "quality": float(est.score(r8.data_test, r8.target_test)),
            "fit_s": seconds,
        }

    return f"HANClassifier, R8 {n_docs:,} training docs", "test accuracy", run


def data_parallel(quick, results):
    single, mirrored, what = devices()
    cases = [
        dual_mf_case(),
        autoencoder_case(6000),
        han_case(600 if quick else 2000),
    ]
    out = {}
    for name, metric, run in cases:
        entry = {"metric": metric}
        for label, strategy in (("one device", single), ("MirroredStrategy", mirrored)):
            entry[label] = run(strategy)
            print(name, label, json.dumps(entry[label]), flush=True)
        entry["replicas"] = mirrored.num_replicas_in_sync
        out[name] = entry
    results["data_parallel"] = {"date": _now(), "devices": what, "quick": quick, "cases": out}


def grid_search(quick, results):
    from dask.distributed import Client, LocalCluster

    n_docs = 1000 if quick else 3000
    news = fetch_20newsgroups(subset="train", download_if_missing=False)
    rng = np.random.RandomState(SEED)
    pick = rng.choice(len(news.data), n_docs, replace=False)
    counts = CountVectorizer(**VECTORIZER).fit_transform([news.data[i] for i in pick])
    grid = {"n_components": [16, 32, 64, 128], "learning_rate": [2e-3, 4e-3]}
    est = SoftmaxAutoEncoderTransformer(random_state=SEED)

    def search(n_jobs):
        start = time.perf_counter()
        s = GridSearchCV(est, grid, cv=KFold(2), n_jobs=n_jobs).fit(counts)
        return s, time.perf_counter() - start

    loky, loky_s = search(2)
    cluster_start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
    ):
        startup_s = time.perf_counter() - cluster_start
        with joblib.parallel_config(backend="dask"):
            dask, dask_s = search(-1)
    out = {
        "date": _now(),
        "quick": quick,
        "n_docs": n_docs,
        "candidates": 8,
        "folds": 2,
        "loky_s": loky_s,
        "dask_s": dask_s,
        "dask_cluster_startup_s": startup_s,
        "loky_best_params": loky.best_params_,
        "dask_best_params": dask.best_params_,
        "same_best_params": loky.best_params_ == dask.best_params_,
        "max_score_difference": float(
            np.max(
                np.abs(loky.cv_results_["mean_test_score"] - dask.cv_results_["mean_test_score"])
            )
        ),
    }
    print("grid search", json.dumps(out, default=str), flush=True)
    results["grid_search"] = out


def _from_one_date_layout(old):
    """Results written before ``--parts`` (one date for the whole run) in today's layout."""
    stamp = {"date": old.get("date"), "quick": old.get("quick", False)}
    new = {key: old[key] for key in ("cpu_count", "versions") if key in old}
    if "data_parallel" in old:
        cases = old["data_parallel"]
        new["data_parallel"] = {**stamp, "devices": old.get("devices"), "cases": cases}
    if "grid_search" in old:
        new["grid_search"] = {**stamp, **old["grid_search"]}
    return new


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def render(results):
    """The markdown of the results, one section per part measured."""
    lines = [
        f"Beyond one process, `python benchmarks/scale_out.py`, {results['cpu_count']} CPUs, "
        f"TensorFlow {results['versions']['tensorflow']}.",
    ]
    part = results.get("data_parallel")
    if part:
        lines += [
            "",
            f"Data-parallel training ({part['date']}{', --quick' if part['quick'] else ''}), "
            f"default parameters, seed {SEED}: one device against MirroredStrategy over "
            f"{part['devices']}.",
            "",
            "| estimator, data | metric | one device | MirroredStrategy | final loss, one | "
            "final loss, mirrored | fit s, one | fit s, mirrored |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, entry in part["cases"].items():
            one, two = entry["one device"], entry["MirroredStrategy"]
            lines.append(
                f"| {name} | {entry['metric']} | {one['quality']:.4f} | {two['quality']:.4f} | "
                f"{one['loss']:.4f} | {two['loss']:.4f} | {one['fit_s']:.0f} | "
                f"{two['fit_s']:.0f} |"
            )
    out = results.get("grid_search")
    if out:
        lines += [
            "",
            f"GridSearchCV of SoftmaxAutoEncoderTransformer ({out['date']}"
            f"{', --quick' if out['quick'] else ''}), {out['candidates']} candidates x "
            f"{out['folds']} folds on {out['n_docs']:,} documents of 20 Newsgroups (train), 2 "
            "workers each:",
            "",
            "| backend | wall time (s) | best_params_ |",
            "|---|---|---|",
            f"| loky (joblib's default), n_jobs=2 | {out['loky_s']:.0f} | "
            f"{out['loky_best_params']} |",
            f"| Dask LocalCluster, 2 worker processes | {out['dask_s']:.0f} "
            f"(+{out['dask_cluster_startup_s']:.0f} s cluster start) | "
            f"{out['dask_best_params']} |",
            "",
            f"Identical best_params_: {'yes' if out['same_best_params'] else 'NO'}; largest "
            f"difference of a candidate's mean score: {out['max_score_difference']:.2g}.",
        ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples")
    parser.add_argument(
        "--parts",
        default="data-parallel,search",
        help="comma-separated parts to run; the others are kept from the existing results file",
    )
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    if not parts <= {"data-parallel", "search"}:
        parser.error(f"unknown parts: {sorted(parts - {'data-parallel', 'search'})}")
    json_path = RESULTS / "scale_out.json"
    results = json.loads(json_path.read_text()) if json_path.exists() else {}
    if results and "cases" not in results.get("data_parallel", {"cases": 1}):
        results = _from_one_date_layout(results)
    results.update({**machine(), "versions": versions()})
    if "data-parallel" in parts:
        data_parallel(args.quick, results)
    if "search" in parts:
        grid_search(args.quick, results)
    text = render(results)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    (RESULTS / "scale_out.md").write_text(text)


if __name__ == "__main__":
    main()
