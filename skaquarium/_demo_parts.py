"""The parts of the demo, one per estimator (see :mod:`skaquarium.demo`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import datasets


@dataclass
class Part:
    title: str
    datasets: tuple
    run: Callable


def _rmse(y_true, y_pred):
    return float(np.sqrt(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2)))


def _bias_baseline(train, test, reg=10.0):
    """Global mean + regularised user and item biases (the classic baseline predictor)."""
    mu = train.rating.mean()
    item_bias = (train.rating - mu).groupby(train.item_id).sum() / (
        train.groupby("item_id").size() + reg
    )
    resid = train.rating - mu - train.item_id.map(item_bias)
    user_bias = resid.groupby(train.user_id).sum() / (train.groupby("user_id").size() + reg)
    pred = mu + test.item_id.map(item_bias).fillna(0) + test.user_id.map(user_bias).fillna(0)
    return np.clip(pred.to_numpy(), 1, 5)


def run_dual_mf(quick):
    from .dual_mf import DualMFRegressor

    ml = datasets.load_movielens("100k", download_if_missing=False)
    train_idx, test_idx = ml.folds["u1"]
    train, test = ml.ratings.iloc[train_idx], ml.ratings.iloc[test_idx]
    X_train, X_test = train[["user_id", "item_id"]], test[["user_id", "item_id"]]
    model = DualMFRegressor(epochs=3 if quick else 40, random_state=0, verbose=1)
    start = time.perf_counter()
    model.fit(X_train, train.rating)
    fit_s = time.perf_counter() - start
    rmse = _rmse(test.rating, model.predict(X_test))
    rows = [("DualMFRegressor", "MovieLens 100K u1", "RMSE", f"{rmse:.4f}")]
    peer = _surprise_svd(train, test)
    if peer is None:
        peer = ("user+item bias baseline", _rmse(test.rating, _bias_baseline(train, test)))
    print("   top-5 items for user 1:", ", ".join(_titles(ml, model.recommend([1], k=5)[0][0])))
    return [(*rows[0], peer[0], f"{peer[1]:.4f}", f"{fit_s:.0f}")]


def _surprise_svd(train, test):
    try:
        from surprise import SVD, Dataset, Reader
    except ImportError:
        return None
    reader = Reader(rating_scale=(1, 5))
    data = Dataset.load_from_df(train[["user_id", "item_id", "rating"]], reader)
    algo = SVD(random_state=0).fit(data.build_full_trainset())
    pred = [algo.predict(u, i).est for u, i in zip(test.user_id, test.item_id)]
    return "Surprise SVD", _rmse(test.rating, pred)


def _titles(ml, item_ids):
    lookup = dict(zip(ml.item_ids, ml.item_titles))
    return [lookup.get(i, str(i)) for i in item_ids]


PARTS = [
    Part(
        "DualMFRegressor on MovieLens 100K (u1.base -> u1.test)", ("MovieLens 100K",), run_dual_mf
    ),
]
