"""Ranking metrics and scorers (skaquarium.metrics), and the ranking DualMFRegressor gives them."""

import pickle

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, ShuffleSplit, cross_validate

from skaquarium import DualMFRegressor
from skaquarium.metrics import (
    average_precision_at_k,
    make_ranking_scorer,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)

# Row 0: relevant {1, 2, 3}, list [1, 9, 3, 8] -> hits at ranks 1 and 3.
# Row 1: relevant {"x"} (as a string id below), list ranks it 2nd.
# Row 2: nothing relevant: left out of every mean.
RELEVANT = [[1, 2, 3], [7], []]
RECOMMENDED = [[1, 9, 3, 8], [5, 7, 6, 4], [1, 2, 3, 4]]


def test_metrics_match_hand_computed_values():
    d = 1 / np.log2(np.arange(2, 6))  # discounts of ranks 1..4
    # k = 4: row 0 has 2 hits of min(4, 3) = 3; row 1 has 1 of 1.
    assert precision_at_k(RELEVANT, RECOMMENDED, k=4) == pytest.approx((2 / 4 + 1 / 4) / 2)
    assert recall_at_k(RELEVANT, RECOMMENDED, k=4) == pytest.approx((2 / 3 + 1) / 2)
    ndcg0 = (d[0] + d[2]) / (d[0] + d[1] + d[2])
    ndcg1 = d[1] / d[0]
    assert ndcg_at_k(RELEVANT, RECOMMENDED, k=4) == pytest.approx((ndcg0 + ndcg1) / 2)
    ap0 = (1 / 1 + 2 / 3) / 3
    ap1 = (1 / 2) / 1
    assert average_precision_at_k(RELEVANT, RECOMMENDED, k=4) == pytest.approx((ap0 + ap1) / 2)
    # k = 1: only the first place counts; recall is truncated at min(k, |R|) = 1.
    assert recall_at_k(RELEVANT, RECOMMENDED, k=1) == pytest.approx((1 + 0) / 2)
    assert ndcg_at_k(RELEVANT, RECOMMENDED, k=1) == pytest.approx(0.5)


def test_metrics_take_string_ids_short_lists_and_duplicate_relevant_ids():
    relevant = [["b", "b", "a"], ["z"]]
    recommended = np.array([["a", "c"], ["z", "y"]], dtype=object)
    # Lists of 2 scored at k = 3: the missing third place is a miss; "b" counts once.
    assert precision_at_k(relevant, recommended, k=3) == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert recall_at_k(relevant, recommended, k=3) == pytest.approx((1 / 2 + 1) / 2)
    perfect = ndcg_at_k([["a", "b"]], [["b", "a", "c"]], k=3)
    assert perfect == pytest.approx(1.0)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: recall_at_k(RELEVANT, RECOMMENDED, k=0), ValueError, "positive integer"),
        (lambda: ndcg_at_k(RELEVANT, RECOMMENDED, k=2.5), TypeError, "positive integer"),
        (lambda: precision_at_k(RELEVANT[:2], RECOMMENDED, k=2), ValueError, "must match"),
        (lambda: precision_at_k([[1]], [1, 2], k=2), ValueError, "2-D"),
        (lambda: recall_at_k([[], []], [[1], [2]], k=1), ValueError, "No row has a relevant"),
        (lambda: make_ranking_scorer("auc"), ValueError, "metric must be one of"),
        (lambda: make_ranking_scorer("ndcg", k=-1), ValueError, "positive integer"),
        (lambda: make_ranking_scorer(min_relevance=np.nan), ValueError, "finite"),
    ],
)
def test_bad_arguments_raise(call, error, match):
    with pytest.raises(error, match=match):
        call()


def planted_ratings(n_users=40, n_items=30, seed=0):
    """Two user groups with disjoint favourite items: group g's favourites are items
    ``5g .. 5g + 4`` (5 stars), the other group's favourites get 1 star, the rest 2. Every user
    rates its 5 favourites and 7 other random items."""
    rng = np.random.RandomState(seed)
    rows, cols, ratings = [], [], []
    for user in range(n_users):
        group = user % 2
        favourites = np.arange(5) + 5 * group
        others = rng.choice(np.setdiff1d(np.arange(n_items), favourites), 7, replace=False)
        items = np.concatenate([favourites, others])
        rows += [user] * len(items)
        cols += list(items)
        ratings += [5.0 if i // 5 == group else 1.0 if i < 10 else 2.0 for i in items]
    return np.column_stack([rows, cols]), np.array(ratings)


def small_model(**params):
    settings = dict(n_components=4, epochs=25, batch_size=64, learning_rate=2e-2, random_state=0)
    return DualMFRegressor(**{**settings, **params})


@pytest.fixture(scope="module")
def planted():
    X, y = planted_ratings()
    test = np.zeros(len(y), dtype=bool)
    test[np.random.RandomState(1).permutation(len(y))[: len(y) // 4]] = True
    model = small_model().fit(X[~test], y[~test])
    return model, X, y, test


def test_planted_groups_are_recovered_and_training_pairs_never_count(planted):
    model, X, y, test = planted
    scorer = make_ranking_scorer("recall", k=5, min_relevance=4)
    recall = scorer(model, X[test], y[test])
    print(f"recall@5 of the held-out liked items: {recall:.3f}")
    assert recall > 0.9
    # Training pairs among the held-out pairs are not relevant: adding them changes nothing...
    both = np.concatenate([X[test], X[~test]])
    assert scorer(model, both, np.concatenate([y[test], y[~test]])) == pytest.approx(recall)
    # ...and they are never recommended.
    users = np.unique(X[:, 0])
    top, _ = model.recommend(users, k=10)
    seen = model.is_seen(np.column_stack([np.repeat(users, 10), top.ravel()]))
    assert not seen.any()
    # Every held-out pair, liked or not, as relevant: the disliked ones rank low, so lower.
    assert make_ranking_scorer("recall", k=5)(model, X[test], y[test]) < recall


def test_is_seen_marks_training_and_folded_in_pairs(planted):
    model, X, y, test = planted
    np.testing.assert_array_equal(model.is_seen(X), ~test)
    assert not model.is_seen([[999, 0], [0, 999]]).any()  # unknown ids
    new = np.array([[0, 29], [999, 3]])
    model = pickle.loads(pickle.dumps(model))  # a copy: fold_in changes the model
    model.fold_in(new, [5.0, 4.0])
    assert model.is_seen(new).all()


def test_recommend_ranks_by_the_unclipped_scores(planted):
    model = pickle.loads(pickle.dumps(planted[0]))
    model.global_mean_ += 10.0  # every prediction now beyond the top of the rating range
    users = np.arange(5)
    top, scores = model.recommend(users, k=len(model.col_ids_), exclude_seen=False)
    assert np.all(scores == model.rating_range_[1])  # the returned scores are clipped...
    raw = model.row_embeddings_[users] @ model.col_embeddings_.T + model.col_bias_
    expected = model.col_ids_[np.argsort(-raw, axis=1, kind="stable")]
    np.testing.assert_array_equal(top, expected)  # ...the ranking is not


def test_scorers_in_grid_search_and_cross_validate():
    X, y = planted_ratings(seed=2)
    cv = ShuffleSplit(n_splits=1, test_size=0.25, random_state=0)
    scoring = {
        "ndcg": make_ranking_scorer("ndcg", k=5, min_relevance=4),
        "map": make_ranking_scorer("map", k=5, min_relevance=4),
    }
    search = GridSearchCV(
        small_model(), {"learning_rate": [1e-5, 2e-2]}, scoring=scoring, refit="ndcg", cv=cv
    ).fit(X, y)
    assert search.best_params_ == {"learning_rate": 2e-2}
    assert search.best_score_ > 0.8
    # The same split through cross_validate: the same score.
    scores = cross_validate(small_model(), X, y, cv=cv, scoring=scoring)
    np.testing.assert_allclose(scores["test_map"], search.cv_results_["split0_test_map"][1:])


def test_ranking_scorer_refuses_an_estimator_that_cannot_rank():
    X, y = planted_ratings()
    with pytest.raises(TypeError, match="cannot rank"):
        make_ranking_scorer("ndcg")(LinearRegression().fit(X, y), X, y)
    with pytest.raises(ValueError, match="needs the held-out targets"):
        make_ranking_scorer("ndcg", min_relevance=4)(small_model(epochs=1).fit(X, y), X)
    assert repr(make_ranking_scorer("map", k=3)) == "make_ranking_scorer('map', k=3)"


# -- implicit feedback: ranking losses -------------------------------------------------------


@pytest.fixture(scope="module")
def interactions():
    """The liked pairs of the planted ratings as implicit interactions, a quarter held out."""
    X, y = planted_ratings()
    X = X[y >= 4]
    test = np.zeros(len(X), dtype=bool)
    test[np.random.RandomState(1).permutation(len(X))[: len(X) // 4]] = True
    return X, test


@pytest.mark.parametrize("loss", ["softmax", "bpr"])
def test_ranking_losses_recover_planted_groups_from_interactions_alone(interactions, loss):
    """Two user groups with disjoint favourite items, seen only as interactions (no ratings,
    no negatives): the held-out favourites top the recommendations, the fitted model scores
    NDCG@10 by default, and predictions are unclipped preference scores."""
    X, test = interactions
    model = small_model(loss=loss, batch_size=32).fit(X[~test], np.ones((~test).sum()))
    recall = make_ranking_scorer("recall", k=5)(model, X[test])
    print(f"{loss}: recall@5 {recall:.3f}")
    assert recall > 0.9
    assert model.score(X[test], np.ones(test.sum())) == pytest.approx(
        make_ranking_scorer("ndcg", k=10)(model, X[test])
    )
    assert model.rating_range_ == (-np.inf, np.inf)
    assert model.model_.output.shape[-1] is None  # the in-batch scores: (batch, batch)


def test_confidences_weight_the_interactions(interactions):
    """``y`` holds confidences: zero-confidence pairs teach nothing, so a model whose
    favourite interactions all have confidence 0 cannot find the favourites; invalid
    confidences are refused."""
    X, test = interactions
    train = X[~test]
    # Confidence 0 for one group's interactions: its users' favourites are not learnt.
    y = np.where(train[:, 0] % 2 == 0, 0.0, 1.0)
    model = small_model(loss="softmax", batch_size=32).fit(train, y)
    held = X[test]
    group = held[:, 0] % 2 == 0
    scorer = make_ranking_scorer("recall", k=5)
    assert scorer(model, held[~group]) > 0.9
    assert scorer(model, held[group]) < 0.5
    for bad, match in ((-1.0, "finite and non-negative"), (np.nan, "NaN")):
        with pytest.raises(ValueError, match=match):
            small_model(loss="bpr").fit(train, np.full(len(train), bad))


def test_ranking_model_round_trips_and_folds_in(interactions, tmp_path):
    X, test = interactions
    model = small_model(loss="bpr", batch_size=32, epochs=3).fit(X[~test], np.ones((~test).sum()))
    path = tmp_path / "ranker.skaq"
    model.save(path)
    loaded = DualMFRegressor.load(path)
    np.testing.assert_allclose(loaded.predict(X[test]), model.predict(X[test]), rtol=1e-5)
    model.fold_in(X[test][:3], np.ones(3))
    assert model.is_seen(X[test][:3]).all()


def _l2_of(model):
    return model.model_.get_layer("row_embedding").l2


def test_auto_training_settings_follow_the_loss_and_the_data(interactions):
    """The ``"auto"`` settings: the rating loss keeps its 5 epochs at 2e-3 with l2 3e-4 and no
    weight averaging; the ranking losses train at 1e-2 with l2 1e-4 for about 3.2 million
    presented pairs (at most 20 epochs on small data, fewer on large data, at least 2) and
    predict with the average of the second half of the epochs; explicit values are kept."""
    X, test = interactions
    train, ones = X[~test], np.ones((~test).sum())
    explicit = DualMFRegressor(n_components=4, random_state=0).fit(train, ones * 4)
    ranker = DualMFRegressor(n_components=4, loss="softmax", random_state=0).fit(train, ones)
    assert (explicit.n_iter_, ranker.n_iter_) == (5, 20)
    rates = [float(m.model_.optimizer.learning_rate.numpy()) for m in (explicit, ranker)]
    np.testing.assert_allclose(rates, [2e-3, 1e-2])
    assert (_l2_of(explicit), _l2_of(ranker)) == (3e-4, 1e-4)
    assert explicit._averaging is None
    assert ranker._averaging["count"] == 11  # epochs 10 to 20
    # The averaged weights are the ones predicting, not the last epoch's.
    last = DualMFRegressor(
        n_components=4, loss="softmax", average_from_epoch=None, random_state=0
    ).fit(train, ones)
    assert not np.allclose(last.row_embeddings_, ranker.row_embeddings_)
    np.testing.assert_allclose(last.model_.get_weights()[0], ranker._averaging["last"][0])
    # The number of epochs follows the number of pairs between the two bounds.
    rule = DualMFRegressor(loss="bpr")._epochs_for
    pairs = [np.broadcast_to(0, (n, 2)) for n in (80_000, 400_000, 800_000, 10**7)]
    assert [rule(X) for X in pairs] == [20, 8, 4, 2]
    fixed = DualMFRegressor(
        n_components=4, loss="softmax", epochs=3, learning_rate=0.05, l2=0.0, random_state=0
    )
    fixed.fit(train, ones)
    assert fixed.n_iter_ == 3
    assert float(fixed.model_.optimizer.learning_rate.numpy()) == pytest.approx(0.05)
    assert _l2_of(fixed) == 0.0
    assert fixed._averaging["count"] == 2  # epochs 2 and 3
    # partial_fit averages from its second call.
    stream = DualMFRegressor(n_components=4, loss="softmax", random_state=0)
    for _ in range(3):
        stream.partial_fit(train, ones)
    assert stream._averaging["count"] == 2
