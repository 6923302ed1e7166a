"""Top-k ranking on MovieLens as implicit feedback: DualMFRegressor's recommend beside real peers.

Usage::

    python benchmarks/dual_mf_ranking.py [--datasets 100k,latest-small,1m] [--seed 0]
        [--search full|quick|none] [--update [--keep-explicit]]

For each dataset and each view of it, every rating an interaction (``all``) and only ratings of 4
stars or more (``liked``), each user's interactions are split 80/20 at random (seeded; users with
fewer than 5 interactions stay in training only). Each model is fitted on the training
interactions and ranks, for every user with held-out interactions, the items that user has not
interacted with in training; Recall@20 and NDCG@20 are computed by :mod:`skaquarium.metrics`
(truncated recall, binary relevance) from the same top-20 lists, and fit time is recorded.

Models, all in this process:

* most popular items (training interaction counts);
* EASE (Steck, 2019): the closed-form item-item model ``B = I - P / diag(P)``,
  ``P = (X^T X + lambda I)^-1``, with ``lambda`` chosen on a held-out 20% of each training user's
  interactions (never the test interactions) from 50, 200, 500, 1000, 3000;
* ``implicit``'s ALS (iALS) and BPR (64 factors, their other parameters the package defaults);
* DualMFRegressor trained on the interactions alone (``y`` = 1) with its ranking losses,
  ``loss="softmax"`` and ``loss="bpr"`` (in-batch negatives), with its defaults (their
  ``"auto"`` learning rate and epochs were chosen on the held-out inner split, as EASE's lambda;
  see the comment on them below), ranking by ``recommend``;
* DualMFRegressor with its defaults (``loss="mse"``) trained on the ratings of the training
  interactions: the explicit-rating model predicts how a user would rate an item, not whether the
  user would pick it, which is what this benchmark measures; it shows what the ranking losses buy.

Each model's top 50 also gives Recall@k for k = 1 ... 50 (the curves of the user guide's plot).
Then a ``GridSearchCV`` over two parameters of the softmax model, scored by NDCG@20 with
:func:`skaquarium.metrics.make_ranking_scorer`, on MovieLens 100K's training interactions
(``--search quick``: 5 epochs per candidate; ``none`` to skip it).

Writes ``results/dual_mf_ranking.json`` and ``.md``; with ``--update`` the datasets (and the
search) this run does not measure are kept from the existing results, each with the date it was
measured; ``--keep-explicit`` also copies the explicit-rating model's rows instead of refitting it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from _common import machine, versions  # noqa: E402

from skaquarium import DualMFRegressor  # noqa: E402
from skaquarium.datasets import load_movielens  # noqa: E402
from skaquarium.metrics import ndcg_at_k, recall_at_k  # noqa: E402

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
K = 20
#: The list lengths of the Recall@k curves (each model ranks its top ``max(CURVE_K)`` once).
CURVE_K = (1, 2, 5, 10, 20, 30, 50)
EASE_LAMBDAS = (50.0, 200.0, 500.0, 1000.0, 3000.0)
L = max(CURVE_K)
# DualMFRegressor's ranking settings are its defaults, whose ``"auto"`` values were chosen with
# loss="softmax" on the inner held-out split (20% of each training user's interactions, seed +
# 1000, as EASE's lambda), never on the test interactions. Learning rate 1e-2 on MovieLens 100K:
# Recall@20 0.338 (NDCG@20 0.286) against 0.328 (0.278) with the rating loss's 2e-3 and 5 epochs;
# without histories 0.289. l2 1e-4 and the average of the second half of the epochs
# (2026-12-08, MovieLens 1M, where EASE scores 0.287 / 0.264 and iALS 0.248 on this split):
# defaults before (l2 3e-4, 2 epochs, no averaging) 0.242; l2 0 / 1e-4 / 2e-4 / 1e-3: 0.230 /
# 0.253 / 0.248 / 0.196; with l2 1e-4 and averaging from epoch 2, 3 / 4 / 6 epochs: 0.266 /
# 0.270 / 0.274 (learning rate 2e-2 with 4: 0.254); not better: history_dropout 0.5 (0.240),
# batch 4096 (0.238), 1,024 extra uniform negatives per batch (0.240), n_components 128 (0.246),
# a 256-unit tanh row layer (0.237), id_dropout 0.5 (0.243), no column histories (0.209), cosine
# scores at temperature 0.1 (0.261 after 2 epochs, 0.273 after 4, but 0.303 against 0.347 on
# MovieLens 100K). On MovieLens 100K l2 1e-4 with averaging from epoch 10 of 20 gave 0.347
# (EASE 0.339 there).


def split_per_user(users, test_share, seed, min_interactions=5):
    """Boolean test mask: ``test_share`` of each user's interactions (users with at least
    ``min_interactions``), drawn at random."""
    rng = np.random.RandomState(seed)
    order = np.lexsort((rng.random_sample(len(users)), users))  # random order within each user
    sorted_users = users[order]
    starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
    counts = np.diff(np.r_[starts, len(users)])
    rank = np.arange(len(users)) - np.repeat(starts, counts)
    n_test = np.where(counts >= min_interactions, np.floor(counts * test_share), 0)
    test = np.zeros(len(users), dtype=bool)
    test[order] = rank < np.repeat(n_test, counts)
    return test


def interaction_matrix(users, items, shape):
    return sp.csr_matrix((np.ones(len(users), np.float32), (users, items)), shape=shape)


def top_k_excluding(scores, train, k=K):
    """Top ``k`` item positions of each row of ``scores``, training items excluded."""
    scores = np.array(scores, dtype=np.float64, copy=True)
    coo = train.tocoo()
    scores[coo.row, coo.col] = -np.inf
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def ease_scores(train, lam, rows):
    G = (train.T @ train).toarray().astype(np.float64)
    G[np.diag_indices_from(G)] += lam
    P = np.linalg.inv(G)
    B = -P / np.diag(P)
    B[np.diag_indices_from(B)] = 0.0
    return train[rows] @ B


def choose_ease_lambda(train, seed):
    """EASE's lambda by Recall@20 on a held-out 20% of each training user's interactions."""
    coo = train.tocoo()
    inner = split_per_user(coo.row, 0.2, seed + 1000)
    fit = interaction_matrix(coo.row[~inner], coo.col[~inner], train.shape)
    rows = np.unique(coo.row[inner])
    relevant = _relevant(coo.row[inner], coo.col[inner], rows)
    scores = {}
    for lam in EASE_LAMBDAS:
        top = top_k_excluding(ease_scores(fit, lam, rows), fit[rows])
        scores[lam] = recall_at_k(relevant, top, K)
    return max(scores, key=scores.get), scores


def _relevant(users, items, rows):
    order = np.argsort(users, kind="stable")
    users, items = users[order], items[order]
    bounds = np.searchsorted(users, np.r_[rows, rows[-1] + 1]) if len(rows) else []
    return [items[bounds[i] : bounds[i + 1]] for i in range(len(rows))]


def evaluate(name, top, relevant, fit_s, extra=None):
    """Recall@K, NDCG@K and the Recall@k curve of the ranked lists ``top`` (``max(CURVE_K)``
    long)."""
    row = {
        "model": name,
        f"recall@{K}": recall_at_k(relevant, top, K),
        f"ndcg@{K}": ndcg_at_k(relevant, top, K),
        "fit_s": fit_s,
        "recall_at": {str(k): recall_at_k(relevant, top, k) for k in CURVE_K},
        **(extra or {}),
    }
    print(json.dumps(row), flush=True)
    return row


def coded_split(data, seed):
    """The users' and items' ids (``user_codes``, ``item_codes``), each interaction's positions
    in them (``users``, ``items``) and the per-user 80/20 test mask."""
    user_codes, users = np.unique(data.user_id.to_numpy(), return_inverse=True)
    item_codes, items = np.unique(data.item_id.to_numpy(), return_inverse=True)
    return user_codes, users, item_codes, items, split_per_user(users, 0.2, seed)


def dual_top(model, user_codes, item_codes, rows, k):
    """``model.recommend``'s top ``k`` of the users at positions ``rows``, as item positions."""
    top_ids, _ = model.recommend(user_codes[rows], k=k)
    return np.searchsorted(item_codes, top_ids)  # item_codes is sorted (np.unique)


#: The explicit-rating model's row, which ``--keep-explicit`` copies from the existing results.
EXPLICIT = "DualMFRegressor() on the ratings (explicit)"


def run_view(ratings, view, seed, kept=None):
    """Every model on one view; ``kept``: rows of an earlier run to copy instead of refitting,
    by model name."""
    data = ratings if view == "all" else ratings[ratings.rating >= 4]
    user_codes, users, item_codes, items, test = coded_split(data, seed)
    shape = (len(user_codes), len(item_codes))
    train = interaction_matrix(users[~test], items[~test], shape)
    rows = np.unique(users[test])
    relevant = _relevant(users[test], items[test], rows)
    out = {
        "n_users": shape[0],
        "n_items": shape[1],
        "n_interactions": len(data),
        "n_test_users": len(rows),
        "models": [],
    }
    models = out["models"]

    start = time.perf_counter()
    popularity = np.asarray(train.sum(axis=0)).ravel()
    fit_s = time.perf_counter() - start
    scores = np.broadcast_to(popularity, (len(rows), shape[1]))
    models.append(
        evaluate("most popular", top_k_excluding(scores, train[rows], L), relevant, fit_s)
    )

    start = time.perf_counter()
    lam, inner = choose_ease_lambda(train, seed)
    choose_s = time.perf_counter() - start
    start = time.perf_counter()
    scores = ease_scores(train, lam, rows)
    fit_s = time.perf_counter() - start
    models.append(
        evaluate(
            f"EASE (lambda={lam:g})",
            top_k_excluding(scores, train[rows], L),
            relevant,
            fit_s,
            {
                "lambda_held_out_recall": {f"{k:g}": v for k, v in inner.items()},
                "lambda_choice_s": choose_s,
            },
        )
    )

    from implicit.als import AlternatingLeastSquares
    from implicit.bpr import BayesianPersonalizedRanking
    from threadpoolctl import threadpool_limits

    for label, model in (
        ("implicit ALS (64 factors)", AlternatingLeastSquares(factors=64, random_state=seed)),
        ("implicit BPR (64 factors)", BayesianPersonalizedRanking(factors=64, random_state=seed)),
    ):
        start = time.perf_counter()
        with threadpool_limits(1, "blas"):  # as implicit recommends
            model.fit(train, show_progress=False)
        fit_s = time.perf_counter() - start
        ids, _ = model.recommend(rows, train[rows], N=L, filter_already_liked_items=True)
        models.append(evaluate(label, ids, relevant, fit_s))

    # DualMF (ids as the dataset's own): ranking losses on the interactions, then the explicit
    # model on their ratings.
    X = np.column_stack([user_codes[users], item_codes[items]])
    ratings = data.rating.to_numpy(dtype=np.float64)
    for label, params, y in (
        ("DualMFRegressor(loss='softmax')", dict(loss="softmax"), np.ones(len(X))),
        ("DualMFRegressor(loss='bpr')", dict(loss="bpr"), np.ones(len(X))),
        (EXPLICIT, {}, ratings),
    ):
        if kept and label in kept:
            models.append(kept[label])
            continue
        start = time.perf_counter()
        dual = DualMFRegressor(random_state=seed, **params).fit(X[~test], y[~test])
        fit_s = time.perf_counter() - start
        top = dual_top(dual, user_codes, item_codes, rows, L)
        models.append(evaluate(label, top, relevant, fit_s))
    return out


#: The search: GridSearchCV over two ranking parameters, scored by NDCG@20 on held-out
#: interactions, on MovieLens 100K's training interactions (every rating).
SEARCH_GRID = {"learning_rate": [0.003, 0.01], "n_components": [32, 64]}


def run_search(ratings, seed, quick):
    """GridSearchCV of DualMFRegressor(loss="softmax") scored by ``make_ranking_scorer``.

    The candidates are fitted on 80% of the training interactions and scored by NDCG@20 on the
    other 20% (``ShuffleSplit``; each held-out user's list excludes the user's fold-training
    interactions); the best is refitted on all training interactions and scored on the test
    interactions, as the other models.
    """
    from sklearn.model_selection import GridSearchCV, ShuffleSplit

    from skaquarium.metrics import make_ranking_scorer

    user_codes, users, item_codes, items, test = coded_split(ratings, seed)
    X = np.column_stack([user_codes[users], item_codes[items]])
    epochs = 5 if quick else "auto"
    search = GridSearchCV(
        DualMFRegressor(loss="softmax", epochs=epochs, random_state=seed),
        SEARCH_GRID,
        scoring=make_ranking_scorer("ndcg", k=K),
        cv=ShuffleSplit(n_splits=1, test_size=0.2, random_state=seed),
    )
    start = time.perf_counter()
    search.fit(X[~test], np.ones((~test).sum()))
    search_s = time.perf_counter() - start
    rows = np.unique(users[test])
    relevant = _relevant(users[test], items[test], rows)
    top = dual_top(search.best_estimator_, user_codes, item_codes, rows, K)
    out = {
        "epochs": epochs,
        "grid": SEARCH_GRID,
        "candidates": [
            {
                "params": params,
                f"held_out_ndcg@{K}": float(score),
                "fit_s": float(fit_s),
            }
            for params, score, fit_s in zip(
                search.cv_results_["params"],
                search.cv_results_["mean_test_score"],
                search.cv_results_["mean_fit_time"],
            )
        ],
        "best_params": search.best_params_,
        f"test_recall@{K}": recall_at_k(relevant, top, K),
        f"test_ndcg@{K}": ndcg_at_k(relevant, top, K),
        "search_s": search_s,
    }
    print(json.dumps(out), flush=True)
    return out


def _args(params):
    return ", ".join(f"{key}={value!r}" for key, value in params.items())


def _measured(date, reference):
    """ ", measured YYYY-MM-DD" for a result measured on another day than ``reference``, else ""."""
    return "" if date is None or date == reference else f", measured {date[:10]}"


def render(results):
    lines = [
        f"Top-{K} ranking on MovieLens as implicit feedback, `python benchmarks/dual_mf_ranking.py`,"
        f" {results['date']}, {results['cpu_count']} CPUs, implicit "
        f"{results['versions'].get('implicit')}. Per-user 80/20 split of each user's interactions "
        f"(seed {results['seed']}); training interactions excluded from every list.",
    ]
    for dataset, views in results["datasets"].items():
        for view, out in views.items():
            what = "every rating" if view == "all" else "ratings >= 4"
            when = _measured(out.get("date"), results["date"])
            lines += [
                "",
                f"**MovieLens {dataset}, {what} as interactions** ({out['n_users']:,} users, "
                f"{out['n_items']:,} items, {out['n_interactions']:,} interactions, "
                f"{out['n_test_users']:,} test users{when})",
                "",
                f"| model | Recall@{K} | NDCG@{K} | fit (s) |",
                "|---|---|---|---|",
            ]
            for row in out["models"]:
                when = _measured(row.get("date"), out.get("date", results["date"]))
                name = row["model"] + (f" ({when[2:]})" if when else "")
                lines.append(
                    f"| {name} | {row[f'recall@{K}']:.4f} | {row[f'ndcg@{K}']:.4f} | "
                    f"{row['fit_s']:.1f} |"
                )
    search = results.get("search")
    if search:
        lines += [
            "",
            f"**GridSearchCV** of `DualMFRegressor(loss='softmax', epochs={search['epochs']!r})` on "
            f"MovieLens 100K's training interactions (every rating), scored by "
            f"`make_ranking_scorer('ndcg', k={K})` on a held-out 20% (`ShuffleSplit`), "
            f"{search['search_s']:.0f} s{_measured(search.get('date'), results['date'])}; "
            f"the best refitted on all training interactions: "
            f"test Recall@{K} {search[f'test_recall@{K}']:.4f}, NDCG@{K} "
            f"{search[f'test_ndcg@{K}']:.4f}.",
            "",
            f"| candidate | held-out NDCG@{K} | fit (s) |",
            "|---|---|---|",
        ]
        for row in search["candidates"]:
            best = " (best)" if row["params"] == search["best_params"] else ""
            lines.append(
                f"| {_args(row['params'])}{best} | {row[f'held_out_ndcg@{K}']:.4f} | "
                f"{row['fit_s']:.1f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="100k,latest-small,1m")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--search",
        choices=("full", "quick", "none"),
        default="full",
        help="the GridSearchCV part: full (the default epochs per candidate), quick (5) or none",
    )
    parser.add_argument(
        "--keep-explicit",
        action="store_true",
        help="with --update: copy the explicit-rating model's rows (and their dates) from the "
        "existing results instead of refitting it (for changes that leave the rating loss alone)",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the existing results of the datasets and search this run does not measure",
    )
    args = parser.parse_args(argv)
    if args.keep_explicit and not args.update:
        parser.error("--keep-explicit copies rows from the existing results: it needs --update")
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    results = {
        "date": date,
        "seed": args.seed,
        **machine(),
        "versions": versions("implicit"),
        "datasets": {},
    }
    source = RESULTS / "dual_mf_ranking.json"
    previous, kept = {}, {}
    if args.update and source.exists():
        old = json.loads(source.read_text())
        previous = old["datasets"]
        if old["seed"] != args.seed:
            parser.error(f"--update: the existing results use seed {old['seed']}")
        for name, views in old["datasets"].items():
            for out in views.values():
                out.setdefault("date", old["date"])
            results["datasets"][name] = views
        if "search" in old:
            results["search"] = {"date": old["date"], **old["search"]}
    if args.keep_explicit:
        for name, views in previous.items():
            for view, out in views.items():
                for row in out["models"]:
                    if row["model"] == EXPLICIT:
                        when = out.get("date", results["date"])
                        kept[(name, view)] = {EXPLICIT: {"date": when, **row}}
    for name in args.datasets.split(","):
        ratings = load_movielens(name, download_if_missing=False).ratings
        results["datasets"][name] = {
            view: {**run_view(ratings, view, args.seed, kept.get((name, view))), "date": date}
            for view in ("all", "liked")
        }
    if args.search != "none":
        ratings = load_movielens("100k", download_if_missing=False).ratings
        results["search"] = run_search(ratings, args.seed, quick=args.search == "quick")
    text = render(results)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dual_mf_ranking.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "dual_mf_ranking.md").write_text(text)


if __name__ == "__main__":
    main()
