"""The shared base's guarantees, through the test-only estimators of ``_toy.py``."""

import io
import json
import os
import pickle
import zipfile

import keras
import numpy as np
import pytest
import scipy.sparse as sp
from _roundtrip import assert_round_trips, assert_same_seed_same_output
from _toy import (
    LinearAutoencoderTransformer,
    LinearRegressor,
    SoftmaxRegressionClassifier,
    make_blobs_data,
)
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import StratifiedKFold, check_cv, cross_val_score
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError

from skaquarium import _batches, load
from skaquarium._batches import Batches


@pytest.fixture(scope="module")
def data():
    return make_blobs_data(n=120, sparse=False)


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return SoftmaxRegressionClassifier(epochs=8, random_state=0).fit(X, y)


# -- tags --------------------------------------------------------------------------------------


def test_estimator_types_are_tagged():
    assert is_classifier(SoftmaxRegressionClassifier())
    assert not is_regressor(SoftmaxRegressionClassifier())
    assert is_regressor(LinearRegressor())
    assert not is_classifier(LinearRegressor())
    tags = get_tags(LinearAutoencoderTransformer())
    assert tags.transformer_tags is not None
    assert tags.estimator_type is None
    assert get_tags(SoftmaxRegressionClassifier()).input_tags.sparse


def test_cross_validation_is_stratified(data):
    _, y = data
    cv = check_cv(5, y, classifier=is_classifier(SoftmaxRegressionClassifier()))
    assert isinstance(cv, StratifiedKFold)


def test_scikeras_methods_that_do_not_apply_are_hidden():
    assert not hasattr(LinearAutoencoderTransformer(), "predict")
    assert not hasattr(LinearAutoencoderTransformer(), "score")
    assert not hasattr(SoftmaxRegressionClassifier(), "initialize")
    assert hasattr(SoftmaxRegressionClassifier(), "score")  # ClassifierMixin's


def test_get_params_are_the_constructor_arguments():
    est = SoftmaxRegressionClassifier(epochs=3)
    assert est.get_params()["epochs"] == 3
    assert set(est.get_params()) == {
        "epochs",
        "batch_size",
        "learning_rate",
        "optimizer",
        "early_stopping",
        "average_from_epoch",
        "validation_fraction",
        "n_iter_no_change",
        "warm_start",
        "random_state",
        "verbose",
        "callbacks",
        "distribution",
    }
    assert clone(est).get_params() == est.get_params()
    with pytest.raises(ValueError, match="Invalid parameter 'nope'"):
        est.set_params(nope=1)


# -- parameter validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "param, value, allowed",
    [
        ("epochs", 0, r"range \[1, inf\)"),
        ("batch_size", -5, r"range \[1, inf\)"),
        ("learning_rate", 0.0, r"range \(0.0, inf\)"),
        ("optimizer", "adamm", "adam"),
        ("validation_fraction", 1.5, r"range \(0.0, 1.0\)"),
        ("early_stopping", "yes", "bool"),
        ("random_state", "seed", "RandomState"),
    ],
)
def test_invalid_parameters_name_parameter_value_and_allowed(data, param, value, allowed):
    X, y = data
    est = SoftmaxRegressionClassifier(**{param: value})
    with pytest.raises(InvalidParameterError) as err:
        est.fit(X, y)
    message = str(err.value)
    assert f"'{param}'" in message
    assert repr(value) in message or str(value) in message
    assert pytest.importorskip("re").search(allowed, message)
    assert isinstance(err.value, ValueError)


# -- reproducibility ---------------------------------------------------------------------------


def test_same_seed_gives_same_predictions(data):
    X, y = data
    assert_same_seed_same_output(
        lambda **kw: SoftmaxRegressionClassifier(epochs=8, **kw),
        (X, y),
        lambda est: est.predict_proba(X),
    )


def test_random_state_instance_is_accepted_and_reproducible(data):
    X, y = data
    a = LinearRegressor(epochs=2, random_state=np.random.RandomState(3)).fit(X, X[:, 0])
    b = LinearRegressor(epochs=2, random_state=np.random.RandomState(3)).fit(X, X[:, 0])
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_seeding_does_not_leak_into_global_state(data):
    X, y = data
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    SoftmaxRegressionClassifier(epochs=1, random_state=0).fit(X, y)
    assert np.random.rand() == expected


# -- training loop -----------------------------------------------------------------------------


def test_history_loss_curve_and_n_iter(fitted):
    assert fitted.n_iter_ == 8
    assert len(fitted.loss_curve_) == 8
    assert fitted.history_["loss"] == fitted.loss_curve_
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0]
    assert (fitted.predict(make_blobs_data(n=120)[0]) == make_blobs_data(n=120)[1]).mean() > 0.9


def test_verbose_shows_keras_progress(data, capsys):
    X, y = data
    SoftmaxRegressionClassifier(epochs=2, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "loss" in out
    SoftmaxRegressionClassifier(epochs=2, verbose=0, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""


def test_progress_bar_is_one_line_per_epoch_when_output_is_not_a_terminal(data, capsys):
    X, y = data
    # capsys' stdout is not a terminal, as a log file or CI is not: no bar redraws ("\r",
    # "━"), one line per epoch.
    SoftmaxRegressionClassifier(epochs=3, batch_size=8, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "\r" not in out and "━" not in out
    assert sum("loss" in line for line in out.splitlines()) == 3


class _Recorder(keras.callbacks.Callback):
    """Records the epochs it saw, on the instance that Keras calls."""

    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch)
        self.model.stop_training = len(self.epochs) >= 2


def test_user_callbacks_run_on_a_copy_per_fit(data):
    X, y = data
    recorder = _Recorder()
    est = SoftmaxRegressionClassifier(epochs=5, callbacks=[recorder], random_state=0).fit(X, y)
    assert est.n_iter_ == 2  # the callback ran and stopped training
    assert recorder.epochs == [] and recorder.model is None  # ... on a copy of its own
    est.fit(X, y)
    assert est.n_iter_ == 2  # a fresh copy again: the state of the last fit did not carry over
    clone(est).fit(X, y)
    # A schedule changes what is learned: learning rate 0 from the first epoch on.
    frozen = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.0)
    still = SoftmaxRegressionClassifier(epochs=2, callbacks=[frozen], random_state=0).fit(X, y)
    initial = SoftmaxRegressionClassifier(epochs=1, learning_rate=1e-30, random_state=0).fit(X, y)
    _assert_weights_equal(still.model_.get_weights(), initial.model_.get_weights())


def test_callbacks_must_be_keras_callbacks(data):
    X, y = data
    with pytest.raises(TypeError, match="entry 0 is a builtin"):
        SoftmaxRegressionClassifier(callbacks=[print]).fit(X, y)
    with pytest.raises(InvalidParameterError, match="callbacks"):
        SoftmaxRegressionClassifier(callbacks=_Recorder()).fit(X, y)


def test_save_stores_callbacks_as_none(data, tmp_path):
    X, y = data
    est = SoftmaxRegressionClassifier(epochs=1, callbacks=[_Recorder()], random_state=0).fit(X, y)
    assert load(est.save(tmp_path / "m.skaq")).callbacks is None


def test_early_stopping_stops_and_keeps_best_weights():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 30)).astype("float32")
    y = rng.normal(size=60).astype("float32")  # pure noise: validation loss soon rises
    est = LinearRegressor(
        epochs=200,
        learning_rate=0.05,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=3,
        random_state=0,
    ).fit(X, y)
    assert est.n_iter_ < 200
    assert len(est.validation_loss_curve_) == est.n_iter_
    assert est.best_validation_loss_ == min(est.validation_loss_curve_)
    best_epoch = int(np.argmin(est.validation_loss_curve_))
    assert est.n_iter_ == best_epoch + 1 + 3


def test_warm_start_continues_training(data):
    X, y = data
    est = SoftmaxRegressionClassifier(epochs=2, warm_start=True, random_state=0).fit(X, y)
    model = est.model_
    est.fit(X, y)
    assert est.model_ is model
    assert est.n_iter_ == 4
    cold = SoftmaxRegressionClassifier(epochs=2, random_state=0).fit(X, y)
    model = cold.model_
    cold.fit(X, y)
    assert cold.model_ is not model and cold.n_iter_ == 2


def test_a_fit_traces_its_training_step_once(data, monkeypatch):
    """The optimizer is built before Keras traces the training step: a step that creates
    variables on its first call is traced twice by TensorFlow (about half of a small fit's
    time). Once per fit, however many epochs, with a last batch of another size."""
    X, y = data
    traces = []
    train_step = keras.Model.train_step

    def counted(model, batch):
        traces.append(model)
        return train_step(model, batch)

    monkeypatch.setattr(keras.Model, "train_step", counted)
    est = SoftmaxRegressionClassifier(epochs=3, batch_size=50, random_state=0).fit(X, y)
    assert len(X) % 50 and len(traces) == 1 and traces[0] is est.model_
    est.set_params(warm_start=True).fit(X, y)  # the same model: its step is traced already
    assert len(traces) == 1


def test_partial_fit_trains_one_epoch_at_a_time(data):
    X, y = data
    est = SoftmaxRegressionClassifier(random_state=0)
    est.partial_fit(X, y)
    est.partial_fit(X, y)
    assert est.n_iter_ == 2


def _assert_weights_equal(actual, expected):
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)


def test_weight_averaging_averages_epochs_and_trains_on_from_the_last_weights(data):
    X, y = data
    plain = SoftmaxRegressionClassifier(random_state=0)
    averaged = SoftmaxRegressionClassifier(average_from_epoch=2, random_state=0)
    trained = []
    for epoch in range(3):
        plain.partial_fit(X, y)
        averaged.partial_fit(X, y)
        trained.append(plain.model_.get_weights())
        if epoch == 0:  # before the first averaged epoch: the trained weights
            _assert_weights_equal(averaged.model_.get_weights(), trained[0])
    # The average of epochs 2 and 3 predicts; the training itself went on undisturbed.
    mean = [(a + b) / 2 for a, b in zip(trained[1], trained[2])]
    _assert_weights_equal(averaged.model_.get_weights(), mean)
    np.testing.assert_allclose(
        averaged.predict_proba(X),
        np.asarray(averaged.model_(X.astype("float32"))),
        rtol=1e-5,
    )
    # Pickled mid-way, the estimator goes on with the same average.
    twin = pickle.loads(pickle.dumps(averaged))
    plain.partial_fit(X, y)
    averaged.partial_fit(X, y)
    twin.partial_fit(X, y)
    mean = [(a + b + c) / 3 for a, b, c in zip(trained[1], trained[2], plain.model_.get_weights())]
    _assert_weights_equal(averaged.model_.get_weights(), mean)
    _assert_weights_equal(twin.model_.get_weights(), mean)
    # Switched off on a warm start: training goes on from the last trained weights.
    averaged.set_params(average_from_epoch=None)
    plain.partial_fit(X, y)
    averaged.partial_fit(X, y)
    _assert_weights_equal(averaged.model_.get_weights(), plain.model_.get_weights())


def test_weight_averaging_in_one_fit_and_beyond_the_last_epoch(data):
    X, y = data
    plain = SoftmaxRegressionClassifier(epochs=3, random_state=0).fit(X, y)
    # Averaging that would start after the last epoch is refused, not silently skipped ...
    late = SoftmaxRegressionClassifier(epochs=3, average_from_epoch=4, random_state=0)
    with pytest.raises(ValueError, match=r"average_from_epoch=4 comes after .*epoch 3"):
        late.fit(X, y)
    assert not hasattr(late, "model_")
    # ... but counts the epochs of earlier warm fits, and partial_fit may start it later.
    warm = pickle.loads(pickle.dumps(plain)).set_params(warm_start=True, average_from_epoch=4)
    assert warm.fit(X, y).n_iter_ == 6
    assert late.partial_fit(X, y).n_iter_ == 1
    averaged = SoftmaxRegressionClassifier(epochs=3, average_from_epoch=1, random_state=0)
    averaged.fit(X, y)
    assert not np.allclose(averaged.model_.get_weights()[0], plain.model_.get_weights()[0])
    assert averaged.score(X, y) > 0.8
    # A failed warm fit leaves the average and the state to train on from as they were.
    averaged.set_params(warm_start=True)
    before = averaged.model_.get_weights()
    with pytest.raises(ValueError):
        averaged.fit(np.full_like(X, np.nan), y)
    _assert_weights_equal(averaged.model_.get_weights(), before)
    averaged.fit(X, y)  # and can go on
    assert averaged.n_iter_ == 6


def test_sparse_input_is_densified_one_batch_at_a_time(monkeypatch):
    X, y = make_blobs_data(n=100, sparse=True)
    largest = []
    original = sp.csr_matrix.toarray

    def spy(self, *args, **kwargs):
        largest.append(self.shape[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    # Prediction batches of 40 rows: 40 x (6 input + 3 output values) fills the cell budget.
    monkeypatch.setattr(_batches, "PREDICTION_CELLS", 40 * 9)
    est = SoftmaxRegressionClassifier(epochs=2, batch_size=16, random_state=0).fit(X, y)
    assert largest and max(largest) <= 16  # training: one batch at a time
    largest.clear()
    est.predict(X)
    assert max(largest) == 40  # prediction: batches by the rule, never all rows at once


def test_batch_sequence_groups_by_length():
    lengths = np.random.RandomState(0).randint(1, 100, size=400)
    seq = Batches(np.arange(400)[:, None], lengths=lengths, batch_size=20, shuffle=True, seed=0)
    spreads = [np.ptp(lengths[seq[i][0][:, 0]]) for i in range(len(seq))]
    plain = Batches(np.arange(400)[:, None], batch_size=20, shuffle=True, seed=0)
    plain_spreads = [np.ptp(lengths[plain[i][0][:, 0]]) for i in range(len(plain))]
    assert np.median(spreads) < np.median(plain_spreads) / 5
    seen = np.sort(np.concatenate([seq[i][0][:, 0] for i in range(len(seq))]))
    np.testing.assert_array_equal(seen, np.arange(400))  # every sample exactly once


# -- failure safety ----------------------------------------------------------------------------


def test_failed_fit_leaves_fitted_estimator_unchanged(data, fitted):
    X, y = data
    est = pickle.loads(pickle.dumps(fitted))
    before = est.predict_proba(X)
    state = set(vars(est))
    with pytest.raises(ValueError):
        est.fit(np.full_like(X, np.nan), y)
    np.testing.assert_array_equal(est.predict_proba(X), before)
    assert set(vars(est)) == state


def test_diverging_fit_raises_and_restores(data):
    X, y = data
    est = LinearRegressor(epochs=2, random_state=0).fit(X, X[:, 0])
    before = est.predict(X)
    est.set_params(learning_rate=1e30, warm_start=True)
    with pytest.raises(FloatingPointError, match="diverged.*learning_rate"):
        est.fit(X * 1e20, X[:, 0] * 1e20)
    np.testing.assert_array_equal(est.predict(X), before)
    assert np.isfinite(est.predict(X)).all()


# -- persistence -------------------------------------------------------------------------------


def test_pickle_joblib_save_and_another_process_round_trips(data, fitted, tmp_path):
    X, _ = data

    def same_fit(restored):
        np.testing.assert_array_equal(restored.classes_, fitted.classes_)
        assert restored.get_params() == fitted.get_params()
        assert restored.n_iter_ == fitted.n_iter_

    assert_round_trips(fitted, X, "predict_proba", tmp_path, check=same_fit)
    path = fitted.save(tmp_path / "again.skaq")
    with pytest.raises(TypeError, match="not a LinearRegressor"):
        LinearRegressor.load(path)


def test_save_needs_a_fitted_estimator(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SoftmaxRegressionClassifier().save(tmp_path / "m.skaq")


def _rewrite_member(path, member, content):
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members[member] = content
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_load_refuses_code_carrying_layers(data, fitted, tmp_path):
    path = fitted.save(tmp_path / "model.skaq")
    marker = tmp_path / "pwned"
    command = f"touch {marker}"
    inputs = keras.Input((fitted.n_features_in_,))
    evil = keras.layers.Lambda(lambda x: x * 0 + float(os.system(command) * 0))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(evil))
    model.compile(loss="sparse_categorical_crossentropy")
    model.save(tmp_path / "evil.keras")
    marker.unlink()  # building the graph ran the lambda once; loading must not run it again
    _rewrite_member(path, "model.keras", (tmp_path / "evil.keras").read_bytes())
    with pytest.raises(ValueError, match="(?i)lambda|unsafe|safe_mode"):
        load(path)
    assert not marker.exists()


def test_load_refuses_classes_outside_the_package(data, fitted, tmp_path):
    path = fitted.save(tmp_path / "model.skaq")
    with zipfile.ZipFile(path) as zf:
        header = json.loads(zf.read("skaquarium.json"))
    header["estimator"]["__estimator__"] = "Popen"
    _rewrite_member(path, "skaquarium.json", json.dumps(header).encode())
    with pytest.raises(ValueError, match="not one of skaquarium's estimators"):
        load(path)


def test_load_reads_arrays_without_pickle(data, fitted, tmp_path):
    path = fitted.save(tmp_path / "model.skaq")
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path) as zf:
        npz = io.BytesIO(zf.read("arrays.npz"))
    with zipfile.ZipFile(npz, "a") as inner:
        inner.writestr("a0.npy", buf.getvalue())
    _rewrite_member(path, "arrays.npz", npz.getvalue())
    with pytest.raises(ValueError, match="allow_pickle"):
        load(path)


def test_load_rejects_files_that_are_not_models(tmp_path):
    path = tmp_path / "x.skaq"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(ValueError, match="not a skaquarium model file"):
        load(path)


def test_save_refuses_parameters_it_cannot_store_safely(data, tmp_path):
    X, y = data
    est = SoftmaxRegressionClassifier(epochs=1, random_state=0).fit(X, y)
    est.random_state = np.random.RandomState(0)
    with pytest.raises(TypeError, match="random_state.*pickle"):
        est.save(tmp_path / "m.skaq")


# -- scikit-learn workflows --------------------------------------------------------------------


def test_cross_val_score_and_clone_of_fitted(data, fitted):
    X, y = data
    scores = cross_val_score(SoftmaxRegressionClassifier(epochs=5, random_state=0), X, y, cv=3)
    assert scores.mean() > 0.8
    unfitted = clone(fitted)
    assert not hasattr(unfitted, "model_")
