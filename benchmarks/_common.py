"""What every benchmark records about where it ran: the machine and the library versions."""

from __future__ import annotations

import importlib
import os
import platform

#: Version entry -> module to read ``__version__`` from (``tensorflow-cpu`` installs as
#: ``tensorflow``, so module versions are read, not distribution metadata).
_MODULES = {
    "skaquarium": "skaquarium",
    "tensorflow": "tensorflow",
    "keras": "keras",
    "numpy": "numpy",
    "scipy": "scipy",
    "scikit-learn": "sklearn",
    "pandas": "pandas",
    "scikit-surprise": "surprise",
    "implicit": "implicit",
}


def machine():
    """Platform, processor and CPU count."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def versions(*names):
    """Python's version and those of the package and its dependencies (``names``: optional
    extras such as ``"scikit-surprise"``)."""
    out = {"python": platform.python_version()}
    for name in [n for n in _MODULES if n not in ("scikit-surprise", "implicit")] + list(names):
        out[name] = importlib.import_module(_MODULES[name]).__version__
    return out
