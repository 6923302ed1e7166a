"""The training parameters that every estimator takes, declared once.

Each :class:`TrainingParameter` carries its validation constraints and its docstring entry; the
base's ``_parameter_constraints`` is built from them, and the line ``{training_parameters}`` in
an estimator's docstring is replaced by their entries with that estimator's defaults
(imbalanced-learn's ``Substitution`` pattern), so no parameter is documented twice.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass
from numbers import Integral, Real

import keras
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

__all__ = ["OPTIMIZERS", "TRAINING_PARAMETERS", "TrainingParameter", "fill_training_parameters"]

OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
    "adagrad": keras.optimizers.Adagrad,
}


@dataclass(frozen=True)
class TrainingParameter:
    """A training parameter that every estimator takes: declared once, with its constraints and
    its docstring entry (rendered into each estimator's docstring with the estimator's own
    default and its name for a sample, e.g. "ratings" or "documents")."""

    name: str
    constraints: list
    type: str
    doc: str


#: What ``average_from_epoch`` does, for the estimators that document their own default of it.
AVERAGING_DOC = (
    "Stochastic weight averaging (Izmailov et al., 2018): the fitted weights are the mean of the "
    "weights at the end of every epoch from this one on (counted from 1, across ``partial_fit`` "
    "calls and warm starts); training goes on from the last weights. An average of several "
    "epochs often generalizes better than the last epoch and makes the number of epochs less "
    "critical. A model read by :func:`~skaquarium.load` goes on from the average."
)

#: The shared training parameters, in signature order. Each estimator's ``__init__`` takes them
#: all (after its own), its ``_parameter_constraints`` holds them through the base's, and its
#: docstring's Parameters section ends with the placeholder line ``{training_parameters}``.
TRAINING_PARAMETERS = (
    TrainingParameter(
        "epochs",
        [Interval(Integral, 1, None, closed="left")],
        "int",
        "Passes over the training {samples} (the most, with ``early_stopping``).",
    ),
    TrainingParameter(
        "batch_size",
        [Interval(Integral, 1, None, closed="left")],
        "int",
        "Training {samples} per gradient step. Prediction runs in batches at least this large, "
        "sized to the width of the model's inputs and outputs.",
    ),
    TrainingParameter(
        "learning_rate",
        [Interval(Real, 0, None, closed="neither")],
        "float",
        "Step size of the optimizer.",
    ),
    TrainingParameter(
        "optimizer",
        [StrOptions(set(OPTIMIZERS))],
        "{" + ", ".join(f'"{name}"' for name in OPTIMIZERS) + "}",
        "The Keras optimizer.",
    ),
    TrainingParameter(
        "early_stopping",
        ["boolean"],
        "bool",
        "Hold out ``validation_fraction`` of the training {samples} (stratified by class for a "
        "classifier) and stop when their loss has not improved for ``n_iter_no_change`` epochs, "
        "restoring the best weights. The held-out {samples} are not trained on.",
    ),
    TrainingParameter(
        "validation_fraction",
        [Interval(Real, 0, 1, closed="neither")],
        "float",
        "Share of the training {samples} held out for early stopping.",
    ),
    TrainingParameter(
        "n_iter_no_change",
        [Interval(Integral, 1, None, closed="left")],
        "int",
        "Patience of early stopping, in epochs.",
    ),
    TrainingParameter(
        "average_from_epoch",
        [Interval(Integral, 1, None, closed="left"), None],
        "int or None",
        AVERAGING_DOC + " None: the last epoch's weights.",
    ),
    TrainingParameter(
        "warm_start",
        ["boolean"],
        "bool",
        "Continue training the fitted model at the next ``fit`` instead of starting over.",
    ),
    TrainingParameter(
        "random_state",
        ["random_state"],
        "int, RandomState instance or None",
        "Seed of initialisation, shuffling and dropout; an int gives the same fitted model on "
        "the same data, on CPU.",
    ),
    TrainingParameter(
        "verbose",
        [Interval(Integral, 0, 2, closed="both"), "boolean"],
        "int or bool",
        "0: silent. 1: Keras' progress bar per epoch (one line per epoch when output is not a "
        "terminal, e.g. a log file). 2: one line per epoch.",
    ),
    TrainingParameter(
        "callbacks",
        [list, None],
        "list of keras.callbacks.Callback or None",
        "Keras callbacks to train with (e.g. ``TensorBoard``, ``LearningRateScheduler``, "
        "``ModelCheckpoint``), run after the built-in ones (divergence guard, early stopping, "
        "weight averaging). Each fit trains with its own deep copies, so one list serves every "
        "fit of a grid search. Not stored by ``save`` (a loaded estimator has "
        "``callbacks=None``).",
    ),
    TrainingParameter(
        "distribution",
        [HasMethods(["scope"]), None],
        "tf.distribute.Strategy or None",
        "A TensorFlow distribution strategy (e.g. ``tf.distribute.MirroredStrategy()`` for the "
        "GPUs of one machine, ``MultiWorkerMirroredStrategy`` for several machines) under whose "
        "scope the model is built, compiled and trained: each batch of ``batch_size`` {samples} "
        "is split across the replicas and their gradients are summed, so ``batch_size`` is the "
        "global batch. The fitted estimator predicts, pickles, clones, saves and loads like any "
        "other; the strategy itself is not pickled or saved (a loaded or unpickled estimator "
        "has ``distribution=None`` and runs on the default device). None: TensorFlow's default "
        'device placement. See the user guide\'s "Scaling out" page.',
    ),
)

_PLACEHOLDER = "{training_parameters}"


def _format_default(value):
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _training_parameters_doc(cls, indent):
    """The docstring entries of the training parameters, with ``cls``'s defaults."""
    signature = inspect.signature(cls.__init__).parameters
    # An estimator may document a parameter its own way (e.g. an extra accepted value):
    # ``_training_parameter_docs = {name: (type, doc)}``.
    overrides = getattr(cls, "_training_parameter_docs", {})
    lines = []
    for param in TRAINING_PARAMETERS:
        default = _format_default(signature[param.name].default)
        kind, doc = overrides.get(param.name, (param.type, param.doc))
        lines.append(f"{indent}{param.name} : {kind}, default={default}")
        text = doc.replace("{samples}", cls._samples)
        lines.extend(
            textwrap.wrap(
                text,
                100,
                initial_indent=indent + "    ",
                subsequent_indent=indent + "    ",
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)


def fill_training_parameters(cls):
    """Replace the ``{training_parameters}`` line of ``cls``'s docstring with the entries."""
    doc = cls.__doc__ or ""
    if _PLACEHOLDER in doc:
        line = next(line for line in doc.splitlines() if _PLACEHOLDER in line)
        indent = line[: len(line) - len(line.lstrip())]
        cls.__doc__ = doc.replace(line, _training_parameters_doc(cls, indent))
