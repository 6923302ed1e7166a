"""Whole-package conformance: workflows, round trips, reproducibility, bad input, numerical
faults and safety, tried the same way on every estimator."""

import json
import pickle
import random
import subprocess
import sys
import textwrap
import threading
import warnings
import zipfile

import keras
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _roundtrip import assert_round_trips, assert_same_seed_same_output
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from test_dual_mf import make_ratings
from test_han import make_keyword_docs
from test_softmax_autoencoder import make_topic_counts

from skaquarium import DualMFRegressor, HANClassifier, SoftmaxAutoEncoderTransformer, load
from skaquarium.text import check_documents

pytestmark = pytest.mark.filterwarnings("ignore::skaquarium.dual_mf.UnknownIdWarning")

# The default recipe (word vectors pretrained, bigrams, adversarial training, averaging) on a
# small network with a small bigram table.
HAN_SMALL = dict(
    embedding_dim=8, word_units=8, sentence_units=8, attention_dim=8, min_df=1, ngram_buckets=1024
)


def make_case(name, seed=0):
    """(estimator factory, X, y, output function) of a small seeded problem per estimator."""
    if name == "DualMFRegressor":
        X, y = make_ratings(n=600, seed=seed)
        X = X.astype(object)
        X[:, 0] = np.array([f"user{u}" for u in X[:, 0]], dtype=object)  # string row ids
        return (
            lambda **kw: DualMFRegressor(**{"n_components": 4, "epochs": 3, **kw}),
            X,
            y,
            lambda est, X: est.predict(X),
        )
    if name == "SoftmaxAutoEncoderTransformer":
        X, _ = make_topic_counts(n_docs=90, seed=seed)
        return (
            lambda **kw: SoftmaxAutoEncoderTransformer(
                **{"n_components": 4, "hidden_layer_sizes": (8,), "epochs": 3, **kw}
            ),
            X,
            None,
            lambda est, X: est.transform(X),
        )
    docs, labels, _ = make_keyword_docs(60, seed=seed)
    return (
        lambda **kw: HANClassifier(**{**HAN_SMALL, "epochs": 2, **kw}),
        np.array(docs, dtype=object),
        labels,
        lambda est, X: est.predict_proba(X),
    )


NAMES = ["DualMFRegressor", "SoftmaxAutoEncoderTransformer", "HANClassifier"]


@pytest.fixture(scope="module")
def fitted():
    """One fitted estimator per name, seeded."""
    out = {}
    for name in NAMES:
        make, X, y, output = make_case(name)
        out[name] = (make(random_state=0).fit(X, y), X, y, output)
    return out


# -- workflows ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_pipeline_grid_search_in_two_worker_processes(name):
    make, X, y, _ = make_case(name)
    grids = {
        "DualMFRegressor": {"model__n_components": [2, 4]},
        "SoftmaxAutoEncoderTransformer": {"model__n_components": [2, 4]},
        "HANClassifier": {"model__word_units": [4, 8]},
    }
    scoring = "neg_root_mean_squared_error" if name == "DualMFRegressor" else None
    search = GridSearchCV(
        Pipeline([("model", make(random_state=0))]),
        grids[name],
        cv=2,
        n_jobs=2,
        scoring=scoring,
        error_score="raise",
    ).fit(X, y)
    assert set(search.best_params_) == set(grids[name])
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert hasattr(search.best_estimator_[-1], "model_")


def test_han_cross_val_score_is_stratified_and_works_in_meta_estimators():
    make, X, y, _ = make_case("HANClassifier")
    make_fast = lambda **kw: make(epochs=1, random_state=0, **kw)  # noqa: E731
    assert is_classifier(make_fast())
    # Documents sorted by class: unstratified 2-fold splits would train each fold on one class,
    # which HANClassifier refuses ("only one class"), so this passes only if the folds are
    # stratified, as scikit-learn makes them for a classifier.
    order = np.argsort(y, kind="stable")
    X_sorted, y_sorted = X[order], y[order]
    with pytest.raises(ValueError, match="only one class"):
        cross_val_score(make_fast(), X_sorted, y_sorted, cv=KFold(2), error_score="raise")
    scores = cross_val_score(make_fast(), X_sorted, y_sorted, cv=2, error_score="raise")
    assert len(scores) == 2 and all(0 <= s <= 1 for s in scores)
    # Meta-estimators that accept classifiers only (by their tags) take it.
    calibrated = CalibratedClassifierCV(make_fast(), cv=2).fit(X, y)
    proba = calibrated.predict_proba(X)
    assert proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    linear = make_pipeline(TfidfVectorizer(), LogisticRegression())
    voting = VotingClassifier([("han", make_fast()), ("linear", linear)], voting="soft").fit(X, y)
    np.testing.assert_allclose(voting.predict_proba(X).sum(axis=1), 1, rtol=1e-5)


def test_kmeans_after_the_transformer_and_pandas_output():
    from sklearn.cluster import KMeans

    make, X, _, _ = make_case("SoftmaxAutoEncoderTransformer")
    pipe = make_pipeline(make(random_state=0), KMeans(3, n_init=3, random_state=0)).fit(X)
    assert pipe.predict(X).shape == (X.shape[0],)
    frame = make(random_state=0).set_output(transform="pandas").fit(X).transform(X)
    assert isinstance(frame, pd.DataFrame) and frame.shape == (X.shape[0], 4)


@pytest.mark.parametrize("name", NAMES)
def test_clone_of_fitted_and_unfitted(name, fitted):
    est = fitted[name][0]
    for source in (est, clone(est)):
        copy = clone(source)
        assert copy.get_params() == est.get_params()
        assert not hasattr(copy, "model_")


@pytest.mark.parametrize("name", ["SoftmaxAutoEncoderTransformer", "HANClassifier"])
def test_outputs_do_not_depend_on_row_order_or_subset(name, fitted):
    # scikit-learn's own checks of this ask for rtol 1e-7, finer than float32 kernels guarantee
    # (see _checks.FLOAT32_OUTPUTS); a row's output may move by an ulp, never more.
    est, X, _, output = fitted[name]
    expected = output(est, X)
    order = np.random.RandomState(0).permutation(X.shape[0])
    np.testing.assert_allclose(output(est, X[order]), expected[order], rtol=1e-5, atol=1e-7)
    half = order[: X.shape[0] // 2]
    np.testing.assert_allclose(output(est, X[half]), expected[half], rtol=1e-5, atol=1e-7)


# -- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_pickle_joblib_save_and_another_process_give_identical_outputs(name, fitted, tmp_path):
    est, X, _, output = fitted[name]
    method = {"DualMFRegressor": "predict", "HANClassifier": "predict_proba"}.get(name, "transform")

    def same_fit(restored):
        if name == "DualMFRegressor":
            np.testing.assert_array_equal(restored.row_ids_, est.row_ids_)  # string ids travel
        if name == "HANClassifier":
            np.testing.assert_array_equal(restored.classes_, est.classes_)

    assert_round_trips(est, X, method, tmp_path, check=same_fit)


# -- reproducibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_outputs_in_one_process(name):
    make, X, y, output = make_case(name)
    assert_same_seed_same_output(make, (X, y), lambda est: output(est, X))


def test_fit_leaves_no_training_time_state(fitted):
    # Fit passes what the graph needs in FitData.graph, never on the estimator: no hook hands
    # state to another through private attributes that outlive the fit.
    for name in NAMES:
        est = fitted[name][0]
        private = {k for k in vars(est) if k.startswith("_") and not k.startswith("__")}
        leftovers = private & {
            "_pending_features",
            "_row_layers",
            "_col_layers",
            "_output_bias",
            "_ppmi_vectors",
        }
        assert not leftovers, (name, leftovers)


def test_same_seed_same_outputs_across_processes(fitted, tmp_path):
    script = textwrap.dedent(
        f"""
        import sys, numpy as np
        sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
        from test_conformance import make_case, NAMES
        for name in NAMES:
            make, X, y, output = make_case(name)
            np.save({str(tmp_path)!r} + "/" + name + ".npy", output(make(random_state=0).fit(X, y), X))
        """
    )
    subprocess.run([sys.executable, "-W", "ignore", "-c", script], check=True)
    for name in NAMES:
        est, X, _, output = fitted[name]
        np.testing.assert_array_equal(np.load(tmp_path / f"{name}.npy"), output(est, X))


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_outputs_while_other_threads_draw_random_numbers(name, fitted):
    # Keras draws its layers' default seeds from Python's ``random`` module; a thread drawing
    # from it during a seeded fit (as a Dask worker's own threads do) must not change the
    # fit's weights.
    make, X, y, output = make_case(name)
    stop = threading.Event()

    def draw():
        while not stop.wait(0.001):  # a draw a millisecond: the fit keeps the interpreter
            random.random()

    other = threading.Thread(target=draw)
    other.start()
    try:
        out = output(make(random_state=0).fit(X, y), X)
    finally:
        stop.set()
        other.join()
    np.testing.assert_array_equal(out, output(fitted[name][0], X))


# -- bad input, tried systematically -----------------------------------------------------------


def _bad_inputs(name):
    """(description, X, y, fit_kwargs, exception, message regex) per class of bad input."""
    make, X, y, _ = make_case(name)
    if name == "DualMFRegressor":
        Xi, yi = make_ratings(n=50)
        return [
            ("NaN rating", Xi, np.where(np.arange(50) == 3, np.nan, yi), {}, ValueError, "(?i)nan"),
            ("inf rating", Xi, np.where(np.arange(50) == 3, np.inf, yi), {}, ValueError, "(?i)inf"),
            ("3 columns", np.column_stack([Xi, Xi[:, 0]]), yi, {}, ValueError, "exactly 2 columns"),
            ("1 column", Xi[:, :1], yi, {}, ValueError, "(?i)feature"),
            ("3-D X", Xi[:, :, None], yi, {}, ValueError, "(?i)dim"),
            ("empty", Xi[:0], yi[:0], {}, ValueError, "(?i)0 sample"),
            ("y length", Xi, yi[:10], {}, ValueError, "(?i)inconsistent"),
            ("None y", Xi, None, {}, ValueError, "requires y"),
            ("string ratings", Xi, np.array(["a"] * 50), {}, ValueError, "(?i)numeric|convert"),
            (
                "features of wrong size",
                Xi,
                yi,
                {"row_features": sp.csr_matrix(np.ones((3, 2)))},
                ValueError,
                "row_features",
            ),
            (
                "huge ratings",
                Xi,
                yi * 1e300,
                {},
                ValueError,
                "(?i)as large as",
            ),
        ]
    if name == "SoftmaxAutoEncoderTransformer":
        dense = X.toarray().astype(float)
        neg = dense.copy()
        neg[0, 0] = -1
        nan = dense.copy()
        nan[0, 0] = np.nan
        return [
            ("negative counts", neg, None, {}, ValueError, "(?i)negative"),
            ("NaN", nan, None, {}, ValueError, "(?i)nan"),
            ("inf", np.where(dense > 0, np.inf, 0), None, {}, ValueError, "(?i)inf"),
            ("text", np.array([["a", "b"]] * 5), None, {}, ValueError, "(?i)numeric|text"),
            ("1-D", dense[0], None, {}, ValueError, "(?i)2D|reshape"),
            ("3-D", dense[:, :, None], None, {}, ValueError, "(?i)dim"),
            ("empty", dense[:0], None, {}, ValueError, "(?i)0 sample"),
            ("COO sparse", sp.coo_matrix(neg), None, {}, ValueError, "(?i)negative"),
        ]
    docs = list(X)
    return [
        ("None document", [*docs[:5], None], list(y[:6]), {}, ValueError, r"X\[5\]"),
        ("number document", [*docs[:5], 3.0], list(y[:6]), {}, ValueError, r"X\[5\]"),
        ("empty", [], [], {}, ValueError, "(?i)empty"),
        ("single class", docs[:6], ["a"] * 6, {}, ValueError, "(?i)class"),
        ("single string", "just one text", ["a"], {}, ValueError, "(?i)single string"),
        ("2-D text", np.array([docs[:2], docs[2:4]]), list(y[:2]), {}, ValueError, "(?i)shape|1-D"),
        ("negative ids", -np.ones((4, 2, 3), int), [0, 1, 0, 1], {}, ValueError, "(?i)negative"),
        ("y length", docs[:6], list(y[:4]), {}, ValueError, "(?i)different numbers"),
    ]


BAD_CASES = [(name, case[0]) for name in NAMES for case in _bad_inputs(name)]


@pytest.mark.parametrize("name, case", BAD_CASES)
def test_bad_input_raises_a_clear_error_and_leaves_a_fitted_estimator_as_it_was(name, case, fitted):
    est, X_ok, _, output = fitted[name]
    _, X, y, kwargs, error, pattern = next(c for c in _bad_inputs(name) if c[0] == case)
    with pytest.raises(error, match=pattern):
        make_case(name)[0](random_state=0).fit(X, y, **kwargs)
    copy = pickle.loads(pickle.dumps(est))
    before, state = output(copy, X_ok), sorted(vars(copy))
    with pytest.raises(error):
        copy.fit(X, y, **kwargs)
    assert sorted(vars(copy)) == state
    np.testing.assert_array_equal(output(copy, X_ok), before)


def test_failed_partial_fit_and_fold_in_leave_the_estimator_as_it_was(fitted):
    for name in ("SoftmaxAutoEncoderTransformer", "HANClassifier"):
        est, X, y, output = fitted[name]
        copy = pickle.loads(pickle.dumps(est))
        before = output(copy, X)
        bad = X.toarray() * -1 if sp.issparse(X) else [None] * 3
        with pytest.raises(ValueError):
            copy.partial_fit(bad, None if y is None else y[:3])
        np.testing.assert_array_equal(output(copy, X), before)
    est, X, y, output = fitted["DualMFRegressor"]
    copy = pickle.loads(pickle.dumps(est))
    before, n_rows = output(copy, X), len(copy.row_ids_)
    with pytest.raises(ValueError):
        copy.fold_in([["new user", X[0, 1]], ["other", X[1, 1]]], [4.0, np.nan])
    assert len(copy.row_ids_) == n_rows
    np.testing.assert_array_equal(output(copy, X), before)


def test_unknown_ids_words_and_vocabulary_size_at_predict(fitted):
    est, X, _, _ = fitted["DualMFRegressor"]
    pred = est.predict([["nobody", -12345]])  # quietly: handle_unknown="ignore"
    assert np.isfinite(pred).all()
    est, X, _, _ = fitted["SoftmaxAutoEncoderTransformer"]
    with pytest.raises(ValueError, match=r"(?i)features|vocabulary"):
        est.transform(X[:, :-1])
    est, X, _, _ = fitted["HANClassifier"]
    proba = est.predict_proba(["zzzunknown qqqwords only"])  # out-of-vocabulary words are fine
    np.testing.assert_allclose(proba.sum(), 1, rtol=1e-5)


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.lists(
        st.one_of(st.text(max_size=20), st.none(), st.integers(), st.floats(), st.binary()),
        max_size=8,
    )
)
def test_property_document_validator(docs):
    if docs and all(isinstance(d, str) for d in docs):
        assert check_documents(docs) == docs
    else:
        with pytest.raises(ValueError, match=r"X\[\d+\]|empty"):
            check_documents(docs)


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.lists(st.lists(st.integers(-3, 5), min_size=4, max_size=4), min_size=1, max_size=6),
    st.sampled_from([np.nan, np.inf, None]),
)
def test_property_count_validator(rows, poison):
    est = SoftmaxAutoEncoderTransformer()
    X = np.array(rows, dtype=float)
    if poison is not None:
        X[0, 0] = poison
    if poison is None and (X >= 0).all():
        assert est._validate_counts(X, reset=True).shape == X.shape
    else:
        with pytest.raises(ValueError, match=r"(?i)negative|nan|inf"):
            est._validate_counts(X, reset=True)


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.lists(st.tuples(st.integers(), st.text(min_size=1, max_size=5)), min_size=1, max_size=10),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=10),
)
def test_property_rating_validator(pairs, ratings):
    X = np.array(pairs, dtype=object)
    y = np.resize(np.array(ratings, dtype=float), len(pairs))
    est = DualMFRegressor()
    if not np.isfinite(y).all():
        with pytest.raises(ValueError, match=r"(?i)nan|inf"):
            est._validate_pairs(X, y, reset=True)
    elif any(not -(2**63) <= p[0] < 2**63 for p in pairs):
        with pytest.raises(ValueError, match="64-bit"):
            est._validate_pairs(X, y, reset=True)
    elif np.abs(y).max() > np.finfo(np.float32).max / 4:
        with pytest.raises(ValueError, match="as large as"):
            est._validate_pairs(X, y, reset=True)
    else:
        rows, cols, yy = est._validate_pairs(X, y, reset=True)
        assert len(rows) == len(cols) == len(yy) == len(pairs)


# -- numerical faults --------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_an_absurd_learning_rate_never_returns_nan(name):
    make, X, y, output = make_case(name)
    est = make(random_state=0, learning_rate=1e12, epochs=3)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            est.fit(X, y)
    except FloatingPointError as exc:
        assert "diverged" in str(exc) and "learning_rate" in str(exc)
        assert not hasattr(est, "model_")
    else:
        assert np.isfinite(output(est, X)).all()


# -- safety ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_load_refuses_a_model_file_with_a_code_carrying_layer(name, fitted, tmp_path):
    est = fitted[name][0]
    path = est.save(tmp_path / "m.skaq")
    marker = tmp_path / "executed"
    command = f"touch {marker}"
    inputs = keras.Input((3,))
    import os  # noqa: F401  (the lambda's global)

    lam = keras.layers.Lambda(lambda x: x + float(__import__("os").system(command) * 0))
    keras.Model(inputs, lam(inputs)).save(tmp_path / "evil.keras")
    marker.unlink()  # building the graph ran the lambda once; loading must not run it
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["model.keras"] = (tmp_path / "evil.keras").read_bytes()
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    with pytest.raises(ValueError, match="(?i)lambda|unsafe|safe_mode"):
        load(path)
    assert not marker.exists()
    header = json.loads(members["skaquarium.json"])
    assert header["estimator"]["__estimator__"] == name
