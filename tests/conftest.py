import os
import pathlib

import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

_SHARED = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data"
if "SKAQUARIUM_DATA" not in os.environ and _SHARED.is_dir():
    os.environ["SKAQUARIUM_DATA"] = str(_SHARED)
if "SCIKIT_LEARN_DATA" not in os.environ and (_SHARED / "sklearn").is_dir():
    os.environ["SCIKIT_LEARN_DATA"] = str(_SHARED / "sklearn")


@pytest.fixture(autouse=True)
def _seed_numpy():
    """Every test starts from the same global NumPy state (skorch's autouse seed fixture)."""
    import numpy as np

    np.random.seed(0)
    yield
