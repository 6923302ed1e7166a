"""The parts of the demo, one per estimator (see :mod:`skaquarium.demo`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import datasets


@dataclass
class Part:
    title: str
    datasets: tuple
    run: Callable
    #: The part run by ``--quick`` instead, when its fit cannot be both short and fair.
    quick: Part | None = None


def _rmse(y_true, y_pred):
    return float(np.sqrt(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2)))


def _bias_baseline(train, test, reg=10.0):
    """Global mean + regularised user and item biases (the classic baseline predictor)."""
    mu = train.rating.mean()
    item_bias = (train.rating - mu).groupby(train.item_id).sum() / (
        train.groupby("item_id").size() + reg
    )
    resid = train.rating - mu - train.item_id.map(item_bias)
    user_bias = resid.groupby(train.user_id).sum() / (train.groupby("user_id").size() + reg)
    pred = mu + test.item_id.map(item_bias).fillna(0) + test.user_id.map(user_bias).fillna(0)
    return np.clip(pred.to_numpy(), 1, 5)


def run_dual_mf(quick):
    from .dual_mf import DualMFRegressor

    ml = datasets.load_movielens("100k", download_if_missing=False)
    train_idx, test_idx = ml.folds["u1"]
    train, test = ml.ratings.iloc[train_idx], ml.ratings.iloc[test_idx]
    X_train, X_test = train[["user_id", "item_id"]], test[["user_id", "item_id"]]
    model = DualMFRegressor(**({"epochs": 3} if quick else {}), random_state=0, verbose=1)
    start = time.perf_counter()
    model.fit(X_train, train.rating)
    fit_s = time.perf_counter() - start
    rmse = _rmse(test.rating, model.predict(X_test))
    rows = [("DualMFRegressor", "MovieLens 100K u1", "RMSE", f"{rmse:.4f}")]
    peer = _surprise_svd(train, test)
    if peer is None:
        peer = ("user+item bias baseline", _rmse(test.rating, _bias_baseline(train, test)))
    print("   top-5 items for user 1:", ", ".join(_titles(ml, model.recommend([1], k=5)[0][0])))
    return [(*rows[0], peer[0], f"{peer[1]:.4f}", f"{fit_s:.0f}")]


def _surprise_svd(train, test):
    try:
        from surprise import SVD, Dataset, Reader
    except ImportError:
        return None
    reader = Reader(rating_scale=(1, 5))
    data = Dataset.load_from_df(train[["user_id", "item_id", "rating"]], reader)
    algo = SVD(random_state=0).fit(data.build_full_trainset())
    pred = [algo.predict(u, i).est for u, i in zip(test.user_id, test.item_id)]
    return "Surprise SVD", _rmse(test.rating, pred)


def _titles(ml, item_ids):
    lookup = dict(zip(ml.item_ids, ml.item_titles))
    return [lookup.get(i, str(i)) for i in item_ids]


def run_softmax_autoencoder(quick):
    from sklearn.cluster import KMeans
    from sklearn.datasets import fetch_20newsgroups
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    from sklearn.metrics import v_measure_score
    from sklearn.preprocessing import normalize

    from .softmax_autoencoder import SoftmaxAutoEncoderTransformer

    news = fetch_20newsgroups(subset="all", download_if_missing=False)
    docs, labels = news.data, news.target
    if quick:
        docs, labels = docs[:6000], labels[:6000]
    vectorizer = CountVectorizer(max_features=20000, stop_words="english", min_df=5, max_df=0.5)
    counts = vectorizer.fit_transform(docs)
    # The defaults: 64 tanh codes, epochs="auto" (about 200 optimizer steps).
    model = SoftmaxAutoEncoderTransformer(random_state=0, verbose=1)
    start = time.perf_counter()
    codes = model.fit_transform(counts)
    fit_s = time.perf_counter() - start
    kmeans = KMeans(20, n_init=5, random_state=0)
    ours = v_measure_score(labels, kmeans.fit_predict(normalize(codes)))
    lsa = TruncatedSVD(100, random_state=0).fit_transform(TfidfTransformer().fit_transform(counts))
    peer = v_measure_score(labels, kmeans.fit_predict(normalize(lsa)))
    for unit, words in enumerate(model.topics(vectorizer.get_feature_names_out(), n_words=6)[:3]):
        print(f"   code unit {unit}: {' '.join(words)}")
    dataset = f"20 Newsgroups ({len(docs):,} docs)"
    return [
        (
            "SoftmaxAutoEncoderTransformer",
            dataset,
            "v-measure (KMeans 20)",
            f"{ours:.3f}",
            "TruncatedSVD(100) LSA",
            f"{peer:.3f}",
            f"{fit_s:.0f}",
        )
    ]


def run_han(quick):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from .han import HANClassifier

    r8 = datasets.load_text_corpus("R8", download_if_missing=False)
    X_train, y_train = r8.data_train, r8.target_train
    # The defaults (the benchmark's regularized recipe, 8 epochs on R8's 5,485 documents: about
    # 5 minutes on 2 CPU cores). The quick demo runs run_han_synthetic instead: a HAN that beats
    # TF-IDF on R8 takes minutes, and a cut-down one (2 plain epochs) lost (0.883 against 0.937).
    model = HANClassifier(random_state=0, verbose=1)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    accuracy = model.score(r8.data_test, r8.target_test)
    peer = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LinearSVC())
    peer_accuracy = peer.fit(X_train, y_train).score(r8.data_test, r8.target_test)
    sentence, weight = model.important_sentences(r8.data_test[:1], k=1)[0][0]
    print(f"   test document 0 (class {r8.target_test[0]}): its most important sentence")
    print(f"   (attention {weight:.2f}): {sentence[:160]}")
    return [
        (
            "HANClassifier",
            f"R8 ({len(X_train):,} train docs)",
            "accuracy",
            f"{accuracy:.3f}",
            "TF-IDF 1-2-gram + LinearSVC",
            f"{peer_accuracy:.3f}",
            f"{fit_s:.0f}",
        )
    ]


def run_dual_mf_synthetic(quick):
    """DualMF on the embedded synthetic ratings (no data needed) beside the bias baseline."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    from .dual_mf import DualMFRegressor

    n_ratings = 20_000 if quick else 100_000
    X, y = datasets.make_ratings(n_ratings // 20, n_ratings // 40, n_ratings, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    model = DualMFRegressor(epochs=3 if quick else 5, random_state=0, verbose=1)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    rmse = _rmse(y_test, model.predict(X_test))
    frame = lambda X, y: pd.DataFrame({"user_id": X[:, 0], "item_id": X[:, 1], "rating": y})  # noqa: E731
    baseline = _rmse(y_test, _bias_baseline(frame(X_train, y_train), frame(X_test, y_test)))
    return [
        (
            "DualMFRegressor",
            f"synthetic ratings ({n_ratings:,}; make_ratings)",
            "RMSE",
            f"{rmse:.4f}",
            "user+item bias baseline",
            f"{baseline:.4f}",
            f"{fit_s:.0f}",
        )
    ]


def run_han_synthetic(quick):
    """HAN on the embedded synthetic keyword corpus beside TF-IDF + LinearSVC."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from .han import HANClassifier

    n_docs = 400 if quick else 2000
    docs, labels, _ = datasets.make_keyword_documents(n_docs, random_state=0)
    test_docs, test_labels, _ = datasets.make_keyword_documents(400, random_state=1)
    # The defaults with a network sized for a vocabulary of a few dozen words.
    model = HANClassifier(
        embedding_dim=16,
        word_units=12,
        sentence_units=12,
        attention_dim=16,
        ngram_buckets=4096,
        random_state=0,
        verbose=1,
    )
    start = time.perf_counter()
    model.fit(docs, labels)
    fit_s = time.perf_counter() - start
    accuracy = model.score(test_docs, test_labels)
    peer = make_pipeline(TfidfVectorizer(), LinearSVC()).fit(docs, labels)
    sentence, weight = model.important_sentences(test_docs[:1], k=1)[0][0]
    print(f"   test document 0 (class {test_labels[0]}): {test_docs[0]}")
    print(f"   its most important sentence (attention {weight:.2f}): {sentence}")
    return [
        (
            "HANClassifier",
            f"synthetic keyword documents ({n_docs:,}; make_keyword_documents)",
            "accuracy",
            f"{accuracy:.3f}",
            "TF-IDF + LinearSVC",
            f"{peer.score(test_docs, test_labels):.3f}",
            f"{fit_s:.0f}",
        )
    ]


PARTS = [
    Part(
        "DualMFRegressor on MovieLens 100K (u1.base -> u1.test)", ("MovieLens 100K",), run_dual_mf
    ),
    Part(
        "SoftmaxAutoEncoderTransformer on 20 Newsgroups (codes -> KMeans)",
        ("20 Newsgroups",),
        run_softmax_autoencoder,
    ),
    Part(
        "HANClassifier on R8 (train -> test)",
        ("R8",),
        run_han,
        quick=Part(
            "HANClassifier on synthetic keyword documents (quick: a HAN on R8 takes minutes; "
            "make demo runs it)",
            (),
            run_han_synthetic,
        ),
    ),
]

#: What runs, clearly labelled synthetic, for an estimator whose real dataset cannot be had.
SYNTHETIC_PARTS = {
    "DualMFRegressor": Part(
        "DualMFRegressor on synthetic ratings (embedded default: no data found)",
        (),
        run_dual_mf_synthetic,
    ),
    "HANClassifier": Part(
        "HANClassifier on synthetic keyword documents (embedded default: no data found)",
        (),
        run_han_synthetic,
    ),
}
