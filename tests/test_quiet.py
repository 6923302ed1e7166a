"""Quiet by default: with ``verbose=0`` nothing from TensorFlow or Keras reaches the user's
terminal, from the first import through fit, predict, cross-validation and grid search."""

import logging
import os
import subprocess
import sys
import textwrap

import pytest

from skaquarium import _quiet

_SCRIPT = textwrap.dedent(
    """
    import numpy as np
    from sklearn.model_selection import GridSearchCV, cross_val_score

    from skaquarium import DualMFRegressor, HANClassifier, SoftmaxAutoEncoderTransformer
    from skaquarium.datasets import make_keyword_documents

    rng = np.random.RandomState(0)
    counts = rng.poisson(1.0, size=(60, 20)).astype(float)
    ae = SoftmaxAutoEncoderTransformer(n_components=2, epochs=1, random_state=0)
    ae.fit(counts).transform(counts)
    GridSearchCV(ae, {"n_components": [2, 3, 4]}, cv=3).fit(counts)

    pairs = np.c_[rng.randint(0, 20, 200), rng.randint(0, 10, 200)]
    ratings = rng.uniform(1, 5, 200)
    mf = DualMFRegressor(n_components=2, epochs=1, random_state=0).fit(pairs, ratings)
    mf.predict(pairs)
    cross_val_score(mf, pairs, ratings, cv=3)

    docs, labels, _ = make_keyword_documents(30, random_state=0)
    han = HANClassifier(
        embedding_dim=4, word_units=4, sentence_units=4, attention_dim=4, epochs=1,
        random_state=0,
    )
    han.fit(docs, labels).predict(docs)
    han.explain(docs[:2])
    cross_val_score(han, docs, labels, cv=2)
    """
)


def test_a_session_of_fits_predictions_and_searches_prints_nothing():
    # A fresh process with a user's environment: none of TensorFlow's logging switches set.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND", "TF_ENABLE_ONEDNN_OPTS")
    }
    run = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout == ""
    assert run.stderr == ""


def test_importing_a_submodule_directly_prints_nothing():
    # The README imports ``hamming_search`` from its module: TensorFlow starts there, through
    # Keras, not through ``from skaquarium import ...``. The one-shot hook is gone afterwards.
    env = {
        k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND")
    }
    code = (
        "import sys\n"
        "from skaquarium.softmax_autoencoder import hamming_search\n"
        "import skaquarium.han\n"
        "from skaquarium import _quiet\n"
        "assert _quiet._HOOK not in sys.meta_path\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stderr == ""


def test_startup_noise_is_dropped_and_everything_else_is_written_back():
    # Lines written to file descriptor 2 (as TensorFlow's C++ runtime writes them) in the block.
    code = textwrap.dedent(
        """
        import os
        from skaquarium._quiet import _filtered_stderr

        with _filtered_stderr():
            os.write(2, b"W0000 port.cc:153] oneDNN custom operations are on. You may see\\n")
            os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called\\n")
            os.write(2, b"E0000 util.cc:131] oneDNN supports DT_BOOL only on platforms with AVX-512.\\n")
            os.write(2, b"E0000 something.cc:1] a real problem\\n")
        os.write(2, b"after\\n")
        """
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "E0000 something.cc:1] a real problem\nafter\n"


@pytest.mark.parametrize(
    "message, dropped",
    [
        (
            "5 out of the last 9 calls to <function TensorFlowTrainer._make_function.<locals>."
            "multi_step_on_iterator at 0x1> triggered tf.function retracing. Tracing is expensive",
            True,
        ),
        (
            "6 out of the last 6 calls to <function _inference_function.<locals>.<lambda> at "
            "0x1> triggered tf.function retracing.",
            True,
        ),
        (
            "5 out of the last 5 calls to <function my_step at 0x1> triggered tf.function "
            "retracing.",
            False,
        ),
        ("some other tensorflow warning", False),
    ],
)
def test_only_the_retracing_of_keras_and_package_functions_is_silenced(message, dropped, caplog):
    logger = logging.getLogger("tensorflow")
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        with _quiet.quiet_retracing():
            logger.warning(message)
        logger.warning("outside the block: " + message)
    texts = [r.getMessage() for r in caplog.records]
    assert (message in texts) is not dropped
    assert "outside the block: " + message in texts
