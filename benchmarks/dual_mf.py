"""Benchmark of DualMFRegressor on MovieLens against Surprise's SVD and SVD++, in one run.

Usage::

    python benchmarks/dual_mf.py [--quick]

Measures, with the defaults the README recommends:

* RMSE on the canonical MovieLens 100K splits u1..u5 (``--quick``: u1 only), beside Surprise
  ``SVD`` and ``SVDpp`` fitted on the same folds, and fit times as ratios to ``SVDpp``;
* u1 RMSE with and without side features and with and without rating histories;
* prediction throughput on 1 million (user, item) pairs, as a ratio to Surprise ``SVD.test``,
  and the time of ``recommend`` for all 943 users (k=10);
* cold start: 10% of the users held out entirely; RMSE on their ratings from side features only,
  and after folding in 5 ratings each, against the item-bias baseline;
* MovieLens latest-small (half stars), a seeded random 90/10 split, beside SVD and SVD++.

``python benchmarks/dual_mf.py --ml1m`` measures RMSE and fit time on a seeded random 90/10
split of MovieLens 1M beside Surprise's SVD and SVD++ (``dual_mf_ml1m.json`` and ``.md``).

``python benchmarks/dual_mf.py --max-history`` measures what sampling long histories while
training costs: MovieLens 1M's training ratings (the 90% of the ``--ml1m`` split; its test 10% is
never read) split 90/10 again (seed 1), held-out RMSE and fit time with ``max_history`` 32, 64
and 128 on the sparse path (forced: this catalogue is small enough to be read densely, whole)
and with the defaults (``dual_mf_max_history.json`` and ``.md``).

``python benchmarks/dual_mf.py --projection`` times the first 100 training batches (after 10 of
warm-up) on 20 million MovieLens-20M-shaped synthetic ratings with ``max_history`` 128, 64 and
32, and projects one epoch's time from them (``dual_mf_projection.json`` and ``.md``).

Writes ``benchmarks/results/dual_mf.json`` and ``benchmarks/results/dual_mf.md``.

The scale part, ``python benchmarks/dual_mf.py --scale [--quick]``, runs on synthetic ratings of
:func:`skaquarium.datasets.make_ratings` (power-law popularity) and writes ``dual_mf_scale.json``
and ``dual_mf_scale.md``:

* cost per rating: one epoch on 1 million ratings (``--quick``: 200,000) at 2k x 1k, 20k x 10k
  and 140k x 27k users x items, in ratings per second;
* 20 million ratings of 138,493 users and 26,744 items (MovieLens-20M-shaped; ``--quick``: 2
  million of the same catalogue), each in a process of its own for its peak memory: one epoch
  of DualMFRegressor, encoding every id, ``recommend`` k=10 for every user; beside it
  ``implicit``'s ALS on the same interactions and Surprise's SVD on the first 5 million ratings
  (``--quick``: 1 million), fit times.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import machine, versions  # noqa: E402

from skaquarium import DualMFRegressor  # noqa: E402
from skaquarium.datasets import load_movielens  # noqa: E402
from skaquarium.dual_mf import UnknownIdWarning  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SEED = 0


def write_results(name, results, rows, header):
    """Print the table and write ``results/<name>.json`` and ``results/<name>.md``."""
    table = "| measure | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results["table"] = dict(rows)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (RESULTS / f"{name}.md").write_text(header + table + "\n")


def rmse(pred, truth):
    return float(np.sqrt(np.mean((np.asarray(pred) - np.asarray(truth)) ** 2)))


def features_of(ml):
    """Side features as sparse DataFrames indexed by id (None where the dataset has none)."""

    def frame(matrix, ids):
        if matrix is None:
            return None
        return pd.DataFrame.sparse.from_spmatrix(matrix, index=ids)

    return frame(ml.user_features, ml.user_ids), frame(ml.item_features, ml.item_ids)


def fit_dual(X, y, *, features=None, **params):
    model = DualMFRegressor(random_state=SEED, **params)
    kwargs = {}
    if features is not None:
        kwargs = dict(row_features=features[0], col_features=features[1])
    start = time.perf_counter()
    model.fit(X, y, **kwargs)
    return model, time.perf_counter() - start


def predict_quiet(model, X):
    """Predict, ignoring the warning about test ids the training split lacks."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownIdWarning)
        return model.predict(X)


def surprise_data(X, y, rating_scale):
    from surprise import Dataset, Reader

    frame = pd.DataFrame({"u": X[:, 0], "i": X[:, 1], "r": y})
    return Dataset.load_from_df(frame, Reader(rating_scale=rating_scale)).build_full_trainset()


def fit_surprise(name, X, y, rating_scale):
    from surprise import SVD, BaselineOnly, SVDpp

    algo = {"SVD": SVD, "SVDpp": SVDpp}.get(name)
    algo = BaselineOnly(verbose=False) if name == "BaselineOnly" else algo(random_state=SEED)
    trainset = surprise_data(X, y, rating_scale)
    start = time.perf_counter()
    algo.fit(trainset)
    return algo, time.perf_counter() - start


def surprise_predict(algo, X):
    return np.array([algo.predict(u, i).est for u, i in X])


def movielens_folds(ml, folds, results, rows):
    X = ml.ratings[["user_id", "item_id"]].to_numpy()
    y = ml.ratings["rating"].to_numpy()
    per_fold, first_model = {}, None
    for fold in folds:
        train, test = ml.folds[fold]
        model, fit_s = fit_dual(X[train], y[train])
        first_model = first_model or model
        entry = {
            "DualMF": {
                "rmse": rmse(predict_quiet(model, X[test]), y[test]),
                "fit_s": fit_s,
                "epochs": model.n_iter_,
            }
        }
        for name in ("SVD", "SVDpp"):
            algo, fit_s = fit_surprise(name, X[train], y[train], (1, 5))
            entry[name] = {"rmse": rmse(surprise_predict(algo, X[test]), y[test]), "fit_s": fit_s}
        entry["fit_ratio_to_SVDpp"] = entry["DualMF"]["fit_s"] / entry["SVDpp"]["fit_s"]
        per_fold[fold] = entry
        print(fold, json.dumps(entry), flush=True)
    results["ml100k_folds"] = per_fold
    for name in ("DualMF", "SVD", "SVDpp"):
        values = [per_fold[f][name]["rmse"] for f in folds]
        rows.append((f"ML-100K u1 RMSE, {name}", f"{per_fold[folds[0]][name]['rmse']:.4f}"))
        if len(folds) > 1:
            rows.append(
                (f"ML-100K mean RMSE {folds[0]}..{folds[-1]}, {name}", f"{np.mean(values):.4f}")
            )
    fit = [per_fold[f]["DualMF"]["fit_s"] for f in folds]
    ratio = [per_fold[f]["fit_ratio_to_SVDpp"] for f in folds]
    rows.append(("DualMF fit time per fold, s (median)", f"{np.median(fit):.1f}"))
    rows.append(("DualMF fit time / SVDpp fit time (median)", f"{np.median(ratio):.2f}"))
    return X, y, first_model


def variants(ml, X, y, results, rows):
    train, test = ml.folds["u1"]
    feats = features_of(ml)
    out = {}
    for with_features in (False, True):
        for with_history in (True, False):
            key = f"features={with_features}, history={with_history}"
            if not with_features and with_history:  # the defaults: the u1 fold above
                out[key] = dict(results["ml100k_folds"]["u1"]["DualMF"])
            else:
                params = {} if with_history else dict(row_history=False, col_history=False)
                model, fit_s = fit_dual(
                    X[train], y[train], features=feats if with_features else None, **params
                )
                pred = predict_quiet(model, X[test])
                out[key] = {"rmse": rmse(pred, y[test]), "fit_s": fit_s}
            print(key, out[key], flush=True)
            rows.append(
                (
                    f"u1 RMSE, side features {'on' if with_features else 'off'}, "
                    f"histories {'on' if with_history else 'off'}",
                    f"{out[key]['rmse']:.4f}",
                )
            )
    results["u1_variants"] = out


def speed(ml, X, y, model, results, rows):
    train, _ = ml.folds["u1"]
    rng = np.random.RandomState(SEED)
    pairs = np.column_stack(
        [rng.choice(model.row_ids_, 1_000_000), rng.choice(model.col_ids_, 1_000_000)]
    )
    times = []
    for _ in range(5):
        start = time.perf_counter()
        model.predict(pairs)
        times.append(time.perf_counter() - start)
    dual_rate = len(pairs) / np.median(times)
    algo, _ = fit_surprise("SVD", X[train], y[train], (1, 5))
    testset = [(u, i, 0.0) for u, i in pairs[:200_000]]
    s_times = []
    for _ in range(3):
        start = time.perf_counter()
        algo.test(testset)
        s_times.append(time.perf_counter() - start)
    svd_rate = len(testset) / np.median(s_times)
    users = model.row_ids_
    r_times = []
    for _ in range(7):
        start = time.perf_counter()
        model.recommend(users, k=10)
        r_times.append(time.perf_counter() - start)
    results["speed"] = {
        "predict_pairs": len(pairs),
        "predict_pairs_per_s": dual_rate,
        "surprise_svd_test_pairs": len(testset),
        "surprise_svd_test_pairs_per_s": svd_rate,
        "ratio": dual_rate / svd_rate,
        "recommend_all_users_k10_s": float(np.median(r_times)),
        "n_users": len(users),
    }
    print(results["speed"], flush=True)
    rows.append(("predict, pairs/s on 1M pairs", f"{dual_rate:,.0f}"))
    rows.append(("Surprise SVD.test, pairs/s", f"{svd_rate:,.0f}"))
    rows.append(("predict rate / SVD.test rate", f"{dual_rate / svd_rate:.1f}"))
    rows.append(
        (f"recommend all {len(users)} users, k=10, s (median)", f"{np.median(r_times):.4f}")
    )


def cold_start(ml, results, rows, n_fold_in=5):
    ratings = ml.ratings
    rng = np.random.RandomState(SEED)
    users = np.unique(ratings["user_id"])
    cold = rng.choice(users, size=len(users) // 10, replace=False)
    is_cold = ratings["user_id"].isin(cold).to_numpy()
    X = ratings[["user_id", "item_id"]].to_numpy()
    y = ratings["rating"].to_numpy()
    # For each cold user, 5 random ratings to fold in; the rest is the evaluation set.
    cold_index = np.flatnonzero(is_cold)
    order = rng.permutation(cold_index)
    first = pd.Series(X[order, 0]).groupby(X[order, 0]).cumcount().to_numpy() < n_fold_in
    fold_index, eval_index = np.sort(order[first]), np.sort(order[~first])
    train = ~is_cold
    feats = features_of(ml)
    out = {"n_cold_users": len(cold), "n_eval_ratings": len(eval_index)}
    for id_dropout in (0.0, 0.25):
        model, _ = fit_dual(X[train], y[train], features=feats, id_dropout=id_dropout)
        side_only = rmse(predict_quiet(model, X[eval_index]), y[eval_index])
        model.fold_in(X[fold_index], y[fold_index])
        folded = rmse(predict_quiet(model, X[eval_index]), y[eval_index])
        out[f"id_dropout={id_dropout}"] = {
            "dual_mf_side_features_only": side_only,
            "dual_mf_after_fold_in_5": folded,
        }
        rows.append(
            (
                f"cold users: DualMF (id_dropout={id_dropout}) from side features only",
                f"{side_only:.4f}",
            )
        )
        rows.append(
            (
                f"cold users: DualMF (id_dropout={id_dropout}) after fold_in of {n_fold_in} ratings",
                f"{folded:.4f}",
            )
        )
    base, _ = fit_surprise("BaselineOnly", X[train], y[train], (1, 5))
    item_bias = rmse(surprise_predict(base, X[eval_index]), y[eval_index])
    both = np.r_[np.flatnonzero(train), fold_index]
    base5, _ = fit_surprise("BaselineOnly", X[both], y[both], (1, 5))
    base5_rmse = rmse(surprise_predict(base5, X[eval_index]), y[eval_index])
    out["item_bias_baseline"] = item_bias
    out["user_item_bias_baseline_with_5"] = base5_rmse
    results["cold_start"] = out
    print(results["cold_start"], flush=True)
    rows.append(("cold users: item-bias baseline (Surprise BaselineOnly)", f"{item_bias:.4f}"))
    rows.append(
        (f"cold users: BaselineOnly refitted with the {n_fold_in} ratings", f"{base5_rmse:.4f}")
    )


def latest_small(results, rows):
    ml = load_movielens("latest-small")
    X = ml.ratings[["user_id", "item_id"]].to_numpy()
    y = ml.ratings["rating"].to_numpy()
    perm = np.random.RandomState(SEED).permutation(len(y))
    n_test = len(y) // 10
    test, train = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    model, fit_s = fit_dual(X[train], y[train])
    out = {"DualMF": {"rmse": rmse(predict_quiet(model, X[test]), y[test]), "fit_s": fit_s}}
    for name in ("SVD", "SVDpp"):
        algo, fit_s = fit_surprise(name, X[train], y[train], (0.5, 5))
        out[name] = {"rmse": rmse(surprise_predict(algo, X[test]), y[test]), "fit_s": fit_s}
    results["latest_small_90_10"] = out
    print(out, flush=True)
    for name in ("DualMF", "SVD", "SVDpp"):
        rows.append((f"latest-small 90/10 RMSE, {name}", f"{out[name]['rmse']:.4f}"))


# -- scale: synthetic ratings ---------------------------------------------------------------------

ML20M_SHAPE = (138_493, 26_744)
#: Wall times of the epochs of the fits in this process (a callback is copied by each fit, so it
#: records into this module-level list).
EPOCH_TIMES: list = []


def epoch_clock():
    import keras

    class EpochClock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            EPOCH_TIMES.append(time.perf_counter() - self.start)

    return EpochClock()


def peak_rss_gb():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB on Linux


def scale_worker(what, n_ratings):
    """One measurement in a process of its own (for its peak memory); prints JSON."""
    from skaquarium.datasets import make_ratings

    start = time.perf_counter()
    X, y = make_ratings(*ML20M_SHAPE, n_ratings, random_state=SEED)
    out = {"n_ratings": n_ratings, "generate_s": time.perf_counter() - start}
    if what == "dual_mf":
        start = time.perf_counter()
        model = DualMFRegressor(epochs=1, random_state=SEED, callbacks=[epoch_clock()])
        model.fit(X, y)
        out["fit_s"] = time.perf_counter() - start
        out["epoch_s"] = EPOCH_TIMES[-1]
        start = time.perf_counter()
        model._after_fit()  # encoding every id, as fit ends
        out["encode_all_s"] = time.perf_counter() - start
        start = time.perf_counter()
        top, _ = model.recommend(model.row_ids_, k=10)
        out["recommend_all_s"] = time.perf_counter() - start
        out["n_users"], out["n_items"] = len(model.row_ids_), len(model.col_ids_)
    elif what == "implicit_als":
        import scipy.sparse as sp
        from implicit.als import AlternatingLeastSquares

        users, items = X[:, 0], X[:, 1]
        matrix = sp.csr_matrix((np.ones(len(y), np.float32), (users, items)), shape=ML20M_SHAPE)
        model = AlternatingLeastSquares(factors=32, iterations=15, random_state=SEED)
        start = time.perf_counter()
        model.fit(matrix, show_progress=False)
        out["fit_s"] = time.perf_counter() - start
        out["params"] = "factors=32, iterations=15"
    elif what == "surprise_svd":
        _, out["fit_s"] = fit_surprise("SVD", X, y, (1, 5))
        out["params"] = "Surprise defaults (100 factors, 20 epochs)"
    out["peak_rss_gb"] = peak_rss_gb()
    print("RESULT " + json.dumps(out), flush=True)


def run_worker(what, n_ratings):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, __file__, "--scale-worker", what, str(n_ratings)],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"{what} on {n_ratings} ratings failed:\n{proc.stderr[-3000:]}")


def scale(args):
    from skaquarium.datasets import make_ratings

    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "params": DualMFRegressor(random_state=SEED).get_params(),
        **machine(),
        "versions": versions("scikit-surprise", "implicit"),
    }
    rows = []
    n_flat = 200_000 if args.quick else 1_000_000
    flat = {}
    for n_users, n_items in ((2_000, 1_000), (20_000, 10_000), (140_000, 27_000)):
        X, y = make_ratings(n_users, n_items, n_flat, random_state=SEED)
        start = time.perf_counter()
        DualMFRegressor(epochs=1, random_state=SEED, callbacks=[epoch_clock()]).fit(X, y)
        fit_s = time.perf_counter() - start
        key = f"{n_users}x{n_items}"
        flat[key] = {"epoch_s": EPOCH_TIMES[-1], "fit_s": fit_s}
        flat[key]["ratings_per_s"] = n_flat / EPOCH_TIMES[-1]
        print(key, flat[key], flush=True)
        rows.append(
            (
                f"one epoch of {n_flat:,} ratings, {n_users:,} x {n_items:,} users x items: "
                "ratings/s",
                f"{flat[key]['ratings_per_s']:,.0f}",
            )
        )
    smallest, largest = flat["2000x1000"], flat["140000x27000"]
    flat["ratio_smallest_to_largest"] = smallest["ratings_per_s"] / largest["ratings_per_s"]
    rows.append(
        (
            "ratings/s at 2k x 1k / ratings/s at 140k x 27k (target <= 1.5)",
            f"{flat['ratio_smallest_to_largest']:.2f}",
        )
    )
    results["flat_cost"] = flat
    n_big = 2_000_000 if args.quick else 20_000_000
    n_svd = 1_000_000 if args.quick else 5_000_000
    big = {
        "DualMF": run_worker("dual_mf", n_big),
        "implicit_ALS": run_worker("implicit_als", n_big),
        "Surprise_SVD": run_worker("surprise_svd", n_svd),
    }
    results["ml20m_shaped"] = big
    print(big, flush=True)
    dual = big["DualMF"]
    label = f"{n_big / 1e6:g}M ratings, {ML20M_SHAPE[0]:,} x {ML20M_SHAPE[1]:,}"
    rows += [
        (f"{label}: DualMF one epoch, min (target <= 15)", f"{dual['epoch_s'] / 60:.1f}"),
        (f"{label}: DualMF peak RSS, GB (target <= 8)", f"{dual['peak_rss_gb']:.2f}"),
        (f"{label}: DualMF encoding every id, s", f"{dual['encode_all_s']:.1f}"),
        (
            f"{label}: DualMF recommend k=10 for all {dual['n_users']:,} users, s",
            f"{dual['recommend_all_s']:.1f}",
        ),
        (
            f"{label}: implicit ALS fit (32 factors, 15 iterations), min",
            f"{big['implicit_ALS']['fit_s'] / 60:.1f}",
        ),
        (
            f"{n_svd / 1e6:g}M of those ratings: Surprise SVD fit (defaults), min",
            f"{big['Surprise_SVD']['fit_s'] / 60:.1f}",
        ),
    ]
    header = (
        "DualMFRegressor at scale on synthetic ratings (`make_ratings`), "
        f"`python benchmarks/dual_mf.py --scale{' --quick' if args.quick else ''}`, "
        f"{results['date']}, {results['cpu_count']} CPUs, TensorFlow "
        f"{results['versions']['tensorflow']}.\n\n"
    )
    write_results("dual_mf_scale", results, rows, header)


def epoch_projection(args):
    """ms per training batch on 20M ML-20M-shaped ratings against ``max_history``; one epoch's
    time projected from 100 batches (after 10 of warm-up)."""
    import keras

    from skaquarium.datasets import make_ratings

    n_ratings, warm_up, timed = 20_000_000, 10, 100
    X, y = make_ratings(*ML20M_SHAPE, n_ratings, random_state=SEED)
    per_batch = []

    class BatchClock(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == warm_up:
                self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            if batch == warm_up + timed - 1:
                per_batch.append((time.perf_counter() - self.start) / timed)
                self.model.stop_training = True

    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "n_ratings": n_ratings,
        "shape": ML20M_SHAPE,
        **machine(),
        "versions": versions(),
    }
    rows, out = [], {}
    for max_history in (128, 64, 32):
        model = DualMFRegressor(
            epochs=1, max_history=max_history, random_state=SEED, callbacks=[BatchClock()]
        )
        model.fit(X, y)
        batch_s = per_batch[-1]
        epoch_min = n_ratings / model.batch_size * batch_s / 60
        out[max_history] = {"batch_ms": 1000 * batch_s, "projected_epoch_min": epoch_min}
        print(max_history, out[max_history], flush=True)
        rows.append(
            (
                f"max_history={max_history}: ms per batch of {model.batch_size:,} ratings",
                f"{1000 * batch_s:.0f}",
            )
        )
        rows.append(
            (
                f"max_history={max_history}: one epoch of 20M ratings, projected, min",
                f"{epoch_min:.1f}",
            )
        )
    results["projection"] = out
    header = (
        "One epoch of 20 million MovieLens-20M-shaped synthetic ratings (138,493 x 26,744), "
        f"projected from {timed} timed batches, `python benchmarks/dual_mf.py --projection`, "
        f"{results['date']}, {results['cpu_count']} CPUs, TensorFlow "
        f"{results['versions']['tensorflow']}.\n\n"
    )
    write_results("dual_mf_projection", results, rows, header)


# -- MovieLens 1M ---------------------------------------------------------------------------------


def movielens_1m_training_split():
    """MovieLens 1M's ratings and the ``--ml1m`` split: (X, y, train, test, partial) with train
    and test as positions; ``partial``: whether the data home holds the partial copy."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a partial copy says what it lacks
        ml = load_movielens("1m")
    X = ml.ratings[["user_id", "item_id"]].to_numpy()
    y = ml.ratings["rating"].to_numpy()
    perm = np.random.RandomState(SEED).permutation(len(y))
    n_test = len(y) // 10
    partial = bool((ml.ratings["timestamp"] == -1).all())
    return X, y, np.sort(perm[n_test:]), np.sort(perm[:n_test]), partial


def max_history_holdout(args):
    """Held-out RMSE and fit time against ``max_history`` on MovieLens 1M's training ratings."""
    import skaquarium.dual_mf as dual_mf

    X, y, train, _, _ = movielens_1m_training_split()  # the test part is never read here
    X, y = X[train], y[train]
    perm = np.random.RandomState(1).permutation(len(y))
    n_val = len(y) // 10
    val, fit_part = np.sort(perm[:n_val]), np.sort(perm[n_val:])
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "split": "MovieLens 1M --ml1m training part, split 90/10 again (seed 1)",
        **machine(),
        "versions": versions(),
    }
    rows, out = [], {}
    default_fill = dual_mf._DENSE_HISTORY_FILL
    try:
        for max_history in (32, 64, 128, "dense"):
            # The sparse path is forced (a fill no batch reaches) to measure the sampling; "dense"
            # is the defaults, which read this catalogue's histories densely and whole.
            dual_mf._DENSE_HISTORY_FILL = default_fill if max_history == "dense" else np.inf
            params = {} if max_history == "dense" else {"max_history": max_history}
            model, fit_s = fit_dual(X[fit_part], y[fit_part], **params)
            score = rmse(predict_quiet(model, X[val]), y[val])
            out[str(max_history)] = {"rmse": score, "fit_s": fit_s}
            print(max_history, out[str(max_history)], flush=True)
            label = (
                "whole histories (the defaults: dense path)"
                if max_history == "dense"
                else f"max_history={max_history}, sparse path"
            )
            rows.append((f"held-out RMSE, {label}", f"{score:.4f}"))
            rows.append((f"fit time, {label}, s", f"{fit_s:.0f}"))
    finally:
        dual_mf._DENSE_HISTORY_FILL = default_fill
    results["max_history"] = out
    header = (
        "What sampling histories while training costs, `python benchmarks/dual_mf.py "
        f"--max-history`, {results['date']}, {results['cpu_count']} CPUs, TensorFlow "
        f"{results['versions']['tensorflow']}: MovieLens 1M's training ratings (the `--ml1m` "
        "split's 90%) split 90/10 again (seed 1); RMSE on that held-out 10%.\n\n"
    )
    write_results("dual_mf_max_history", results, rows, header)


def movielens_1m(args):
    """RMSE on a seeded random 90/10 split of MovieLens 1M beside Surprise's SVD and SVD++."""
    X, y, train, test, partial = movielens_1m_training_split()
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "params": DualMFRegressor(random_state=SEED).get_params(),
        "split": "seeded random 90/10 (seed 0)",
        "partial_copy": partial,
        **machine(),
        "versions": versions("scikit-surprise"),
    }
    model, fit_s = fit_dual(X[train], y[train])
    out = {"DualMF": {"rmse": rmse(predict_quiet(model, X[test]), y[test]), "fit_s": fit_s}}
    print(out, flush=True)
    for name in ("SVD", "SVDpp"):
        algo, fit_s = fit_surprise(name, X[train], y[train], (1, 5))
        out[name] = {"rmse": rmse(surprise_predict(algo, X[test]), y[test]), "fit_s": fit_s}
        print(name, out[name], flush=True)
    out["fit_ratio_to_SVDpp"] = out["DualMF"]["fit_s"] / out["SVDpp"]["fit_s"]
    results["ml1m_90_10"] = out
    rows = [
        (f"MovieLens 1M 90/10 RMSE, {name}", f"{out[name]['rmse']:.4f}")
        for name in ("DualMF", "SVD", "SVDpp")
    ]
    rows += [
        (f"MovieLens 1M fit time, {name}, s", f"{out[name]['fit_s']:.0f}")
        for name in ("DualMF", "SVD", "SVDpp")
    ]
    rows.append(
        ("DualMF fit time / SVDpp fit time (target <= 2)", f"{out['fit_ratio_to_SVDpp']:.2f}")
    )
    header = (
        "DualMFRegressor on MovieLens 1M, `python benchmarks/dual_mf.py --ml1m`, "
        f"{results['date']}, {results['cpu_count']} CPUs, TensorFlow "
        f"{results['versions']['tensorflow']}, Surprise {results['versions']['scikit-surprise']}"
        + (
            " (the data home's partial copy of MovieLens 1M: the same ratings)."
            if results["partial_copy"]
            else "."
        )
        + "\n\n"
    )
    write_results("dual_mf_ml1m", results, rows, header)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="u1 only, fewer experiments")
    parser.add_argument("--scale", action="store_true", help="the scale part (synthetic data)")
    parser.add_argument("--ml1m", action="store_true", help="MovieLens 1M against SVD, SVD++")
    parser.add_argument(
        "--max-history", action="store_true", help="held-out RMSE against max_history (ML-1M)"
    )
    parser.add_argument(
        "--projection", action="store_true", help="20M epoch time against max_history"
    )
    parser.add_argument("--scale-worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ml1m:
        return movielens_1m(args)
    if args.max_history:
        return max_history_holdout(args)
    if args.projection:
        return epoch_projection(args)
    if args.scale_worker:
        return scale_worker(args.scale_worker[0], int(args.scale_worker[1]))
    if args.scale:
        return scale(args)
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "params": DualMFRegressor(random_state=SEED).get_params(),
        **machine(),
        "versions": versions("scikit-surprise"),
    }
    rows = []
    ml = load_movielens("100k")
    folds = ["u1"] if args.quick else ["u1", "u2", "u3", "u4", "u5"]
    X, y, u1_model = movielens_folds(ml, folds, results, rows)
    speed(ml, X, y, u1_model, results, rows)
    if not args.quick:
        variants(ml, X, y, results, rows)
    cold_start(ml, results, rows)
    if not args.quick:
        latest_small(results, rows)
    header = (
        f"DualMFRegressor on MovieLens, `python benchmarks/dual_mf.py{' --quick' if args.quick else ''}`"
        f", {results['date']}, {results['cpu_count']} CPUs, TensorFlow "
        f"{results['versions']['tensorflow']}, Surprise {results['versions']['scikit-surprise']}.\n\n"
    )
    write_results("dual_mf", results, rows, header)


if __name__ == "__main__":
    main()
