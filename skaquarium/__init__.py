"""skaquarium: Keras deep-learning estimators that behave exactly like scikit-learn estimators.

The three estimators (:class:`DualMFRegressor`, :class:`SoftmaxAutoEncoderTransformer`,
:class:`HANClassifier`) are imported lazily, so ``import skaquarium`` does not start TensorFlow.
"""

import importlib as _importlib
import os as _os

# Keras 3 reads its backend at import time; the package is built on TensorFlow.
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

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
    if name in _LAZY:
        return getattr(_importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'skaquarium' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
