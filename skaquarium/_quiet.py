"""Quiet by default: TensorFlow's start-up lines and Keras' retracing warnings kept from users.

Two kinds of noise reach a user of the estimators who never asked for output:

* lines that TensorFlow's C++ runtime writes to the process's standard error when it starts
  (``oneDNN custom operations are on ...``, ``All log messages before absl::InitializeLog() ...``,
  CPU-feature and GPU-library notices). They are written before TensorFlow reads
  ``TF_CPP_MIN_LOG_LEVEL``, so only catching file descriptor 2 while TensorFlow is imported keeps
  them out. The one-shot import hook of :func:`install_import_hook`, installed by ``import
  skaquarium``, does that around the process's first ``import tensorflow``, whichever module of
  the package (or of the user's) asks for it, and writes every other line back to standard
  error: a real error at import still shows. Setting
  ``TF_CPP_MIN_LOG_LEVEL=0`` (TensorFlow's own switch for all its logs) turns the filter off.
* ``N out of the last M calls to <function TensorFlowTrainer._make_function...> triggered
  tf.function retracing``: every fit builds a new Keras model with new training and inference
  functions, by design (a grid search fits many models), and TensorFlow takes the new functions
  for retracing. :func:`quiet_retracing` drops exactly these records while the package fits or
  predicts; a user's own functions still warn.
* one error-level line at the first masked recurrent layer on CPUs without oneDNN's boolean
  kernels, though nothing is wrong: :func:`notice_masked_recurrence_quietly`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import threading

__all__ = [
    "install_import_hook",
    "notice_masked_recurrence_quietly",
    "quiet_retracing",
    "remove_import_hook",
]

#: Start-up lines of TensorFlow's runtime that say nothing a user must act on.
_STARTUP_NOISE = re.compile(
    r"oneDNN supports DT_BOOL only on platforms with AVX-512"
    r"|All log messages before absl::InitializeLog\(\) is called"
    r"|oneDNN custom operations are on"
    r"|cpu_feature_guard\.cc"
    r"|^To enable the following instructions:"
    r"|Unable to register cu(DNN|FFT|BLAS) factory"
    r"|computation placer already registered"
    r"|TF-TRT Warning: Could not find TensorRT"
    r"|Could not find cuda drivers on your machine"
)


def _keep(line):
    return bool(line.strip()) and not _STARTUP_NOISE.search(line)


@contextlib.contextmanager
def _filtered_stderr():
    """Catch what is written to file descriptor 2 in the block; write back the lines that are
    not start-up noise."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, AttributeError, ValueError):  # no file descriptor 2 to catch
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            lines = caught.read().decode("utf-8", "replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if _keep(line))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()


class _QuietFirstTensorFlowImport:
    """A one-shot import hook (on ``sys.meta_path``) that runs the process's first
    ``import tensorflow`` inside :func:`_filtered_stderr`, whichever module asks for it: the
    package's submodules import Keras at their top, so ``from skaquarium.softmax_autoencoder
    import hamming_search`` starts TensorFlow too. It removes itself at that first import, leaves
    the finding and loading to the import system, and only wraps the execution of TensorFlow's
    package module."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        remove_import_hook()
        import importlib.util

        spec = importlib.util.find_spec(fullname)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        execute = loader.exec_module

        def exec_module(module):
            try:
                with _filtered_stderr():
                    execute(module)
            finally:
                loader.__dict__.pop("exec_module", None)  # the loader as it was

        loader.exec_module = exec_module
        return spec


_HOOK = _QuietFirstTensorFlowImport()


def install_import_hook():
    """Filter the start-up noise of TensorFlow's first import, whoever imports it (no effect once
    TensorFlow is imported, or with ``TF_CPP_MIN_LOG_LEVEL=0``)."""
    if "tensorflow" in sys.modules or os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0":
        return
    if _HOOK not in sys.meta_path:
        sys.meta_path.insert(0, _HOOK)


def remove_import_hook():
    """Take the hook of :func:`install_import_hook` off ``sys.meta_path``."""
    with contextlib.suppress(ValueError):
        sys.meta_path.remove(_HOOK)


class _RetracingFilter(logging.Filter):
    """Drops TensorFlow's retracing warning about Keras' per-model training and inference
    functions and the package's own inference functions."""

    _FUNCTIONS = ("TensorFlowTrainer._make_function", "_inference_function")

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to judge
            return True
        return not (
            "triggered tf.function retracing" in message
            and any(name in message for name in self._FUNCTIONS)
        )


_FILTER = _RetracingFilter()
_LOCK = threading.Lock()
_depth = 0


@contextlib.contextmanager
def quiet_retracing():
    """Within the block, TensorFlow does not warn about retracing the functions of Keras'
    training loop and of the package's prediction path (new for every fitted model). Blocks may
    nest and run in several threads at once."""
    global _depth
    logger = logging.getLogger("tensorflow")
    with _LOCK:
        if _depth == 0:
            logger.addFilter(_FILTER)
        _depth += 1
    try:
        yield
    finally:
        with _LOCK:
            _depth -= 1
            if _depth == 0:
                logger.removeFilter(_FILTER)


_masked_recurrence_noticed = False


def notice_masked_recurrence_quietly():
    """Let TensorFlow print, out of sight, the notice it prints once per process the first time
    it optimizes a masked Keras recurrent layer on a CPU without oneDNN's boolean kernels
    (``oneDNN supports DT_BOOL only on platforms with AVX-512 ...``, at error level although
    nothing is wrong: it falls back to its standard kernels). Called before the package first
    builds or runs a model with masked GRUs; costs one trace of a 2-unit GRU, once."""
    global _masked_recurrence_noticed
    if _masked_recurrence_noticed or os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0":
        return
    import keras
    import tensorflow as tf

    with _LOCK:
        if _masked_recurrence_noticed:
            return
        _masked_recurrence_noticed = True
        # Constant initial weights and a fixed dropout seed: the probe must not draw from the
        # global random state (a layer's seed generator takes its seed from Python's random
        # module when given none), or a seeded fit would start from other weights in a process
        # where the probe runs first.
        gru = keras.layers.GRU(
            2,
            seed=0,
            kernel_initializer="zeros",
            recurrent_initializer="zeros",
            bias_initializer="zeros",
            name="skaquarium_masked_recurrence_probe",
        )
        x = tf.zeros((2, 3, 2))
        mask = tf.constant([[True, True, False]] * 2)
        with _filtered_stderr():
            tf.function(lambda: gru(x, mask=mask))()
