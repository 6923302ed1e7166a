"""Ranking metrics for recommenders, and scikit-learn scorers built on them.

A recommender is judged by the top of its ranked lists: of the columns (items) a row (user)
interacted with in held-out data, how many appear among the ``k`` columns recommended to it, and
how high. The functions here score ranked lists against relevant sets; :func:`make_ranking_scorer`
turns one of them into a scorer that ``GridSearchCV`` and ``cross_validate`` accept as
``scoring=``: it receives the estimator fitted on the training fold and the held-out pairs, asks
the estimator's ``recommend`` for each held-out row's top ``k`` (its training interactions left
out) and scores them against the row's held-out columns.

Definitions, for one row with relevant set ``R`` and recommended list ``r_1, ..., r_k`` (``hit_i``
is 1 when ``r_i`` is in ``R``), averaged over the rows with at least one relevant column:

* ``precision@k = sum(hit_i) / k``;
* ``recall@k = sum(hit_i) / min(k, |R|)``, so that a perfect list scores 1 however many columns
  are relevant (the truncated recall of Liang et al., 2018, used by EASE and most implicit-feedback
  papers);
* ``NDCG@k = DCG / IDCG`` with ``DCG = sum(hit_i / log2(i + 1))`` and ``IDCG`` the DCG of
  ``min(k, |R|)`` hits at the top;
* ``MAP@k``: the mean of ``AP@k = sum(hit_i * precision@i) / min(k, |R|)``.

Relevance is binary. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

__all__ = [
    "average_precision_at_k",
    "make_ranking_scorer",
    "ndcg_at_k",
    "precision_at_k",
    "recall_at_k",
]


def _check_k(k):
    if not isinstance(k, (Integral, np.integer)) or isinstance(k, bool):
        raise TypeError(f"k must be a positive integer; got {k!r}.")
    if k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}.")
    return int(k)


def _hits(relevant, recommended, k):
    """``hits`` (n_rows, k') booleans, ``n_relevant`` (n_rows,) and ``k`` checked.

    Ids are matched by value through one ``np.unique`` over all of them (integers or strings),
    so the cost is that of sorting the ids, with no Python loop over the ids themselves.
    """
    k = _check_k(k)
    recommended = np.asarray(recommended)
    if recommended.ndim != 2:
        raise ValueError(
            f"recommended must be 2-D, (n_rows, n_recommended) ids best first; got shape "
            f"{recommended.shape}."
        )
    n_rows = recommended.shape[0]
    if len(relevant) != n_rows:
        raise ValueError(
            f"relevant has {len(relevant)} rows and recommended {n_rows}; they must match."
        )
    top = recommended[:, :k]
    rel = [np.asarray(r).ravel() for r in relevant]
    rel_rows = np.repeat(np.arange(n_rows), [len(r) for r in rel])
    rel_ids = np.concatenate(rel) if rel else np.empty(0, dtype=top.dtype)
    if rel_ids.dtype != top.dtype and (rel_ids.dtype.kind in "OUS" or top.dtype.kind in "OUS"):
        rel_ids, top = rel_ids.astype(object), top.astype(object)
    _, codes = np.unique(np.concatenate([rel_ids, top.ravel()]), return_inverse=True)
    n_codes = int(codes.max()) + 1 if len(codes) else 1
    rel_keys = np.unique(rel_rows * n_codes + codes[: len(rel_ids)])  # duplicates count once
    top_keys = np.repeat(np.arange(n_rows), top.shape[1]) * n_codes + codes[len(rel_ids) :]
    hits = np.isin(top_keys, rel_keys).reshape(top.shape)
    n_relevant = np.bincount(rel_keys // n_codes, minlength=n_rows)
    return hits, n_relevant, k


def _rows_with_relevant(n_relevant):
    rows = n_relevant > 0
    if not rows.any():
        raise ValueError("No row has a relevant column: there is nothing to rank against.")
    return rows


def precision_at_k(relevant, recommended, k=10):
    """Mean precision@k: the share of each row's top ``k`` that is relevant.

    {parameters}

    Returns
    -------
    score : float
        In [0, 1].

    Examples
    --------
    >>> from skaquarium.metrics import precision_at_k
    >>> precision_at_k([[1, 2], [7]], [[1, 5, 2], [3, 4, 7]], k=3)
    0.5
    """
    hits, n_relevant, k = _hits(relevant, recommended, k)
    rows = _rows_with_relevant(n_relevant)
    return float(np.mean(hits[rows].sum(axis=1) / k))


def recall_at_k(relevant, recommended, k=10):
    """Mean recall@k, truncated: hits in the top ``k`` over ``min(k, n_relevant)``.

    {parameters}

    Returns
    -------
    score : float
        In [0, 1]; 1 when every row's top ``k`` is filled with relevant columns as far as it has
        them.

    Examples
    --------
    >>> from skaquarium.metrics import recall_at_k
    >>> recall_at_k([[1, 2], [7]], [[1, 5, 2], [3, 4, 6]], k=2)  # (1/2 + 0/1) / 2
    0.25
    """
    hits, n_relevant, k = _hits(relevant, recommended, k)
    rows = _rows_with_relevant(n_relevant)
    return float(np.mean(hits[rows].sum(axis=1) / np.minimum(k, n_relevant[rows])))


def _discounts(k):
    return 1.0 / np.log2(np.arange(2, k + 2))


def ndcg_at_k(relevant, recommended, k=10):
    """Mean normalised discounted cumulative gain at ``k``, binary relevance.

    {parameters}

    Returns
    -------
    score : float
        In [0, 1]; 1 when each row's relevant columns fill the top of its list.

    Examples
    --------
    >>> from skaquarium.metrics import ndcg_at_k
    >>> round(ndcg_at_k([[1, 2]], [[5, 1, 2]], k=3), 4)  # (1/log2(3) + 1/2) / (1 + 1/log2(3))
    0.6934
    """
    hits, n_relevant, k = _hits(relevant, recommended, k)
    rows = _rows_with_relevant(n_relevant)
    discounts = _discounts(k)
    dcg = hits[rows] @ discounts[: hits.shape[1]]
    ideal = np.cumsum(discounts)[np.minimum(k, n_relevant[rows]) - 1]
    return float(np.mean(dcg / ideal))


def average_precision_at_k(relevant, recommended, k=10):
    """Mean average precision at ``k`` (MAP@k).

    {parameters}

    Returns
    -------
    score : float
        In [0, 1].

    Examples
    --------
    >>> from skaquarium.metrics import average_precision_at_k
    >>> average_precision_at_k([[1, 2]], [[1, 5, 2]], k=3)  # (1/1 + 2/3) / 2
    0.8333333333333333
    """
    hits, n_relevant, k = _hits(relevant, recommended, k)
    rows = _rows_with_relevant(n_relevant)
    h = hits[rows].astype(np.float64)
    precision_at_i = np.cumsum(h, axis=1) / np.arange(1, h.shape[1] + 1)
    return float(np.mean((h * precision_at_i).sum(axis=1) / np.minimum(k, n_relevant[rows])))


_PARAMETERS = """Parameters
    ----------
    relevant : sequence of array-like
        For each row, the relevant (held-out) column ids; rows with none are left out of the mean.
    recommended : array-like of shape (n_rows, n_recommended)
        For each row, recommended column ids (integers or strings), best first. Only the first
        ``k`` count; a list shorter than ``k`` counts its missing places as misses.
    k : int, default=10
        Length of the lists scored."""

for _metric in (precision_at_k, recall_at_k, ndcg_at_k, average_precision_at_k):
    _metric.__doc__ = _metric.__doc__.replace("{parameters}", _PARAMETERS)

_METRICS = {
    "precision": precision_at_k,
    "recall": recall_at_k,
    "ndcg": ndcg_at_k,
    "map": average_precision_at_k,
}


def _pairs(X):
    """Row ids and column ids of held-out pairs: a two-column DataFrame or array."""
    if hasattr(X, "iloc"):
        if X.shape[1] != 2:
            raise ValueError(f"X must have two columns (row id, column id); got {X.shape[1]}.")
        return X.iloc[:, 0].to_numpy(), X.iloc[:, 1].to_numpy()
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must be of shape (n_pairs, 2), (row id, column id); got {X.shape}.")
    return X[:, 0], X[:, 1]


class _RankingScorer:
    """A scorer ``(estimator, X, y=None) -> float``; see :func:`make_ranking_scorer`."""

    def __init__(self, metric, k, min_relevance):
        self.metric = metric
        self.k = k
        self.min_relevance = min_relevance

    def __repr__(self):
        extra = "" if self.min_relevance is None else f", min_relevance={self.min_relevance!r}"
        return f"make_ranking_scorer({self.metric!r}, k={self.k}{extra})"

    def __call__(self, estimator, X, y=None, sample_weight=None):
        recommend = getattr(estimator, "recommend", None)
        if not callable(recommend):
            raise TypeError(
                f"{type(estimator).__name__} cannot rank: a ranking scorer needs an estimator "
                "with a recommend(rows, k, exclude_seen) method, such as DualMFRegressor."
            )
        rows, cols = _pairs(X)
        keep = np.ones(len(rows), dtype=bool)
        is_seen = getattr(estimator, "is_seen", None)
        if callable(is_seen):  # a training interaction cannot be recommended, so cannot count
            keep &= ~np.asarray(is_seen(X), dtype=bool)
        if self.min_relevance is not None:
            if y is None:
                raise ValueError("min_relevance needs the held-out targets y.")
            keep &= np.asarray(y, dtype=np.float64).ravel() >= self.min_relevance
        rows, cols = rows[keep], cols[keep]
        if not len(rows):
            raise ValueError(
                "No held-out pair is left to rank against (after min_relevance and the "
                "training interactions are taken out)."
            )
        unique_rows, inverse = np.unique(rows, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        relevant = np.split(cols[order], np.cumsum(np.bincount(inverse))[:-1])
        n_cols = len(getattr(estimator, "col_ids_", ())) or self.k
        recommended, _ = recommend(unique_rows, k=min(self.k, n_cols), exclude_seen=True)
        return _METRICS[self.metric](relevant, recommended, self.k)


def make_ranking_scorer(metric="ndcg", k=10, *, min_relevance=None):
    """A scikit-learn scorer of a recommender's top-``k`` lists on held-out pairs.

    The scorer ``scorer(estimator, X, y=None)`` takes an estimator fitted on the training pairs
    (anything with ``recommend(rows, k, exclude_seen=True)``, such as
    :class:`~skaquarium.DualMFRegressor`) and held-out pairs ``X`` (row id, column id). Each row
    of ``X`` gets its top ``k`` columns from ``recommend``, with its training interactions left
    out; its held-out columns are the relevant ones, except pairs that were also training
    interactions (the estimator's ``is_seen``), which cannot be recommended. Rows unknown to the
    estimator are ranked as ``recommend`` ranks them (see its ``handle_unknown``). A larger score
    is better, so ``GridSearchCV(scoring=make_ranking_scorer("ndcg", k=20))`` keeps the best
    ranker.

    Parameters
    ----------
    metric : {"ndcg", "recall", "precision", "map"}, default="ndcg"
        :func:`ndcg_at_k`, :func:`recall_at_k`, :func:`precision_at_k` or
        :func:`average_precision_at_k`.
    k : int, default=10
        Length of the recommended lists; at most the number of columns the estimator knows are
        recommended (the missing places count as misses).
    min_relevance : float, default=None
        When given, only held-out pairs whose target ``y`` is at least this count as relevant
        (e.g. 4 for "liked" on a 1-5 rating scale); rows left with none are not scored. None: every
        held-out pair is relevant (implicit feedback).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_validate
    >>> from skaquarium import DualMFRegressor
    >>> from skaquarium.datasets import make_ratings
    >>> from skaquarium.metrics import make_ranking_scorer
    >>> X, y = make_ratings(60, 40, 1000, random_state=0)
    >>> model = DualMFRegressor(n_components=8, epochs=3, random_state=0)
    >>> scores = cross_validate(model, X, y, cv=2, scoring={
    ...     "ndcg@10": make_ranking_scorer("ndcg", k=10),
    ...     "recall@10": make_ranking_scorer("recall", k=10, min_relevance=4)})
    >>> sorted(scores)[-2:]
    ['test_ndcg@10', 'test_recall@10']
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {sorted(_METRICS)}; got {metric!r}.")
    k = _check_k(k)
    if min_relevance is not None and not (
        isinstance(min_relevance, Real) and np.isfinite(min_relevance)
    ):
        raise ValueError(f"min_relevance must be a finite number or None; got {min_relevance!r}.")
    return _RankingScorer(metric, k, min_relevance)
