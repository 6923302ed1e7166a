"""Seeded fits that other threads cannot disturb.

Keras gives every initializer and dropout layer built without an explicit seed a default seed
drawn from Python's process-wide ``random`` module (``keras.src.random.seed_generator.
make_default_seed``). A seeded fit seeds that module, then builds its model; if any other
thread of the process draws from ``random`` in between (a Dask worker's heartbeats, a web
server, a user's own thread), the layers get other seeds and the "seeded" fit other weights.
Through joblib's Dask backend that happened to about one fit in four.

:func:`private_default_seeds` gives the calling thread a generator of its own for those default
seeds, seeded like ``random.seed(seed)`` would seed the module, so a fit draws the same seeds as
it would in a quiet process, whatever other threads do. Threads outside the block (and every
thread while no block is open) keep drawing from the ``random`` module as before.
"""

import contextlib
import random
import threading

_INSTALL_LOCK = threading.Lock()


class _PerThreadRandom:
    """Stands in for the ``random`` module where Keras draws default seeds: attributes come from
    the calling thread's own generator while it has one, else from the module."""

    def __init__(self, module):
        self._module = module
        self._local = threading.local()

    def __getattr__(self, name):
        rng = getattr(self._local, "rng", None)
        return getattr(self._module if rng is None else rng, name)


def _install():
    """The stand-in, put in place once; None if Keras no longer draws seeds where expected."""
    from keras.src.random import seed_generator

    with _INSTALL_LOCK:
        current = getattr(seed_generator, "python_random", None)
        if isinstance(current, _PerThreadRandom):
            return current
        if current is not random:  # another Keras layout: keep its own behaviour
            return None
        seed_generator.python_random = _PerThreadRandom(random)
        return seed_generator.python_random


@contextlib.contextmanager
def private_default_seeds(seed):
    """Within the block, Keras' default seeds in this thread come from ``random.Random(seed)``.

    Parameters
    ----------
    seed : int
        Seed of the thread's generator; the seeds drawn equal those drawn from the ``random``
        module after ``random.seed(seed)``.
    """
    shim = _install()
    if shim is None:
        yield
        return
    previous = getattr(shim._local, "rng", None)
    shim._local.rng = random.Random(seed)
    try:
        yield
    finally:
        shim._local.rng = previous
