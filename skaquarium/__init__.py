"""skaquarium: Keras deep-learning estimators that behave exactly like scikit-learn estimators.

The three estimators (:class:`DualMFRegressor`, :class:`SoftmaxAutoEncoderTransformer`,
:class:`HANClassifier`) are imported lazily, so ``import skaquarium`` does not start TensorFlow.
"""

import importlib as _importlib
import os as _os


def _require_tensorflow_backend():
    """Refuse, with a message that says what to do, a Keras set up for another backend.

    Keras 3 reads ``KERAS_BACKEND`` when it is first imported; the package's graphs, training
    steps and data pipelines are TensorFlow's. Checked here, before any module of the package
    imports Keras, so the user sees this instead of a traceback from inside Keras.
    """
    import sys

    requested = _os.environ.get("KERAS_BACKEND", "tensorflow")
    keras = sys.modules.get("keras")
    active = None
    if keras is not None:
        try:
            active = keras.config.backend()
        except Exception:  # a partly imported Keras: judge by the environment
            active = None
    backend = active or requested
    if backend != "tensorflow":
        where = (
            f"Keras is already running on the {active!r} backend"
            if active
            else f"KERAS_BACKEND={requested!r} is set"
        )
        raise ImportError(
            f"skaquarium needs Keras' TensorFlow backend, but {where}. Unset KERAS_BACKEND or set "
            "KERAS_BACKEND=tensorflow before Python starts (e.g. `KERAS_BACKEND=tensorflow "
            "python script.py`), and use skaquarium in a process where Keras has not been "
            "imported with another backend."
        )


# Keras 3 reads its backend at import time; the package is built on TensorFlow.
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_require_tensorflow_backend()


def _quiet_first_tensorflow_import():
    from ._quiet import install_import_hook

    install_import_hook()  # ``import skaquarium.han`` starts TensorFlow without its noise too


_quiet_first_tensorflow_import()

__version__ = "0.1.0"

_LAZY = {
    "DualMFRegressor": "skaquarium.dual_mf",
    "SoftmaxAutoEncoderTransformer": "skaquarium.softmax_autoencoder",
    "HANClassifier": "skaquarium.han",
    "HierarchicalTokenizer": "skaquarium.text",
    "load": "skaquarium._persistence",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:  # TensorFlow starts quietly through the hook installed above
        return getattr(_importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'skaquarium' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
