"""Test-only estimators built on the shared base: a softmax regression classifier, a linear
regressor and a linear autoencoder transformer. They exercise the base the way the real
estimators do, with the smallest possible graphs."""

import keras
import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, RegressorMixin, TransformerMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from skaquarium._base import FitData, SkaquariumEstimator


def build_dense_graph(n_features, n_outputs, activation=None):
    inputs = keras.Input((n_features,), name="features")
    outputs = keras.layers.Dense(n_outputs, activation=activation, name="dense")(inputs)
    return keras.Model(inputs, outputs)


class _ToyBase(SkaquariumEstimator):
    _accepts_sparse = True

    def __init__(
        self,
        *,
        epochs=5,
        batch_size=32,
        learning_rate=0.05,
        optimizer="adam",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=3,
        average_from_epoch=None,
        warm_start=False,
        random_state=None,
        verbose=0,
        callbacks=None,
        distribution=None,
    ):
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.average_from_epoch = average_from_epoch
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.distribution = distribution

    def _validate_X(self, X, reset):
        return validate_data(self, X, reset=reset, accept_sparse="csr", dtype="float32")


class SoftmaxRegressionClassifier(ClassifierMixin, _ToyBase):
    def _prepare_fit(self, X, y, sample_weight, *, reset, classes=None):
        X, y = validate_data(self, X, y, reset=reset, accept_sparse="csr", dtype="float32")
        check_classification_targets(y)
        if reset:
            self.classes_ = LabelEncoder().fit(y if classes is None else classes).classes_
        codes = np.searchsorted(self.classes_, y)
        return FitData(X, codes.astype("int32"), sample_weight, stratify=codes)

    def _build_model(self, data):
        return build_dense_graph(self.n_features_in_, len(self.classes_), "softmax")

    def _get_loss(self):
        return "sparse_categorical_crossentropy"

    def predict_proba(self, X):
        check_is_fitted(self)
        return self._predict_model(self._validate_X(X, False))

    def predict(self, X):
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class LinearRegressor(RegressorMixin, _ToyBase):
    def _prepare_fit(self, X, y, sample_weight, *, reset):
        X, y = validate_data(
            self, X, y, reset=reset, accept_sparse="csr", dtype="float32", y_numeric=True
        )
        return FitData(X, y.astype("float32"), sample_weight)

    def _build_model(self, data):
        return build_dense_graph(self.n_features_in_, 1)

    def _get_loss(self):
        return "mse"

    def predict(self, X):
        check_is_fitted(self)
        return self._predict_model(self._validate_X(X, False))[:, 0]


class LinearAutoencoderTransformer(TransformerMixin, _ToyBase):
    def _prepare_fit(self, X, y, sample_weight, *, reset):
        X = self._validate_X(X, reset)
        return FitData(X, X, sample_weight)

    def _build_model(self, data):
        inputs = keras.Input((self.n_features_in_,))
        code = keras.layers.Dense(2, name="code")(inputs)
        return keras.Model(inputs, keras.layers.Dense(self.n_features_in_)(code))

    def _get_loss(self):
        return "mse"

    def transform(self, X):
        check_is_fitted(self)
        encoder = keras.Model(self.model_.inputs, self.model_.get_layer("code").output)
        Xt = self._predict_model(self._validate_X(X, False), model=encoder)
        return Xt.astype(getattr(X, "dtype", Xt.dtype), copy=False)  # preserve float64 input


def make_blobs_data(n=120, n_features=6, seed=0, sparse=False):
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 3, n)
    centers = rng.normal(scale=3.0, size=(3, n_features))
    X = (centers[y] + rng.normal(size=(n, n_features))).astype("float32")
    return (sp.csr_matrix(X) if sparse else X), np.array(["a", "b", "c"])[y]
