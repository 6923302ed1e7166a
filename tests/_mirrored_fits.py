"""Run by test_distribution.py in a fresh process: TensorFlow's one CPU split into two logical
devices (which must happen before TensorFlow first uses a device, so it cannot share a process
with other tests), then each estimator fitted on tiny seeded data on one device and under
``MirroredStrategy`` over the two. Prints one JSON object: per estimator, the quality and final
loss of both fits, the replicas the strategy ran, what the mirrored model's round trips gave and
whether a second seeded mirrored fit gives the same model.
"""

import json
import os
import pickle
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

_cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(_cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.base import clone  # noqa: E402

import skaquarium  # noqa: E402
from skaquarium import DualMFRegressor, HANClassifier, SoftmaxAutoEncoderTransformer  # noqa: E402


def _ratings():
    # Two user groups that like disjoint halves of the items: a rating is 1 + 3 * agreement.
    rng = np.random.RandomState(0)
    users, items = rng.randint(0, 40, 1200), rng.randint(0, 30, 1200)
    y = 1.0 + 3.0 * ((users % 2) == (items % 2)) + rng.normal(0, 0.3, 1200)
    X = np.c_[users, items]
    return X[:1000], y[:1000], X[1000:], y[1000:]


def _counts():
    # Documents drawn from one of two disjoint halves of the vocabulary.
    rng = np.random.RandomState(0)
    rows = []
    for i in range(400):
        half = np.arange(30) + 30 * (i % 2)
        rows.append(np.bincount(rng.choice(half, 20), minlength=60))
    X = sp.csr_matrix(np.array(rows, dtype=np.float64))
    return X[:300], X[300:]


def _documents():
    rng = np.random.RandomState(0)
    good, bad = ["good", "great", "fine", "nice"], ["bad", "awful", "poor", "dull"]
    filler = ["the", "plot", "film", "was", "and", "actors", "it", "a"]
    docs, labels = [], []
    for i in range(240):
        words = good if i % 2 else bad
        sentences = [
            " ".join(rng.choice(filler, 5).tolist() + [rng.choice(words)]) for _ in range(2)
        ]
        docs.append(". ".join(sentences) + ".")
        labels.append(i % 2)
    return docs[:180], np.array(labels[:180]), docs[180:], np.array(labels[180:])


def _round_trips(est, X, output):
    expected = output(est)
    out = {"replicas_in_weights": 0}
    values = getattr(est.model_.weights[0].value, "values", None)
    out["replicas_in_weights"] = len(values) if values is not None else 1
    again = pickle.loads(pickle.dumps(est))
    out["pickle_same_output"] = bool(np.allclose(output(again), expected, atol=1e-5))
    out["pickle_distribution"] = repr(again.distribution)
    with tempfile.TemporaryDirectory() as folder:
        path = est.save(os.path.join(folder, "model.skaq"))
        loaded = skaquarium.load(path)
    out["load_same_output"] = bool(np.allclose(output(loaded), expected, atol=1e-5))
    out["load_distribution"] = repr(loaded.distribution)
    out["clone_shares_strategy"] = clone(est).distribution is est.distribution
    return out


def _seeded_again_same(est, X, y, output):
    """Whether a second seeded fit under the same strategy gives the same outputs exactly."""
    again = clone(est).fit(X, y)
    return bool(np.array_equal(output(again), output(est)))


def main(which):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    report = {"num_replicas_in_sync": strategy.num_replicas_in_sync}
    if "DualMFRegressor" in which:
        X, y, Xt, yt = _ratings()
        fits = {}
        for name, dist in (("single", None), ("mirrored", strategy)):
            est = DualMFRegressor(epochs=8, batch_size=64, random_state=0, distribution=dist)
            est.fit(X, y)
            rmse = float(np.sqrt(np.mean((est.predict(Xt) - yt) ** 2)))
            fits[name] = {"quality": rmse, "loss": est.loss_curve_[-1]}
        fits["round_trips"] = _round_trips(est, Xt, lambda e: e.predict(Xt))
        fits["seeded_again_same"] = _seeded_again_same(est, X, y, lambda e: e.predict(Xt))
        report["DualMFRegressor"] = fits
    if "SoftmaxAutoEncoderTransformer" in which:
        X, Xt = _counts()
        fits = {}
        for name, dist in (("single", None), ("mirrored", strategy)):
            est = SoftmaxAutoEncoderTransformer(
                n_components=4, epochs=20, batch_size=32, random_state=0, distribution=dist
            )
            est.fit(X)
            fits[name] = {"quality": float(est.score(Xt)), "loss": est.loss_curve_[-1]}
        fits["round_trips"] = _round_trips(est, Xt, lambda e: e.transform(Xt))
        fits["seeded_again_same"] = _seeded_again_same(est, X, None, lambda e: e.transform(Xt))
        report["SoftmaxAutoEncoderTransformer"] = fits
    if "HANClassifier" in which:
        docs, y, docs_t, yt = _documents()
        fits = {}
        for name, dist in (("single", None), ("mirrored", strategy)):
            est = HANClassifier(
                embedding_dim=16,
                word_units=8,
                sentence_units=8,
                epochs=6,
                batch_size=16,
                adversarial_epsilon=0.5,
                dropout=0.0,
                embeddings=None,
                ngram_range=(1, 1),
                label_smoothing=0.0,
                average_from_epoch=None,
                random_state=0,
                distribution=dist,
            )
            est.fit(docs, y)
            fits[name] = {"quality": float(est.score(docs_t, yt)), "loss": est.loss_curve_[-1]}
        fits["round_trips"] = _round_trips(est, docs_t, lambda e: e.predict_proba(docs_t))
        fits["seeded_again_same"] = _seeded_again_same(
            est, docs, y, lambda e: e.predict_proba(docs_t)
        )
        report["HANClassifier"] = fits
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
