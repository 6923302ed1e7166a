"""The sharp edges a new user cuts on: each one raises a clear error or does the right thing."""

import os
import subprocess
import sys

import pytest
from test_dual_mf import make_ratings

from skaquarium import DualMFRegressor, HANClassifier, HierarchicalTokenizer


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_another_keras_backend_gets_a_clear_error_before_keras_runs(backend):
    env = {**os.environ, "KERAS_BACKEND": backend}
    proc = subprocess.run(
        [sys.executable, "-c", "from skaquarium import DualMFRegressor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "ImportError: skaquarium needs Keras' TensorFlow backend" in proc.stderr
    assert f"KERAS_BACKEND='{backend}'" in proc.stderr
    assert "keras" not in proc.stderr.split("Traceback")[-1].split("ImportError")[0].lower()


def test_min_df_that_prunes_every_word_raises():
    docs = ["one two three.", "four five six."]
    with pytest.raises(ValueError, match=r"min_df=3, no words remain.*Lower min_df"):
        HierarchicalTokenizer(min_df=3).fit(docs)
    with pytest.raises(ValueError, match="min_df=3"):
        HANClassifier(min_df=3, epochs=1).fit(docs, [0, 1])
    # Documents without any word are another matter: a vocabulary of none, as tested in test_text.
    assert HierarchicalTokenizer().fit(["", "..."]).vocabulary_ == {}


def test_ids_keep_their_python_types():
    X, y = make_ratings(n=200)
    items = [f"item{c}" for c in X[:, 1]]
    pairs = [[int(r), c] for r, c in zip(X[:, 0], items)]  # int row ids, str column ids
    model = DualMFRegressor(n_components=2, epochs=1, random_state=0).fit(pairs, y)
    assert model.row_ids_.dtype.kind == "i" and model.col_ids_.dtype.kind == "U"
    pred = model.predict(pairs[:5])  # known ids: no UnknownIdWarning (warnings fail the tests)
    assert pred.shape == (5,)
    recs, _ = model.recommend([int(X[0, 0])], k=2)
    assert recs.shape == (1, 2)
    # "1" and 1 are different ids only because the user made them so: a column mixing them
    # is refused rather than coerced.
    with pytest.raises(ValueError, match="mixes id types"):
        model.predict([[1, "item1"], ["1", "item1"]])
