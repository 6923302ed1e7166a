"""Shared estimator machinery over scikeras.

Every estimator of the package derives from :class:`SkaquariumEstimator`. The base owns, once
for all of them:

* scikit-learn tags that are right on scikit-learn >= 1.7 (scikeras 0.13 builds its tags in a way
  that drops the classifier/regressor/transformer mixins' tags, so ``is_classifier`` and
  ``is_regressor`` return False and cross-validation is not stratified);
* parameter validation at ``fit`` through ``_parameter_constraints``;
* ``random_state``: Python, NumPy and Keras are seeded and TensorFlow's op determinism is on for
  the duration of ``fit``, so one seed on one dataset gives the same model on CPU;
* the training loop: ``epochs``, ``batch_size``, ``learning_rate``, ``optimizer``,
  ``early_stopping`` with ``validation_fraction`` and ``n_iter_no_change``, weight averaging
  across epochs (``average_from_epoch``), ``warm_start``,
  ``verbose`` (Keras' progress bar), the user's Keras ``callbacks`` (copied per fit), fitted
  ``history_``/``loss_curve_``/``n_iter_``;
* batches made by :mod:`skaquarium._batches` (sparse inputs densified one batch at a time, or kept
  sparse), and one prediction path (:meth:`SkaquariumEstimator._predict_model`);
* failure safety: a ``fit`` that raises (bad input, diverging loss, interrupt) leaves an already
  fitted estimator exactly as it was;
* persistence: pickle/joblib (the Keras model is pickled through scikeras' hooks); the safe,
  pickle-free :meth:`SkaquariumEstimator.save` delegates to :mod:`skaquarium._persistence`.

A subclass provides its hooks: ``_prepare_fit`` (validate and encode ``X``/``y``, set the
data-derived fitted attributes, return a :class:`FitData` holding everything the batches and the
graph need), ``_build_model(data)`` (return the Keras graph, built by a plain function of the
module from the parameters, fitted attributes and ``data.graph``), ``_get_loss`` and optionally
``_batch_transform`` and ``_after_fit``. Fit is "prepare the data, then build the graph, then
train": no state passes between the hooks on the estimator.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import sys
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import keras
import numpy as np
from scikeras.utils.random_state import tensorflow_random_state
from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from . import _persistence
from ._batches import Batches, predict, prediction_batches
from ._callbacks import DivergenceGuard, WeightAveraging
from ._parameters import OPTIMIZERS, TRAINING_PARAMETERS, fill_training_parameters
from ._quiet import quiet_retracing
from ._seeding import private_default_seeds

__all__ = ["SkaquariumEstimator", "FitData"]


def _unavailable(self):
    return False


def _hidden_method(name):
    """A scikeras method that does not apply to this estimator: ``hasattr`` is False."""

    def method(self, *args, **kwargs):  # pragma: no cover - never reachable
        raise AttributeError(name)

    method.__name__ = name
    return available_if(_unavailable)(method)


@dataclass
class FitData:
    """What a subclass's ``_prepare_fit`` hands to the training loop.

    Parameters
    ----------
    inputs : array, sparse matrix, or list of them
        The model's inputs, one row per training sample. Sparse matrices stay sparse; each batch is
        densified on its own.
    targets : array, sparse matrix or None
        What the model is trained to output, one row per sample.
    sample_weight : ndarray or None
        Per-sample weights.
    stratify : ndarray or None
        Labels used to stratify the early-stopping validation split.
    lengths : ndarray or None
        A length per sample; when given, batches group samples of similar length.
    graph : dict
        What ``_build_model`` needs that was resolved from this fit's data (an output bias, an
        initial embedding matrix, parsed layer specifications, ...), by name. Passing it here,
        rather than on the estimator, leaves no training-time state behind.
    """

    inputs: Any
    targets: Any = None
    sample_weight: np.ndarray | None = None
    stratify: np.ndarray | None = None
    lengths: np.ndarray | None = None
    graph: dict = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        first = self.inputs[0] if isinstance(self.inputs, list) else self.inputs
        return first.shape[0]


class _KerasByConfig:
    """Pickles a Keras layer or model as its config; unpickling rebuilds it, with fresh weights."""

    def __init__(self, layer):
        self.config = keras.saving.serialize_keras_object(layer)

    def __reduce__(self):
        return _keras_from_config, (self.config,)


def _keras_from_config(config):
    return keras.saving.deserialize_keras_object(config, safe_mode=True)


def _strategy_of(model):
    """The ``tf.distribute`` strategy ``model`` was built under (None for the default one)."""
    return getattr(model, "_distribute_strategy", None)


@contextlib.contextmanager
def _symbolic_build_before_fit(model, batches):
    """Build what Keras would build inside the first traced training step, before ``fit``: the
    optimizer's variables, and a model made under a ``tf.distribute`` strategy from one batch of
    ``batches``.

    Keras' ``fit`` under a strategy builds the model from the first distributed batch, which it
    first averages across replicas; TensorFlow cannot do that for a ``tf.SparseTensor`` (its
    per-replica values have no device). The model is built here from the first batch as made,
    on one device, and the averaging step is skipped for this fit.
    """
    if _strategy_of(model) is None:
        # Without a strategy Keras builds the optimizer inside the first traced training step;
        # TensorFlow then traces the step a second time, as it does for any function that
        # creates variables on its first call. Built here, the step is traced once (half the
        # tracing time of a first fit).
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        yield
        return
    if isinstance(batches, keras.utils.PyDataset):
        first = batches[0] if len(batches) else None
    else:  # a tf.data.Dataset
        first = next(iter(batches), None)
    if first is not None:
        with _strategy_of(model).scope():
            model._symbolic_build(data_batch=first)
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    try:
        yield
    finally:
        del model._maybe_symbolic_build


def _validate_sample_weight(sample_weight, n_samples):
    sample_weight = _check_sample_weight(
        sample_weight, np.empty((n_samples, 0)), dtype=np.float32, ensure_non_negative=True
    )
    if not np.any(sample_weight > 0):
        raise ValueError(
            "sample_weight: every weight is zero, so there is nothing to train on; give at least "
            "one sample a positive weight."
        )
    return sample_weight


class SkaquariumEstimator(BaseWrapper):
    """Base class of the package's estimators (not for direct use).

    Subclasses put scikit-learn's mixins to the left of this class, define ``__init__`` storing
    their parameters only, extend ``_parameter_constraints`` and implement the hooks
    ``_prepare_fit``, ``_build_model``, ``_get_loss`` (and optionally ``_after_fit``).
    """

    _parameter_constraints: dict = {p.name: p.constraints for p in TRAINING_PARAMETERS}
    #: What the estimator's docstring calls a training sample ("ratings", "documents").
    _samples = "samples"

    # scikeras routes ``fit__x``-style parameters; the package's estimators declare every
    # parameter explicitly instead, as scikit-learn does.
    _routing_prefixes: set = set()
    #: Input kinds the estimator accepts (declared in the tags).
    _accepts_sparse = False
    _accepts_string = False
    #: Fitted attributes that ``save`` does not store (recomputed by ``_after_load``).
    _unsaved_attributes: tuple = ()
    #: Parameters that ``save`` stores as None (training-time objects).
    _unsaved_parameters: tuple = ("callbacks", "distribution")

    # scikeras members that do not apply (its entry points, encoders, scorer and epoch
    # counter): hidden so ``hasattr`` tells the truth and they are not taken for the API.
    current_epoch = _hidden_method("current_epoch")
    feature_encoder = _hidden_method("feature_encoder")
    initialized_ = _hidden_method("initialized_")
    scorer = _hidden_method("scorer")
    target_encoder = _hidden_method("target_encoder")
    initialize = _hidden_method("initialize")
    predict = _hidden_method("predict")
    score = _hidden_method("score")
    _more_tags = _hidden_method("_more_tags")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _persistence.register_saveable(cls)
        fill_training_parameters(cls)

    # -- scikit-learn protocol ---------------------------------------------------------------

    @classmethod
    def _get_param_names(cls):
        # Parameters are the signature of __init__, as in scikit-learn (scikeras uses __dict__).
        return BaseEstimator._get_param_names.__func__(cls)

    def set_params(self, **params):
        return BaseEstimator.set_params(self, **params)

    def __repr__(self, N_CHAR_MAX=700):
        return BaseEstimator.__repr__(self, N_CHAR_MAX)

    def __sklearn_tags__(self):
        # Built from BaseEstimator, not from scikeras, so that the mixins on the left of this
        # class (ClassifierMixin, RegressorMixin, TransformerMixin) set the estimator type.
        tags = BaseEstimator.__sklearn_tags__(self)
        tags.input_tags.sparse = self._accepts_sparse
        tags.input_tags.string = self._accepts_string
        tags.non_deterministic = False
        if tags.transformer_tags is not None:
            # Keras computes in float32: float32 in, float32 out.
            tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    # A parameter may be a Keras layer or model (e.g. a user-supplied encoder). Fit never trains
    # or changes it, only builds copies of it from its config, so a clone shares it (as scikit-
    # learn's clone shares callbacks) and a pickle stores its config. A deep copy or pickle of a
    # keras.Model would go through scikeras' hooks, which save the whole model (weights included)
    # and warn when it is not built, as a user's Sequential usually is not.

    def _keras_params(self):
        params = self.get_params(deep=False)
        return {k: v for k, v in params.items() if isinstance(v, keras.layers.Layer)}

    def __sklearn_clone__(self):
        shared = self._keras_params()
        # A distribution strategy stands for devices, not data: clones train on the same one.
        if getattr(self, "distribution", None) is not None:
            shared["distribution"] = self.distribution
        twin = self
        if shared:
            # scikit-learn clones a twin without them (which carries set_output's configuration).
            twin = object.__new__(type(self))
            twin.__dict__.update(self.__dict__)
            twin.__dict__.update(dict.fromkeys(shared))
        return BaseEstimator.__sklearn_clone__(twin).set_params(**shared)

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ returns __dict__
        for name, layer in self._keras_params().items():
            with contextlib.suppress(Exception):  # no config: pickled as it is (fit fails anyway)
                state[name] = _KerasByConfig(layer)
        if state.get("distribution") is not None:
            # A strategy holds devices and threads of this process: an unpickled estimator runs
            # on the default device of its own.
            state["distribution"] = None
        return state

    # -- hooks -------------------------------------------------------------------------------

    def _prepare_fit(self, X, y, sample_weight, *, reset, **fit_params):
        """Validate and encode the training data; set the fitted attributes resolved from the
        data (when ``reset``); return a :class:`FitData` with everything the graph and the
        batches need. ``fit_params`` are the estimator's own ``fit`` arguments."""
        raise NotImplementedError

    def _build_model(self, data: FitData):
        """Return the (uncompiled) Keras model, from the parameters, the fitted attributes and
        ``data.graph``."""
        raise NotImplementedError

    def _get_loss(self):
        """Return the Keras loss to compile with."""
        raise NotImplementedError

    def _get_metrics(self):
        return None

    def _after_fit(self):
        """Called after training; e.g. cache what prediction needs."""

    def _after_load(self):
        """Called after ``load``; recompute the unsaved attributes."""
        self._after_fit()

    def _batch_transform(self, training):
        """A function ``(x, y, rng) -> (x, y)`` applied to each training or validation batch
        (``training`` says which) before the model sees it, e.g. to look up per-id inputs or add
        input noise; ``None`` for none. Called for each sequence made, after the model is
        built. See :class:`skaquarium._batches.Batches`."""
        return None

    #: How sparse inputs reach the graph: densified per batch ("dense") or as a tf.SparseTensor.
    _sparse_batches = "dense"
    #: Threads that prepare training batches ahead of the model (for a costly ``transform``).
    _batch_workers = 1
    #: Whether input shapes vary from batch to batch (e.g. text trimmed to each batch's length).
    _variable_batch_shapes = False

    def _make_sequence(self, data: FitData, index, *, training, seed=None):
        batches = Batches(
            data.inputs,
            data.targets,
            data.sample_weight,
            batch_size=self._effective("batch_size"),
            shuffle=training,
            seed=seed,
            lengths=data.lengths,
            index=index,
            transform=self._batch_transform(training),
            sparse=self._sparse_batches,
            workers=self._batch_workers if training else 1,
        )
        return batches.as_dataset() if self._variable_batch_shapes else batches

    # -- training ----------------------------------------------------------------------------

    def _seed(self):
        """An integer seed from ``random_state`` (None when it is None)."""
        if self.random_state is None:
            return None
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    @contextlib.contextmanager
    def _seeded(self, seed):
        if seed is None:
            yield
            return
        # Keras' default layer seeds come from this thread's own generator: other threads
        # drawing from the ``random`` module cannot change a seeded fit's weights.
        with tensorflow_random_state(seed), private_default_seeds(seed):
            keras.utils.set_random_seed(seed)
            yield

    @contextlib.contextmanager
    def _restore_on_failure(self):
        """Undo every change to the estimator if the block raises."""
        state = dict(self.__dict__)
        weights = self.model_.get_weights() if hasattr(self, "model_") else None
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            if weights is not None:
                self.model_.set_weights(weights)
            raise

    def _make_optimizer(self):
        return OPTIMIZERS[self.optimizer](learning_rate=self._effective("learning_rate"))

    def _compile(self, model):
        model.compile(
            optimizer=self._make_optimizer(), loss=self._get_loss(), metrics=self._get_metrics()
        )
        return model

    def fit(self, X, y=None, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : array-like or sparse matrix
            Training data, as documented by the estimator.
        y : array-like, default=None
            Targets, as documented by the estimator.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, where the estimator supports them.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, epochs=self._epochs_for(X), warm=self.warm_start)

    def _effective(self, name):
        """The value parameter ``name`` takes in training: the parameter itself, unless the
        estimator resolves a value such as ``"auto"`` from its other parameters."""
        return getattr(self, name)

    def _epochs_for(self, X):
        """The number of epochs a ``fit`` on ``X`` trains: ``epochs`` (an estimator that accepts
        a data-dependent value such as ``"auto"`` resolves it here; the fit validates it)."""
        return self.epochs

    def partial_fit(self, X, y=None, sample_weight=None, **partial_fit_params):
        """Train for one more epoch on ``X`` (building the model on the first call).

        Parameters
        ----------
        X : array-like or sparse matrix
            Training data.
        y : array-like, default=None
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, where the estimator supports them.
        **partial_fit_params : dict
            Estimator-specific arguments (e.g. ``classes`` for classifiers).

        Returns
        -------
        self : object
            The estimator.
        """
        return self._fit(
            X, y, sample_weight, epochs=1, warm=True, partial=True, **partial_fit_params
        )

    def _fit(self, X, y, sample_weight, *, epochs, warm, partial=False, **fit_params):
        """Prepare the data, build the graph (unless warm), train, cache: the one fit path."""
        self._validate_params()
        callbacks = self._clone_callbacks()
        warm = bool(warm) and hasattr(self, "model_")
        if not partial:
            self._check_averaging(epochs, warm)
        seed = self._seed()
        with self._restore_on_failure(), self._seeded(seed), quiet_retracing():
            data = self._prepare_fit(X, y, sample_weight, reset=not warm, **fit_params)
            if data.sample_weight is not None:
                data.sample_weight = _validate_sample_weight(data.sample_weight, data.n_samples)
            with self._distribution_scope():
                if not warm:
                    self.model_ = self._compile(self._build_model(data))
                    self.history_ = {"loss": []}
                    self._averaging = None
                elif _strategy_of(self.model_) is not self.distribution:
                    self.model_ = self._rebuild_under_strategy(data)
                self._train(data, epochs, seed, callbacks)
            self._after_fit()
        return self

    def _distribution_scope(self):
        """The scope of ``distribution`` (none without one)."""
        if self.distribution is None:
            return contextlib.nullcontext()
        return self.distribution.scope()

    def _rebuild_under_strategy(self, data):
        """A warm start under another ``distribution`` than the model was built under: the same
        graph built and compiled under the current one, with the trained weights (the
        optimizer's state starts afresh)."""
        model = self._compile(self._build_model(data))
        model.set_weights(self.model_.get_weights())
        return model

    def _check_averaging(self, epochs, warm):
        """A fit whose last epoch comes before ``average_from_epoch`` would average nothing.
        (``partial_fit`` may: its average starts in a later call.)"""
        start = self.average_from_epoch
        last = (len(self.history_["loss"]) if warm else 0) + epochs
        if start is not None and start > last:
            raise ValueError(
                f"average_from_epoch={start} comes after the last epoch of this fit (epoch "
                f"{last}), so no weights would be averaged. Use average_from_epoch <= {last} "
                "(epochs, counted across warm starts), or None."
            )

    def _clone_callbacks(self):
        """Fresh copies of the user's ``callbacks`` for this fit (the parameter is never used
        itself, so one list serves every fit of a grid search)."""
        if self.callbacks is None:
            return []
        clones = []
        for i, cb in enumerate(self.callbacks):
            if not isinstance(cb, keras.callbacks.Callback):
                raise TypeError(
                    f"callbacks must be a list of keras.callbacks.Callback instances; entry {i} "
                    f"is a {type(cb).__name__}."
                )
            model = getattr(cb, "_model", None)
            try:
                clones.append(copy.deepcopy(cb, {id(model): None} if model is not None else {}))
            except Exception as exc:
                raise TypeError(
                    f"callbacks: entry {i}, a {type(cb).__name__}, cannot be copied for this fit "
                    f"({type(exc).__name__}: {exc}); each fit trains with its own copy."
                ) from exc
        return clones

    def _train(self, data: FitData, epochs: int, seed, user_callbacks=()):
        rng = np.random.RandomState(seed)
        train_index, val_index = self._validation_split(data, rng)
        shuffle_seed = rng.randint(np.iinfo(np.int32).max)
        train_seq = self._make_sequence(data, train_index, training=True, seed=shuffle_seed)
        val_seq = None
        if val_index is not None:
            val_seq = self._make_sequence(data, np.sort(val_index), training=False)
        guard = DivergenceGuard()
        averaging = self._start_averaging()
        callbacks = [guard]
        if val_seq is not None:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss", patience=self.n_iter_no_change, restore_best_weights=True
                )
            )
        if averaging is not None:
            callbacks.append(averaging)
        callbacks.extend(user_callbacks)
        initial_epoch = len(self.history_["loss"])
        with _symbolic_build_before_fit(self.model_, train_seq):
            hist = self.model_.fit(
                train_seq,
                validation_data=val_seq,
                epochs=initial_epoch + epochs,
                initial_epoch=initial_epoch,
                callbacks=callbacks,
                verbose=self._keras_verbose(),
                shuffle=False,  # the sequence shuffles; Keras warns if asked to shuffle tf.data
            )
        self._check_divergence(guard)
        self._finish_averaging(averaging)
        self._record_history(hist.history)

    def _validation_split(self, data: FitData, rng):
        """Training and early-stopping validation rows (validation None without early stopping);
        stratified by ``data.stratify`` where every class has two samples."""
        n = data.n_samples
        if not self.early_stopping:
            return np.arange(n), None
        n_val = int(math.ceil(self.validation_fraction * n))
        if n_val < 1 or n - n_val < 1:
            raise ValueError(
                f"early_stopping needs at least 2 samples to split with validation_fraction="
                f"{self.validation_fraction}; got n_samples={n}."
            )
        stratify = data.stratify
        if stratify is not None and np.unique(stratify, return_counts=True)[1].min() < 2:
            stratify = None
        return train_test_split(
            np.arange(n),
            test_size=n_val,
            random_state=rng.randint(np.iinfo(np.int32).max),
            stratify=stratify,
        )

    def _keras_verbose(self):
        """Keras' progress bar on a terminal; one line per epoch where output is not one (a log
        file, CI), as Keras' ``verbose="auto"`` does, so logs do not fill with bar redraws."""
        verbose = int(self.verbose)
        if verbose == 1 and not (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()):
            return 2
        return verbose

    def _check_divergence(self, guard):
        if guard.diverged_at is not None:
            raise FloatingPointError(
                f"Training of {type(self).__name__} diverged: the loss became non-finite in "
                f"epoch {guard.diverged_at}. Lower learning_rate (it was "
                f"{self._effective('learning_rate')}) or "
                "scale the inputs. The estimator was left as it was before this fit."
            )

    def _finish_averaging(self, averaging):
        if averaging is not None and averaging.count:
            # The model predicts with the average; the last weights are kept to train on from.
            self._averaging = {
                "mean": averaging.mean,
                "count": averaging.count,
                "last": self.model_.get_weights(),
            }
            self.model_.set_weights(averaging.mean)

    def _record_history(self, new):
        history = {k: list(v) for k, v in self.history_.items()}  # new object: restorable
        for key, values in new.items():
            history.setdefault(key, []).extend(float(v) for v in values)
        self.history_ = history
        self.loss_curve_ = list(self.history_["loss"])
        self.n_iter_ = len(self.loss_curve_)
        if "val_loss" in self.history_:
            self.validation_loss_curve_ = list(self.history_["val_loss"])
            self.best_validation_loss_ = float(np.min(self.validation_loss_curve_))

    def _start_averaging(self):
        """The weight-averaging callback of this fit (None without ``average_from_epoch``).

        A model that already predicts with an average goes back to its last trained weights,
        and the average goes on from where it was.
        """
        start = (
            self._effective("average_from_epoch") if hasattr(self, "average_from_epoch") else None
        )
        state = getattr(self, "_averaging", None)
        if start is None:
            if state is not None:  # averaging switched off on a warm start: train on
                self.model_.set_weights(state["last"])
                self._averaging = None
            return None
        if state is None:
            return WeightAveraging(start)
        self.model_.set_weights(state["last"])
        return WeightAveraging(start, state["mean"], state["count"])

    def _predict_model(
        self, inputs, *, model=None, transform=None, lengths=None, output_shapes=None
    ):
        """Run ``model`` (default ``model_``) over ``inputs``: the one prediction path.

        Batches are sized by :func:`skaquarium._batches.prediction_batch_size`; ``transform``,
        ``lengths`` and ``output_shapes`` are as in :mod:`skaquarium._batches`.
        """
        model = self.model_ if model is None else model
        batches = prediction_batches(
            model,
            inputs,
            batch_size=self._effective("batch_size"),
            transform=transform,
            lengths=lengths,
            sparse=self._sparse_batches,
        )
        return predict(model, batches, output_shapes=output_shapes)

    # -- persistence -------------------------------------------------------------------------

    def save(self, path):
        """Save the fitted estimator to one file, without pickle.

        The file (a zip archive) holds the parameters and fitted attributes as JSON and NumPy
        arrays (a Keras layer or model given as a parameter as its Keras config), and the Keras
        model in the ``.keras`` format. :func:`skaquarium.load` reads it back without executing
        any code from the file. The save is atomic: the archive is written to a temporary file
        beside ``path`` and renamed over it once complete, so a save that fails part-way leaves
        an earlier file at ``path`` as it was.

        Parameters
        ----------
        path : str or path-like
            Where to write; the conventional suffix is ``.skaq``.

        Returns
        -------
        path : str
            The path written.
        """
        check_is_fitted(self)
        return _persistence.save(self, path)

    @classmethod
    def load(cls, path):
        """Load an estimator written by :meth:`save` (see :func:`skaquarium.load`).

        Parameters
        ----------
        path : str or path-like
            The file.

        Returns
        -------
        estimator : SkaquariumEstimator
            The fitted estimator.
        """
        est = _persistence.load(path)
        if not isinstance(est, cls):
            raise TypeError(
                f"{os.fspath(path)!r} holds a {type(est).__name__}, not a {cls.__name__}."
            )
        return est
