"""Beyond one process: the ``distribution`` parameter (``tf.distribute``), search on a Dask
cluster through joblib, and training on data streamed from disk with ``partial_fit``.

The ``distributed`` tests start other processes (a TensorFlow with two logical CPU devices; a
local Dask cluster): ``pytest -m "not distributed"`` skips them locally. The rest run in this
process with a one-device strategy.
"""

import itertools
import json
import pathlib
import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
import tensorflow as tf
import test_dual_mf
import test_han
import test_softmax_autoencoder
from _toy import LinearRegressor
from sklearn.base import clone
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.utils._param_validation import InvalidParameterError

import skaquarium
from skaquarium import HANClassifier, SoftmaxAutoEncoderTransformer
from skaquarium.datasets import make_keyword_documents

_TESTS = pathlib.Path(__file__).resolve().parent


def _regression(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 5)).astype(np.float32)
    return X, X @ rng.normal(size=5) + 0.1 * rng.normal(size=n)


def test_distribution_must_be_a_strategy():
    X, y = _regression()
    with pytest.raises(InvalidParameterError, match="distribution"):
        LinearRegressor(distribution="mirrored").fit(X, y)


def test_one_device_strategy_trains_like_the_default_device():
    # The strategy path (graph built under the scope, Keras' per-replica training loop) gives
    # the model of the plain path on one device.
    X, y = _regression()
    plain = LinearRegressor(epochs=4, random_state=0).fit(X, y)
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    placed = LinearRegressor(epochs=4, random_state=0, distribution=strategy).fit(X, y)
    assert placed.model_.distribute_strategy is strategy
    np.testing.assert_allclose(placed.predict(X), plain.predict(X), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(placed.loss_curve_, plain.loss_curve_, rtol=1e-5)


def test_strategy_is_shared_by_clones_and_left_out_of_pickles_and_saves(tmp_path):
    X, y = _regression()
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    est = LinearRegressor(epochs=2, random_state=0, distribution=strategy).fit(X, y)
    assert clone(est).distribution is strategy
    again = pickle.loads(pickle.dumps(est))
    assert again.distribution is None and est.distribution is strategy
    np.testing.assert_allclose(again.predict(X), est.predict(X))
    loaded = skaquarium.load(est.save(tmp_path / "m.skaq"))
    assert loaded.distribution is None
    np.testing.assert_allclose(loaded.predict(X), est.predict(X))
    # A model loaded without a strategy trains on under one (warm start): the same weights,
    # rebuilt under the new scope.
    loaded.set_params(distribution=strategy, warm_start=True, epochs=1)
    before = loaded.model_.get_weights()
    loaded.fit(X, y)
    assert loaded.model_.distribute_strategy is strategy
    assert loaded.n_iter_ == est.n_iter_ + 1
    assert any(not np.allclose(a, b) for a, b in zip(before, loaded.model_.get_weights()))


@pytest.mark.distributed
@pytest.mark.parametrize(
    "name", ["DualMFRegressor", "SoftmaxAutoEncoderTransformer", "HANClassifier"]
)
def test_mirrored_strategy_on_two_devices(name):
    # In a process of its own: the two logical devices must be set before TensorFlow starts.
    run = subprocess.run(
        [sys.executable, str(_TESTS / "_mirrored_fits.py"), name],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["num_replicas_in_sync"] == 2
    fits = report[name]
    trips = fits["round_trips"]
    assert trips["replicas_in_weights"] == 2  # the variables were mirrored on both devices
    assert trips["pickle_same_output"] and trips["load_same_output"]
    assert trips["pickle_distribution"] == trips["load_distribution"] == "None"
    assert trips["clone_shares_strategy"]
    assert fits["seeded_again_same"]  # seeded fits under the strategy are reproducible on CPU
    single, mirrored = fits["single"]["quality"], fits["mirrored"]["quality"]
    if name == "DualMFRegressor":  # test RMSE on ratings of spread 3
        assert single < 0.6 and mirrored <= 1.15 * single + 0.02
    elif name == "SoftmaxAutoEncoderTransformer":  # minus the test KL divergence
        assert mirrored >= single - 0.05 * abs(single)
    else:  # test accuracy
        assert single >= 0.9 and mirrored >= single - 0.05
    assert np.isfinite(fits["mirrored"]["loss"])


# -- search on a Dask cluster ----------------------------------------------------------------


def _search_cases():
    rng = np.random.RandomState(0)
    users, items = rng.randint(0, 20, 300), rng.randint(0, 15, 300)
    ratings = 1.0 + 3.0 * ((users % 2) == (items % 2)) + rng.normal(0, 0.3, 300)
    # Two topics over disjoint halves of a 30-word vocabulary.
    topics = np.repeat(np.eye(2), 15, axis=1)[np.arange(80) % 2]
    counts = rng.poisson(4.0 * topics).astype(np.float64)
    docs = [
        ("good fine. great plot." if i % 2 else "bad plot. awful dull.") + f" w{i % 7}."
        for i in range(60)
    ]
    return [
        (
            test_dual_mf.make_common_estimator(),
            {"epochs": [1, 6]},
            np.c_[users, items],
            ratings,
        ),
        (test_softmax_autoencoder.make_common_estimator(), {"epochs": [1, 10]}, counts, None),
        (test_han.make_common_estimator(), {"epochs": [1, 6]}, docs, np.arange(60) % 2),
    ]


# Candidates far apart (a few epochs against one), so rounding cannot reorder them; and a
# continuous score for the classifier: rounding-level differences move it a little, where
# they could flip a document of a tiny test fold and move accuracy by a whole step.
_SCORING = {"HANClassifier": "neg_log_loss"}


def _search(est, grid, X, y, n_jobs):
    scoring = _SCORING.get(type(est).__name__)
    return GridSearchCV(est, grid, cv=KFold(2), scoring=scoring, n_jobs=n_jobs).fit(X, y)


@pytest.fixture(scope="module")
def reference_searches():
    """Each case's search with joblib's default backend, in this process."""
    return [_search(est, grid, X, y, 1) for est, grid, X, y in _search_cases()]


def _assert_same_searches(backend, expected, which=slice(None)):
    """Each case's search (``which`` of them) inside ``joblib.parallel_config(backend=backend)``
    equals the one with joblib's default backend."""
    with joblib.parallel_config(backend=backend):
        for (est, grid, X, y), reference in zip(_search_cases()[which], expected[which]):
            search = _search(est, grid, X, y, -1)
            assert search.best_params_ == reference.best_params_
            # Seeded fits give the same model in a worker as here (the worker's own threads
            # drawing from Python's ``random`` cannot move Keras' default layer seeds).
            np.testing.assert_allclose(
                search.cv_results_["mean_test_score"],
                reference.cv_results_["mean_test_score"],
                rtol=1e-5,
            )


@pytest.mark.distributed
def test_grid_search_on_a_local_dask_cluster_equals_the_default_backend(reference_searches):
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        _assert_same_searches("dask", reference_searches)


@pytest.mark.distributed
def test_grid_search_on_a_local_ray_cluster_equals_the_default_backend(reference_searches):
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        register_ray()
        # One estimator: the Dask test covers all three through the same joblib interface.
        _assert_same_searches("ray", reference_searches, slice(1, 2))
    finally:
        ray.shutdown()


# -- data that does not fit in memory: partial_fit over chunks streamed from disk -------------


def _stream(path, size):
    """The file's lines, ``size`` at a time (one document per line, "label<TAB>text")."""
    with open(path, encoding="utf-8") as lines:
        while chunk := list(itertools.islice(lines, size)):
            labels, texts = zip(*(line.rstrip("\n").split("\t", 1) for line in chunk))
            yield list(texts), list(labels)


def _write_corpus(path, docs, labels):
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(f"{label}\t{doc}\n" for doc, label in zip(docs, labels))


def test_autoencoder_streamed_from_disk_learns_as_it_reads(tmp_path):
    rng = np.random.RandomState(0)
    topics = [["ship", "sail", "sea", "port"], ["ball", "goal", "team", "score"]]
    docs = [" ".join(rng.choice(topics[i % 2], 12)) for i in range(300)]
    _write_corpus(tmp_path / "corpus.tsv", docs, np.arange(300) % 2)
    vectorizer = HashingVectorizer(n_features=64, alternate_sign=False, norm=None)
    held_out = vectorizer.transform(docs[:60])
    ae = SoftmaxAutoEncoderTransformer(n_components=2, learning_rate=0.02, random_state=0)
    scores = []
    for _ in range(3):  # passes over the file
        for texts, _labels in _stream(tmp_path / "corpus.tsv", 100):
            ae.partial_fit(vectorizer.transform(texts))
        scores.append(ae.score(held_out))
    assert ae.n_iter_ == 9  # one epoch per chunk
    assert scores[-1] > scores[0]
    # The codes tell the two topics apart.
    codes = ae.transform(held_out)
    assert (
        abs(np.corrcoef(codes[:, 0], np.arange(60) % 2)[0, 1]) > 0.9
        or abs(np.corrcoef(codes[:, 1], np.arange(60) % 2)[0, 1]) > 0.9
    )


def test_han_streamed_from_disk_with_classes_up_front(tmp_path):
    docs, labels, _ = make_keyword_documents(240, random_state=0)
    test_docs, test_labels, _ = make_keyword_documents(60, random_state=1)
    _write_corpus(tmp_path / "train.tsv", docs, labels)
    clf = HANClassifier(
        embedding_dim=16,
        word_units=12,
        sentence_units=12,
        attention_dim=12,
        min_df=1,
        learning_rate=0.02,
        random_state=0,
        **test_han.PLAIN,
    )
    for _ in range(4):  # passes over the file
        for texts, chunk_labels in _stream(tmp_path / "train.tsv", 80):
            clf.partial_fit(texts, chunk_labels, classes=["bad", "good"])
    assert clf.n_iter_ == 12
    # The first chunk fixed the vocabulary (the keywords are in it).
    assert clf.score(test_docs, test_labels) >= 0.9
