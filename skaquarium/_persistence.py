"""Safe persistence: ``save``/``load`` without pickle, and the registry of saveable classes.

A model file (``.skaq``) is a zip archive of three members: ``skaquarium.json`` (the estimator's
class, parameters and fitted attributes as JSON, arrays referenced by key), ``arrays.npz``
(NumPy arrays, read with ``allow_pickle=False``) and ``model.keras`` (the Keras graph, loaded in
Keras' safe mode). Nothing in a file can execute code when it is loaded.

This module imports neither Keras nor TensorFlow at import time, so that the pure scikit-learn
parts of the package (such as :mod:`skaquarium.text`) can register their classes without starting
TensorFlow; Keras is imported only to save or load a Keras graph.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
import tempfile
import zipfile

import numpy as np
import scipy.sparse as sp

__all__ = ["load", "register_saveable", "save"]

_FORMAT_VERSION = 1
#: Class name -> class, for every class whose instances ``save`` may store.
_REGISTRY: dict[str, type] = {}
_MEMBERS = ("skaquarium.json", "arrays.npz", "model.keras")


def register_saveable(cls):
    """Let ``save``/``load`` store instances of ``cls`` (one of the package's classes).

    Every estimator built on the package's base registers itself; plain scikit-learn helpers
    such as the text tokenizer, whose fitted state is plain data, use this as a decorator.
    """
    _REGISTRY[cls.__name__] = cls
    return cls


def _is_keras_layer(value):
    # A Keras object can only exist if Keras was imported: no need to import it to find out.
    if "keras" not in sys.modules:
        return False
    import keras

    return isinstance(value, keras.layers.Layer)


def save(estimator, path):
    """Write a fitted estimator to ``path`` atomically (see ``SkaquariumEstimator.save``).

    The archive is written to a temporary file in the destination folder, flushed to disk and
    renamed over ``path`` (:func:`os.replace`): a failure at any point leaves an earlier file at
    ``path`` byte-identical and no temporary file behind.
    """
    arrays: dict[str, np.ndarray] = {}
    header = {
        "format_version": _FORMAT_VERSION,
        "skaquarium_version": _package_version(),
        "estimator": _encode_estimator(estimator, arrays, top=True),
    }
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=False, **arrays)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, partial = tempfile.mkstemp(prefix=".skaq-", suffix=".partial", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh, tempfile.TemporaryDirectory() as tmp:
            model_path = os.path.join(tmp, "model.keras")
            estimator.model_.save(model_path)
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(_MEMBERS[0], json.dumps(header, allow_nan=True))
                zf.writestr(_MEMBERS[1], buf.getvalue())
                zf.write(model_path, _MEMBERS[2])
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file private (0600); the model gets the mode a plain open() would
        # give it, or keeps the mode of the file it replaces.
        os.chmod(partial, _file_mode(path))
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise
    return path


def _file_mode(path):
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def load(path):
    """Load an estimator saved with ``save``, in safe mode.

    No pickle is involved: parameters and fitted attributes are JSON and NumPy arrays (read with
    ``allow_pickle=False``), the estimator class must be one of the package's, and the Keras
    graph (and any Keras layer given as a parameter) is loaded with ``safe_mode=True``, which
    refuses layers that carry code (``Lambda``).

    Parameters
    ----------
    path : str or path-like
        A file written by ``save``.

    Returns
    -------
    estimator : SkaquariumEstimator
        The fitted estimator, with identical predictions.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from skaquarium import DualMFRegressor, load
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([1.0, 2.0, 3.0, 4.0])
    >>> model = DualMFRegressor(n_components=2, epochs=2, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skaq")
    >>> _ = model.save(path)
    >>> bool(np.allclose(load(path).predict(X), model.predict(X)))
    True
    """
    path = os.fspath(path)
    with zipfile.ZipFile(path) as zf:
        missing = set(_MEMBERS) - set(zf.namelist())
        if missing:
            raise ValueError(f"{path!r} is not a skaquarium model file: missing {sorted(missing)}.")
        header = json.loads(zf.read("skaquarium.json"))
        if header.get("format_version") != _FORMAT_VERSION:
            raise ValueError(
                f"{path!r} has format version {header.get('format_version')!r}; this skaquarium "
                f"reads version {_FORMAT_VERSION}."
            )
        with np.load(io.BytesIO(zf.read("arrays.npz")), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        # Decoding first imports the estimator's module, which registers its Keras classes
        # (such as the HAN's custom model) before the graph is deserialized.
        est = _decode_estimator(header["estimator"], arrays)
        model_bytes = zf.read("model.keras")
    est.model_ = _load_keras_model(model_bytes)
    est._after_load()
    return est


def _load_keras_model(data):
    import keras

    from . import layers  # noqa: F401  (registers the package's layers)

    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "model.keras")
        with open(model_path, "wb") as fh:
            fh.write(data)
        return keras.saving.load_model(model_path, safe_mode=True)


def _package_version():
    from . import __version__

    return __version__


# -- JSON encoding of parameters and fitted attributes (no pickle) ------------------------------


def _encode(value, arrays, where):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        items = [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        return {
            "__dict__": [
                [_encode(k, arrays, where), _encode(v, arrays, f"{where}[{k!r}]")]
                for k, v in value.items()
            ]
        }
    if sp.issparse(value):
        csr = sp.csr_matrix(value)
        return {
            "__sparse__": [
                _encode(csr.data, arrays, where),
                _encode(csr.indices, arrays, where),
                _encode(csr.indptr, arrays, where),
                list(csr.shape),
            ]
        }
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufc":
            key = f"a{len(arrays)}"
            arrays[key] = value
            return {"__ndarray__": key}
        if value.dtype.kind in "OUS":
            return {
                "__objarray__": [_encode(v, arrays, where) for v in value.ravel().tolist()],
                "shape": list(value.shape),
                "dtype": "object" if value.dtype.kind == "O" else value.dtype.str,
            }
    if _REGISTRY.get(type(value).__name__) is type(value):
        return _encode_estimator(value, arrays)
    if _is_keras_layer(value):
        return {"__keras__": _encode_keras(value, where)}
    raise TypeError(
        f"save() cannot store {where} of type {type(value).__name__}; use pickle or joblib for "
        "estimators that hold arbitrary Python objects (only from trusted sources)."
    )


def _encode_keras(layer, where):
    """The config (architecture, not weights) of a Keras layer or model given as a parameter,
    e.g. a user-supplied encoder, as Keras serializes it. Stored only if Keras rebuilds it from
    that JSON in safe mode, as ``load`` will: built-in or registered classes, no ``Lambda``."""
    import keras

    try:
        config = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
        keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as exc:
        raise TypeError(
            f"save() cannot store {where}, a Keras {type(layer).__name__}: Keras cannot rebuild "
            f"it from its config in safe mode ({type(exc).__name__}: {exc}). Use built-in layers, "
            "or register custom ones with keras.saving.register_keras_serializable (no Lambda "
            "layers); or use pickle/joblib (only from trusted sources)."
        ) from exc
    return config


def _encode_estimator(est, arrays, top=False):
    cls = type(est).__name__
    if _REGISTRY.get(cls) is not type(est):
        raise TypeError(f"save() can only store the package's estimators, not {cls}.")
    # Training-time objects (the user's Keras callbacks) are stored as None: they shape a fit,
    # not the fitted model, and may hold anything.
    unsaved = set(getattr(est, "_unsaved_parameters", ()))
    params = {
        k: _encode(None if k in unsaved else v, arrays, f"parameter {k!r}")
        for k, v in est.get_params(deep=False).items()
    }
    skip = set(getattr(est, "_unsaved_attributes", ()))
    if top:
        skip.add("model_")
    state = {
        k: _encode(v, arrays, f"attribute {k!r}")
        for k, v in vars(est).items()
        if k.endswith("_") and not k.startswith("_") and k not in skip
    }
    return {"__estimator__": cls, "params": params, "state": state}


def _decode(value, arrays):
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(_decode(v, arrays) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_hashable(_decode(k, arrays)): _decode(v, arrays) for k, v in value["__dict__"]}
    if "__ndarray__" in value:
        return arrays[value["__ndarray__"]]
    if "__objarray__" in value:
        items = [_decode(v, arrays) for v in value["__objarray__"]]
        dtype = object if value["dtype"] == "object" else np.dtype(value["dtype"])
        out = np.empty(len(items), dtype=dtype)
        out[:] = items
        return out.reshape(value["shape"])
    if "__sparse__" in value:
        data, indices, indptr, shape = value["__sparse__"]
        return sp.csr_matrix(
            (_decode(data, arrays), _decode(indices, arrays), _decode(indptr, arrays)),
            shape=tuple(shape),
        )
    if "__estimator__" in value:
        return _decode_estimator(value, arrays)
    if "__keras__" in value:
        import keras

        # Safe mode, as for the network itself: classes are built-in or registered, no Lambda.
        layer = keras.saving.deserialize_keras_object(value["__keras__"], safe_mode=True)
        if isinstance(layer, keras.layers.Layer):
            return layer
    raise ValueError(f"Unknown entry in a skaquarium model file: {sorted(value)}")


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def _decode_estimator(entry, arrays):
    name = entry["__estimator__"]
    cls = _REGISTRY.get(name)
    if cls is None:
        from . import _LAZY  # the package's own modules only: they register their classes

        if name in _LAZY:
            importlib.import_module(_LAZY[name])
            cls = _REGISTRY.get(name)
    if cls is None:
        raise ValueError(
            f"The model file holds an estimator of class {name!r}, which is not one of "
            f"skaquarium's estimators ({sorted(_REGISTRY)})."
        )
    params = {k: _decode(v, arrays) for k, v in entry["params"].items()}
    est = cls(**params)
    for k, v in entry["state"].items():
        setattr(est, k, _decode(v, arrays))
    return est
