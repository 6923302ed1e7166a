"""Tests of SoftmaxAutoEncoderTransformer and the packed Hamming search."""

import keras
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _checks import FLOAT32_OUTPUTS, STOCHASTIC_TRAINING
from _roundtrip import assert_round_trips, assert_same_seed_same_output
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import v_measure_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import Normalizer

from skaquarium import SoftmaxAutoEncoderTransformer
from skaquarium.layers import TiedDense
from skaquarium.softmax_autoencoder import (
    SoftmaxKLDivergence,
    _NeighbourSmoothedTargets,
    build_softmax_autoencoder,
    hamming_radius_search,
    hamming_search,
    nearest_documents,
    split_softmax_autoencoder,
)

N_TOPICS = 3


def make_topic_counts(n_docs=90, n_words=30, seed=0, words_per_doc=20):
    """Documents drawn from 3 topics, each owning 10 words, with about ``words_per_doc + 5``
    words each: (CSR counts, topic labels)."""
    rng = np.random.RandomState(seed)
    topics = np.arange(n_docs) % N_TOPICS
    per_topic = n_words // N_TOPICS
    rows = []
    for t in topics:
        probs = np.full(n_words, 0.1 / n_words)
        probs[t * per_topic : (t + 1) * per_topic] += 0.9 / per_topic
        rows.append(rng.multinomial(rng.poisson(words_per_doc) + 5, probs))
    return sp.csr_matrix(np.array(rows, dtype=np.int64)), topics


def make_documents():
    """40 short texts about sport or finance: (documents, labels)."""
    rng = np.random.RandomState(0)
    vocab = [["ball", "goal", "team", "match"], ["stock", "market", "bank", "price"]]
    docs = [" ".join(rng.choice(vocab[i % 2], size=12)) for i in range(40)]
    return docs, [i % 2 for i in range(40)]


def make_common_estimator():
    """A small, fast instance for scikit-learn's parametrize_with_checks."""
    return SoftmaxAutoEncoderTransformer(
        n_components=4, hidden_layer_sizes=(8,), epochs=2, batch_size=32, random_state=0
    )


#: Checks of parametrize_with_checks that fail for a legitimate reason.
EXPECTED_FAILED_CHECKS = {**STOCHASTIC_TRAINING, **FLOAT32_OUTPUTS}


def small(**params):
    base = dict(
        n_components=8,
        hidden_layer_sizes=(16,),
        activation="binary",
        epochs=12,
        batch_size=30,
        learning_rate=2e-2,
        random_state=0,
    )
    base.update(params)
    return SoftmaxAutoEncoderTransformer(**base)


@pytest.fixture(scope="module")
def data():
    return make_topic_counts()


@pytest.fixture(scope="module")
def fitted(data):
    X, _ = data
    return small().fit(X)


@pytest.fixture(scope="module")
def fitted_tanh(data):
    X, _ = data
    return small(activation="tanh").fit(X)


# -- behaviour ------------------------------------------------------------------------------------


def test_codes_shape_range_and_dtype(fitted, fitted_tanh, data):
    X, _ = data
    codes = fitted.transform(X)
    assert codes.shape == (X.shape[0], 8) and codes.dtype == np.float32
    assert codes.min() >= 0.0 and codes.max() <= 1.0
    tanh_codes = fitted_tanh.transform(X)
    assert tanh_codes.min() >= -1.0 and tanh_codes.max() <= 1.0
    assert fitted.n_features_in_ == X.shape[1] and fitted.n_iter_ == 12
    assert len(fitted.loss_curve_) == 12 and fitted.loss_curve_[-1] < fitted.loss_curve_[0]


def test_binary_codes_are_binary_after_training(fitted, data):
    """With the default slope the trained code units sit within 0.05 of 0 or 1 (reported)."""
    X, _ = data
    codes = fitted.transform(X)
    near = float(np.mean((codes < 0.05) | (codes > 0.95)))
    print(f"share of binary code units within 0.05 of 0 or 1: {near:.3f}")
    assert near > 0.9


def test_binary_codes_retrieve_better_than_random_projections():
    """On a planted-topic corpus, Hamming neighbours by the trained 8-bit codes share the
    query's topic more often than those of 8 random projections of the TF-IDF vectors."""
    from sklearn.feature_extraction.text import TfidfTransformer

    X, topics = make_topic_counts(n_docs=150, seed=1)
    packed = small(input_scaling="tfidf").fit(X).pack_codes(X)
    tfidf = TfidfTransformer().fit_transform(X)

    def precision(codes):
        _, idx = hamming_search(codes, codes, n_neighbors=11)
        return (topics[idx[:, 1:]] == topics[:, None]).mean()

    rng = np.random.RandomState(0)
    lsh = [
        precision(np.packbits(np.asarray(tfidf @ rng.normal(size=(X.shape[1], 8))) > 0, axis=1))
        for _ in range(5)
    ]
    assert precision(packed) > max(lsh)


def test_alpha_shapes_the_binary_codes(fitted, data):
    """The slope is a real parameter: a gentler one gives other, less saturated codes."""
    X, _ = data
    steep, gentle = fitted, small(alpha=1.0).fit(X)  # ``fitted`` has the default slope, 10
    s, g = steep.transform(X), gentle.transform(X)
    assert not np.allclose(s, g)
    assert np.mean(np.abs(s - 0.5)) > np.mean(np.abs(g - 0.5))


def test_code_noise_acts_in_training_only(data):
    """Noise before the code units while training (semantic hashing) is a real parameter: it
    changes the trained model, transform stays deterministic, and it is saved. The reference's
    noise is negligible but not zero, so both models draw the same seeds and start from the
    same weights: only the training noise tells them apart."""
    X, _ = data
    faint, noisy = small(alpha=1.0, code_noise=1e-9).fit(X), small(alpha=1.0, code_noise=2.0).fit(X)
    f, n = faint.transform(X), noisy.transform(X)
    assert not np.allclose(f, n)
    np.testing.assert_array_equal(n, noisy.transform(X))
    assert noisy.model_.get_layer("code_activation").get_config()["noise"] == 2.0


def test_nearest_documents_are_the_most_similar_by_log_tfidf_cosine(data):
    X, _ = data
    X = X.astype(np.float32)
    idf = np.random.RandomState(0).uniform(1, 3, X.shape[1]).astype(np.float32)
    Z = np.log1p(X.toarray()) * idf
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    similarity = Z @ Z.T
    np.fill_diagonal(similarity, -np.inf)
    found = nearest_documents(X, idf, 5)
    assert found.shape == (X.shape[0], 5)
    assert not np.any(found == np.arange(X.shape[0])[:, None])
    # The similarities of the neighbours found are the 5 largest of each row, in order.
    top = -np.sort(-similarity, axis=1)[:, :5]
    np.testing.assert_allclose(np.take_along_axis(similarity, found, 1), top, rtol=1e-5)
    # Fewer documents than neighbours asked for: all the others.
    assert sorted(nearest_documents(X[:4], idf, 10)[0].tolist()) == [1, 2, 3]
    assert nearest_documents(X[:1], idf, 10).shape == (1, 0)


def test_neighbour_targets_mix_each_document_with_its_neighbours_mean():
    X = sp.csr_matrix(np.array([[2, 0, 2], [0, 0, 0], [0, 3, 1], [1, 1, 0]], dtype=np.float32))
    neighbours = np.array([[2, 3], [0, 2], [3, 0], [0, 2]])
    targets = _NeighbourSmoothedTargets(X, neighbours, 0.8)
    p = X.toarray() / np.maximum(X.toarray().sum(axis=1, keepdims=True), 1)
    expected = 0.2 * p + 0.8 * p[neighbours].mean(axis=1)
    expected[1] = 0.0  # an empty document keeps an empty target
    rows = np.array([3, 1, 0])
    np.testing.assert_allclose(targets[rows].toarray(), expected[rows], rtol=1e-6)
    totals = np.asarray(targets[np.arange(4)].sum(axis=1)).ravel()
    np.testing.assert_allclose(totals, [1, 0, 1, 1], rtol=1e-6)


def test_target_neighbors_give_noisy_short_documents_codes_of_their_topic():
    """Neighbour-smoothed targets (NbrReg-style) are a real parameter: on short, noisy
    documents the codes of a document's neighbourhood agree more with its topic (Hamming
    neighbours share the topic more often), and the weight 0 is the plain autoencoder."""
    X, topics = make_topic_counts(n_docs=300, seed=3, words_per_doc=0)  # 5 words each
    params = dict(input_scaling="tfidf", epochs=20)

    def precision(model):
        codes = model.pack_codes(X)
        _, idx = hamming_search(codes, codes, n_neighbors=21)
        return (topics[idx[:, 1:]] == topics[:, None]).mean()

    plain_model = small(target_neighbors=0, **params).fit(X)
    plain = precision(plain_model)
    smoothed = precision(small(target_neighbors=10, **params).fit(X))
    print(f"precision@20 of 8-bit codes: {plain:.3f} plain, {smoothed:.3f} with neighbours")
    assert 1 - smoothed < 0.5 * (1 - plain)  # seeds 3-5: 0.039 -> 0.006, 0.059 -> 0.011, ...
    unweighted = small(target_neighbors=10, neighbor_weight=0.0, **params).fit(X)
    np.testing.assert_array_equal(unweighted.transform(X), plain_model.transform(X))


def test_auto_epochs_follow_the_number_of_documents():
    """``epochs="auto"``: about 200 optimizer steps for tanh codes and 800 for binary ones, at
    least 5 and at most 100 epochs; an integer is used as given."""
    model = SoftmaxAutoEncoderTransformer()
    assert model.epochs == "auto" and model._effective("batch_size") == 512
    assert model._epochs_for(np.zeros((18846, 2))) == 5  # 37 steps per epoch
    assert model._epochs_for(np.zeros((2000, 2))) == 50  # 4 steps per epoch
    assert model._epochs_for(np.zeros((10, 2))) == 100  # one step per epoch: capped
    assert model._epochs_for(np.zeros((10**6, 2))) == 5
    binary = SoftmaxAutoEncoderTransformer(activation="binary")  # batches of 256
    assert binary._epochs_for(np.zeros((11314, 2))) == 18  # 45 steps per epoch
    assert SoftmaxAutoEncoderTransformer(epochs=3)._epochs_for(np.zeros((10, 2))) == 3


def test_auto_target_neighbors_follow_the_number_of_documents():
    """``target_neighbors="auto"``: none for tanh codes; for binary ones one per 200 training
    documents, at least 1 and at most 50 (a neighbourhood stays a small part of a topic); an
    integer is used as given."""
    binary = SoftmaxAutoEncoderTransformer(activation="binary")
    sizes = (50, 1000, 9051, 11314, 10**6)
    assert [binary._neighbors_for(n) for n in sizes] == [1, 5, 45, 50, 50]
    assert SoftmaxAutoEncoderTransformer()._neighbors_for(11314) == 0
    assert binary.set_params(target_neighbors=7)._neighbors_for(50) == 7


@pytest.mark.parametrize(
    "activation, settings",
    [
        (
            "tanh",
            dict(
                input_scaling="log",
                dropout=0.0,
                target_neighbors=0,
                batch_size=512,
                learning_rate=4e-3,
            ),
        ),
        (
            "binary",
            dict(
                input_scaling="tfidf",
                dropout=0.5,
                target_neighbors=1,  # one per 200 of the 120 documents, at least 1
                batch_size=256,
                learning_rate=2e-3,
            ),
        ),
    ],
)
def test_auto_parameters_are_the_settings_of_the_activation(data, activation, settings):
    """The parameters left at ``"auto"`` take the clustering settings for tanh codes and the
    retrieval settings for binary ones: the fitted models equal those of the explicit values,
    the parameters themselves stay ``"auto"``, and a value given is used as given."""
    X = data[0][:120]
    params = dict(
        n_components=4, hidden_layer_sizes=(8,), activation=activation, epochs=2, random_state=0
    )
    auto = SoftmaxAutoEncoderTransformer(**params).fit(X)
    explicit = SoftmaxAutoEncoderTransformer(**params, **settings).fit(X)
    np.testing.assert_array_equal(auto.transform(X), explicit.transform(X))
    assert all(auto.get_params()[name] == "auto" for name in settings)
    effective = {name: auto._effective(name) for name in settings}
    effective["target_neighbors"] = auto._neighbors_for(X.shape[0])
    assert effective == settings
    other = "binary" if activation == "tanh" else "tanh"
    assert (
        SoftmaxAutoEncoderTransformer(activation=other, dropout=0.25)._effective("dropout") == 0.25
    )
    changed = SoftmaxAutoEncoderTransformer(**{**params, **settings, "learning_rate": 0.05}).fit(X)
    assert not np.array_equal(changed.transform(X), auto.transform(X))


def test_auto_epochs_are_the_epochs_trained(data):
    X, _ = data
    model = small(epochs="auto", batch_size=45).fit(X)  # 2 steps per epoch
    assert model.n_iter_ == model._epochs_for(X) == 100
    with pytest.raises(ValueError, match="'epochs' parameter"):
        small(epochs="many").fit(X)


def test_codes_cluster_the_topics(fitted, fitted_tanh, data):
    X, topics = data
    for model in (fitted, fitted_tanh):
        labels = KMeans(N_TOPICS, n_init=10, random_state=0).fit_predict(model.transform(X))
        assert v_measure_score(topics, labels) > 0.8


def test_score_beats_the_unigram_model(fitted, data):
    X, _ = data
    p = X.toarray() / X.toarray().sum(axis=1, keepdims=True)
    unigram = np.asarray(X.sum(axis=0)).ravel() / X.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(p > 0, p * np.log(p / unigram), 0.0).sum(axis=1)
    score = fitted.score(X)
    assert np.isfinite(score) and score <= 0
    assert score > -kl.mean() + 0.2


def test_score_matches_a_dense_computation(fitted, data):
    X, _ = data
    q = fitted.inverse_transform(fitted.transform(X))
    p = X.toarray() / X.toarray().sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(p > 0, p * np.log(p / q), 0.0).sum(axis=1)
    assert fitted.score(X) == pytest.approx(-kl.mean(), rel=1e-4)


def test_inverse_transform_gives_word_distributions(fitted, data):
    X, _ = data
    dist = fitted.inverse_transform(fitted.transform(X[:5]))
    assert dist.shape == (5, X.shape[1])
    np.testing.assert_allclose(dist.sum(axis=1), 1.0, rtol=1e-5)
    assert (dist > 0).all()
    # A document's own words get more mass than in the other topics' reconstructions.
    own = dist[0, :10].sum()
    assert own > 0.5
    assert fitted.inverse_transform(np.zeros((0, 8))).shape == (0, X.shape[1])


def test_sparse_and_dense_inputs_give_the_same_model(data):
    X, _ = data
    a = small(epochs=3).fit(X).transform(X)
    b = small(epochs=3).fit(X.toarray()).transform(X.toarray())
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_sparse_input_is_densified_one_batch_at_a_time(data, monkeypatch):
    X, _ = data
    seen = []
    original = sp.csr_matrix.toarray

    def spy(self, *args, **kwargs):
        seen.append(self.shape[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    model = small(epochs=1, batch_size=8).fit(X)
    model.transform(X)
    model.score(X)
    assert seen and max(seen) <= 256  # score's batch; fit's targets are 8 rows
    assert max(seen[: len(seen) // 2]) <= 8


def test_same_seed_same_codes(data):
    X, _ = data
    assert_same_seed_same_output(
        lambda **kw: small(**{"epochs": 2, **kw}), (X,), lambda est: est.transform(X)
    )


@pytest.mark.parametrize("scaling", ["log", "tfidf", "l1", "none"])
def test_input_scalings(data, scaling):
    X, _ = data
    model = small(epochs=2, input_scaling=scaling).fit(X)
    codes = model.transform(X)
    assert np.isfinite(codes).all()
    assert model.idf_.shape == (X.shape[1],) and (model.idf_ >= 1).all()
    # What the encoder receives, against each scaling's definition.
    counts = X.toarray().astype(np.float64)
    logs = np.log1p(counts)
    expected = {
        "none": counts,
        "l1": counts / counts.sum(axis=1, keepdims=True),
        "log": logs / np.linalg.norm(logs, axis=1, keepdims=True),
        "tfidf": (logs * model.idf_) / np.linalg.norm(logs * model.idf_, axis=1, keepdims=True),
    }[scaling]
    (scaled,), _ = model._batch_transform(training=False)([X], None, None)
    np.testing.assert_allclose(scaled.toarray(), expected, rtol=1e-5, atol=1e-7)
    # ... and the codes follow it: the same seed with another scaling gives other codes.
    other = "none" if scaling != "none" else "log"
    assert not np.allclose(small(epochs=2, input_scaling=other).fit(X).transform(X), codes)


def test_empty_documents_get_the_code_of_an_all_zero_input(fitted, data):
    X, _ = data
    empty = sp.csr_matrix((2, X.shape[1]))
    codes = fitted.transform(empty)
    assert np.isfinite(codes).all()
    zero_code = fitted._encoder.predict(np.zeros((1, X.shape[1]), "float32"), verbose=0)
    np.testing.assert_allclose(codes, np.repeat(zero_code, 2, axis=0), atol=1e-6)
    assert fitted.score(empty) == 0.0
    # Fitting with empty documents in the data trains without NaN.
    model = small(epochs=2).fit(sp.vstack([X, empty]).tocsr())
    assert np.isfinite(model.loss_curve_).all()
    assert np.isfinite(model.transform(empty)).all()


def test_dropout_and_sample_weight(data):
    X, _ = data
    model = small(epochs=2, dropout=0.3).fit(X, sample_weight=np.linspace(0.5, 1.5, X.shape[0]))
    assert np.isfinite(model.loss_curve_).all()
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(3,\), expected \(90,\)"):
        small(epochs=1).fit(X, sample_weight=[1.0, 2.0, 3.0])


def test_other_loss_and_early_stopping(data):
    X, _ = data
    model = small(epochs=5, loss="categorical_crossentropy", early_stopping=True).fit(X)
    assert len(model.validation_loss_curve_) == model.n_iter_
    with pytest.raises(ValueError, match="loss must name a Keras loss.*'nope'"):
        small(epochs=1, loss="nope").fit(X)


def test_warm_start_and_partial_fit_continue_training(data):
    X, _ = data
    model = small(epochs=2, warm_start=True).fit(X)
    model.fit(X)
    assert model.n_iter_ == 4
    model.partial_fit(X)
    assert model.n_iter_ == 5


# -- binary codes and retrieval ------------------------------------------------------------------


def test_pack_codes_match_the_thresholded_codes(fitted, fitted_tanh, data):
    X, _ = data
    packed = fitted.pack_codes(X)
    assert packed.dtype == np.uint8 and packed.shape == (X.shape[0], 1)
    bits = np.unpackbits(packed, axis=1)[:, :8]
    np.testing.assert_array_equal(bits, fitted.transform(X) > 0.5)
    tanh_bits = np.unpackbits(fitted_tanh.pack_codes(X), axis=1)[:, :8]
    np.testing.assert_array_equal(tanh_bits, fitted_tanh.transform(X) > 0)


def test_hamming_neighbours_share_the_topic(fitted, data):
    X, topics = data
    packed = fitted.pack_codes(X)
    _, idx = hamming_search(packed, packed, n_neighbors=10)
    precision = (topics[idx[:, 1:]] == topics[:, None]).mean()
    assert precision > 0.8  # chance is 1/3


@pytest.mark.parametrize("n_bits", [5, 32, 64, 100, 200])
def test_hamming_search_matches_brute_force(n_bits):
    rng = np.random.RandomState(n_bits)
    q_bits = rng.randint(0, 2, (13, n_bits)).astype(np.uint8)
    d_bits = rng.randint(0, 2, (50, n_bits)).astype(np.uint8)
    dist, idx = hamming_search(np.packbits(q_bits, 1), np.packbits(d_bits, 1), n_neighbors=7)
    full = (q_bits[:, None, :] != d_bits[None]).sum(-1)
    expected_idx = np.argsort(full, axis=1, kind="stable")[:, :7]  # ties by database position
    np.testing.assert_array_equal(idx, expected_idx)
    np.testing.assert_array_equal(dist, np.take_along_axis(full, expected_idx, 1))
    # Chunked queries give the same answer.
    dist2, idx2 = hamming_search(
        np.packbits(q_bits, 1), np.packbits(d_bits, 1), n_neighbors=7, chunk_size=4
    )
    np.testing.assert_array_equal(idx2, idx)
    np.testing.assert_array_equal(dist2, dist)


@pytest.mark.parametrize("n_bits, radius", [(5, 0), (32, 12), (64, 30), (100, 60)])
def test_hamming_radius_search_matches_brute_force(n_bits, radius):
    rng = np.random.RandomState(n_bits)
    q_bits = rng.randint(0, 2, (13, n_bits)).astype(np.uint8)
    d_bits = np.vstack([q_bits[:3], rng.randint(0, 2, (50, n_bits)).astype(np.uint8)])
    full = (q_bits[:, None, :] != d_bits[None]).sum(-1)
    for chunk_size in (None, 4):
        dist, idx = hamming_radius_search(
            np.packbits(q_bits, 1), np.packbits(d_bits, 1), radius, chunk_size=chunk_size
        )
        assert dist.shape == idx.shape == (13,)
        for i in range(13):
            expected = np.flatnonzero(full[i] <= radius)
            expected = expected[np.argsort(full[i, expected], kind="stable")]
            np.testing.assert_array_equal(idx[i], expected)
            np.testing.assert_array_equal(dist[i], full[i, expected])
    assert 0 in idx[0].tolist()  # a code is within any radius of itself
    with pytest.raises(ValueError, match="radius must be a non-negative integer"):
        hamming_radius_search(np.packbits(q_bits, 1), np.packbits(d_bits, 1), -1)


def test_hamming_search_errors():
    codes = np.packbits(np.eye(8, dtype=np.uint8), axis=1)
    with pytest.raises(ValueError, match=r"n_neighbors must be an integer in \[1, n_database=8\]"):
        hamming_search(codes, codes, n_neighbors=9)
    with pytest.raises(ValueError, match="query_codes must be packed codes.*float64"):
        hamming_search(codes.astype(float), codes)
    with pytest.raises(ValueError, match="same length"):
        hamming_search(np.zeros((2, 2), np.uint8), codes)
    dist, idx = hamming_search(codes, codes, n_neighbors=8)
    assert dist.shape == idx.shape == (8, 8)


# -- topics ---------------------------------------------------------------------------------------


def test_topics_read_the_decoder_kernel(data):
    X, _ = data
    model = small(hidden_layer_sizes=(), epochs=3).fit(X)
    names = np.array([f"w{i}" for i in range(X.shape[1])])
    topics = model.topics(names, n_words=4)
    assert topics.shape == (8, 4) and topics.dtype == object
    kernel = model.model_.get_layer("decoder").kernel.numpy()
    np.testing.assert_array_equal(topics, names[np.argsort(-kernel, axis=1, kind="stable")[:, :4]])


def test_topics_name_the_planted_topic_words(fitted, data):
    X, _ = data
    names = np.array([f"t{i // 10}_{i % 10}" for i in range(X.shape[1])])
    topics = fitted.topics(names, n_words=3)
    # Each unit's top words come from one planted topic mostly; every topic is some unit's.
    owners = np.array([[int(w[1]) for w in row] for row in topics])
    purity = np.mean([np.bincount(row, minlength=3).max() / 3 for row in owners])
    assert purity > 0.6
    assert set(np.unique(owners[:, 0])) == {0, 1, 2}


def test_topics_default_names_and_errors(fitted):
    assert fitted.topics(n_words=2)[0, 0].startswith("x")
    with pytest.raises(ValueError, match="feature_names must list the 30 words.*got 3"):
        fitted.topics(["a", "b", "c"])
    with pytest.raises(ValueError, match="n_words must be an integer"):
        fitted.topics(n_words=0)


# -- tied weights ---------------------------------------------------------------------------------


def test_tied_weights_share_one_kernel_and_round_trip(data, tmp_path):
    X, topics = data
    model = small(tied_weights=True).fit(X)
    untied = small(epochs=1).fit(X)
    assert model.model_.count_params() < untied.model_.count_params()
    kernels = [w for w in model.model_.weights if w.name == "kernel"]
    assert len(kernels) == 2  # encoder_0 and code, each used by encoder and decoder
    labels = KMeans(N_TOPICS, n_init=10, random_state=0).fit_predict(model.transform(X))
    assert v_measure_score(topics, labels) > 0.6
    # The Keras graph round-trips in safe mode with identical outputs.
    path = str(tmp_path / "tied.keras")
    model.model_.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    x = keras.ops.convert_to_tensor(np.log1p(X[:5].toarray()).astype("float32"))
    np.testing.assert_allclose(reloaded(x), model.model_(x), rtol=1e-6, atol=1e-7)
    # So does the estimator.
    assert_round_trips(model, X, "transform", tmp_path, ways=("save",))


def test_tied_dense_layer_config_round_trip():
    layer = TiedDense(3, activation="relu", transpose_activation="softmax", name="t")
    clone_ = TiedDense.from_config(layer.get_config())
    assert clone_.get_config() == layer.get_config()


def test_softmax_kl_divergence_matches_keras_kl_divergence():
    rng = np.random.RandomState(0)
    logits = keras.ops.convert_to_tensor(rng.normal(size=(4, 6)).astype("float32"))
    q = keras.activations.softmax(logits)
    p = rng.poisson(1.0, size=(4, 6)).astype("float32")
    p[0] = 0.0  # an empty document: no words, no loss
    p[1:] /= p[1:].sum(axis=1, keepdims=True)
    ours = np.asarray(SoftmaxKLDivergence(reduction=None)(p, q))
    expected = np.asarray(keras.losses.KLDivergence(reduction=None)(p, q))
    np.testing.assert_allclose(ours[1:], expected[1:], rtol=1e-4, atol=1e-6)
    assert ours[0] == pytest.approx(0.0, abs=1e-6)


def test_graph_builder_without_hidden_layers():
    model = build_softmax_autoencoder(12, 3, code_activation="tanh", output_bias=np.zeros(12))
    assert [layer.name for layer in model.layers][1:] == ["code", "code_activation", "decoder"]
    out = model(keras.ops.convert_to_tensor(np.ones((2, 12), "float32")))
    np.testing.assert_allclose(np.asarray(out).sum(axis=1), 1.0, rtol=1e-5)


# -- user-supplied encoder and decoder -----------------------------------------------------------


def user_encoder():
    return keras.Sequential([keras.layers.Dense(16, activation="relu")])


def user_decoder():
    return keras.layers.Dense(16, activation="relu")


@pytest.fixture(scope="module")
def fitted_user(data):
    X, _ = data
    return small(encoder=user_encoder(), decoder=user_decoder()).fit(X)


def test_user_encoder_and_decoder_frame_the_code_and_softmax_layers(fitted_user, data):
    X, topics = data
    names = [layer.name for layer in fitted_user.model_.layers]
    assert names == ["words", "user_encoder", "code", "code_activation", "user_decoder", "decoder"]
    codes = fitted_user.transform(X)
    assert codes.shape == (X.shape[0], 8) and codes.dtype == np.float32
    assert codes.min() >= 0.0 and codes.max() <= 1.0
    labels = KMeans(N_TOPICS, n_init=10, random_state=0).fit_predict(codes)
    assert v_measure_score(topics, labels) > 0.8
    bits = np.unpackbits(fitted_user.pack_codes(X), axis=1)[:, :8]
    np.testing.assert_array_equal(bits, codes > 0.5)
    dist = fitted_user.inverse_transform(codes)
    np.testing.assert_allclose(dist.sum(axis=1), 1.0, rtol=1e-5)
    p = X.toarray() / X.toarray().sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(p > 0, p * np.log(p / dist), 0.0).sum(axis=1)
    assert fitted_user.score(X) == pytest.approx(-kl.mean(), rel=1e-4)
    assert fitted_user.topics(n_words=3).shape == (8, 3)


def test_a_bare_layer_is_an_encoder(data):
    X, _ = data
    model = small(epochs=3, encoder=keras.layers.Dense(16, activation="tanh")).fit(X)
    layer = model.model_.get_layer("user_encoder")
    assert isinstance(layer, keras.layers.Dense) and layer.units == 16
    assert model.transform(X).shape == (X.shape[0], 8)


def test_hidden_layer_sizes_is_ignored_with_an_encoder(data):
    X, _ = data
    a = small(epochs=2, encoder=user_encoder(), hidden_layer_sizes=(4,)).fit(X)
    b = small(epochs=2, encoder=user_encoder(), hidden_layer_sizes=(64, 64)).fit(X)
    assert not any(layer.name.startswith("encoder_") for layer in a.model_.layers)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))


def test_user_objects_are_left_untouched(data):
    X, _ = data
    unbuilt, layer = user_encoder(), user_decoder()
    built = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(16)])
    weights = [w.copy() for w in built.get_weights()]
    small(epochs=2, encoder=unbuilt, decoder=layer).fit(X)
    model = small(epochs=2, encoder=built).fit(X)
    assert not unbuilt.built and not layer.built
    assert unbuilt.name != "user_encoder" and layer.name != "user_decoder"
    for before, after in zip(weights, built.get_weights()):
        np.testing.assert_array_equal(before, after)
    trained = model.model_.get_layer("user_encoder")
    assert trained is not built
    assert not np.array_equal(trained.get_weights()[0], weights[0])


def test_user_parts_start_from_weights_seeded_by_random_state(data):
    X, _ = data
    encoder, decoder = user_encoder(), user_decoder()
    model = small(epochs=2, encoder=encoder, decoder=decoder)
    first = model.fit(X).transform(X)
    np.testing.assert_array_equal(model.fit(X).transform(X), first)  # refit: fresh weights
    other = small(epochs=2, encoder=user_encoder(), decoder=user_decoder()).fit(X)
    np.testing.assert_array_equal(other.transform(X), first)
    reseeded = small(epochs=2, encoder=encoder, decoder=decoder, random_state=1).fit(X)
    assert not np.array_equal(reseeded.transform(X), first)


def test_user_parts_clone_pickle_joblib_and_save_load(fitted_user, data, tmp_path):
    X, _ = data
    codes = fitted_user.transform(X)
    cloned = clone(fitted_user)
    assert cloned.encoder is fitted_user.encoder  # shared: fit only copies it
    np.testing.assert_array_equal(cloned.fit(X).transform(X), codes)
    frames = clone(cloned.set_output(transform="pandas")).set_params(epochs=1).fit(X)
    assert isinstance(frames.transform(X), pd.DataFrame)  # clone keeps set_output's choice

    def same_parts(restored):
        assert restored.encoder.get_config() == fitted_user.encoder.get_config()
        assert isinstance(restored.encoder, keras.Sequential)
        assert isinstance(restored.decoder, keras.layers.Dense)
        np.testing.assert_array_equal(
            restored.inverse_transform(codes), fitted_user.inverse_transform(codes)
        )

    restored = assert_round_trips(
        fitted_user, X, "transform", tmp_path, ways=("pickle", "joblib", "save"), check=same_parts
    )
    loaded = restored["save"]
    # The stored architecture is the one given: refitting the loaded estimator gives the same codes.
    np.testing.assert_array_equal(clone(loaded).fit(X).transform(X), codes)


class _UnregisteredLayer(keras.layers.Dense):
    """A custom layer that Keras can copy in memory but cannot find when loading a file."""


def test_save_refuses_an_encoder_that_load_could_not_rebuild(data, tmp_path):
    X, _ = data
    model = small(epochs=1, encoder=_UnregisteredLayer(8)).fit(X)
    assert model.transform(X).shape == (X.shape[0], 8)
    with pytest.raises(TypeError, match="save.. cannot store parameter 'encoder'.*safe mode"):
        model.save(tmp_path / "model.skaq")
    assert not (tmp_path / "model.skaq").exists()


def test_tied_weights_cannot_be_combined_with_user_parts(data):
    X, _ = data
    for params in ({"encoder": user_encoder()}, {"decoder": user_decoder()}):
        with pytest.raises(ValueError, match="tied_weights=True .* encoder or decoder"):
            small(epochs=1, tied_weights=True, **params).fit(X)


@pytest.mark.parametrize("name", ["encoder", "decoder"])
@pytest.mark.parametrize("value", ["relu", 16, keras.layers.Dense])
def test_user_parts_must_be_keras_layers(data, name, value):
    X, _ = data
    with pytest.raises(ValueError, match=f"The '{name}' parameter .* must be None or an instance"):
        small(epochs=1, **{name: value}).fit(X)


@pytest.mark.parametrize(
    "params, match",
    [
        (
            {
                "encoder": keras.Sequential(
                    [keras.layers.Reshape((30, 1)), keras.layers.Conv1D(2, 3)]
                )
            },
            r"encoder must map its input of shape \(None, 30\) to one 2-D output .* got \(None, 28, 2\)",
        ),
        (
            {"decoder": keras.layers.Reshape((4, 2))},
            r"decoder must map its input of shape \(None, 8\) to one 2-D output .* got \(None, 4, 2\)",
        ),
        (
            {"encoder": keras.Sequential([keras.Input((5,)), keras.layers.Dense(4)])},
            r"encoder cannot be applied to its input of shape \(None, 30\)",
        ),
    ],
)
def test_user_parts_must_give_2d_outputs(data, params, match):
    X, _ = data
    with pytest.raises(ValueError, match=match):
        small(epochs=1, **params).fit(X)


# scikit-learn deep-copies the values of a parameter grid; scikeras deep-copies a keras.Model by
# saving it, and Keras warns when the model is not built yet.
@pytest.mark.filterwarnings("ignore:You are saving a model that has not yet been built:UserWarning")
def test_grid_search_over_encoders_in_a_pipeline():
    docs, labels = make_documents()
    encoder = user_encoder()
    pipe = Pipeline([("counts", CountVectorizer()), ("codes", small(epochs=5, n_components=4))])
    search = GridSearchCV(pipe, {"codes__encoder": [None, encoder]}, cv=2).fit(docs)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_["codes__encoder"] in (None, encoder)
    assert search.best_estimator_.transform(docs).shape == (len(docs), 4)
    assert not encoder.built


def test_graph_builder_with_user_parts_splits_into_encoder_and_decoder():
    model = build_softmax_autoencoder(
        12, 3, encoder=user_encoder(), decoder=user_decoder(), sparse_input=False
    )
    encoder, decoder = split_softmax_autoencoder(model, n_hidden=0, tied_weights=False)
    x = np.random.RandomState(0).poisson(1.0, size=(4, 12)).astype("float32")
    codes = np.asarray(encoder([x]))
    assert codes.shape == (4, 3)
    np.testing.assert_allclose(np.asarray(decoder(codes)), np.asarray(model(x)), atol=1e-6)


# -- scikit-learn integration ---------------------------------------------------------------------


def test_feature_names_and_pandas_output(fitted, data):
    X, _ = data
    names = fitted.get_feature_names_out()
    assert names.tolist() == [f"softmaxautoencodertransformer{i}" for i in range(8)]
    model = clone(fitted).set_params(epochs=1).set_output(transform="pandas")
    frame = model.fit_transform(X.toarray())
    assert isinstance(frame, pd.DataFrame) and frame.columns.tolist() == names.tolist()
    assert isinstance(model.transform(X), pd.DataFrame)


def test_pipeline_with_count_vectorizer_and_kmeans():
    docs, labels = make_documents()
    pipe = Pipeline(
        [
            ("counts", CountVectorizer()),
            ("codes", small(epochs=20, n_components=4, hidden_layer_sizes=(8,))),
            ("kmeans", KMeans(2, n_init=10, random_state=0)),
        ]
    )
    assigned = pipe.fit_predict(docs)
    assert v_measure_score(labels, assigned) == pytest.approx(1.0)


def test_grid_search_chooses_with_score_and_no_labels(data):
    X, _ = data
    search = GridSearchCV(small(epochs=5), {"n_components": [1, 8]}, cv=2).fit(X)
    assert search.best_params_ == {"n_components": 8}
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_clone_pickle_and_save_load(fitted, data, tmp_path):
    X, _ = data
    assert clone(fitted).get_params() == fitted.get_params()

    def same_model(restored):
        np.testing.assert_allclose(restored.score(X), fitted.score(X), rtol=1e-6)
        np.testing.assert_array_equal(restored.topics(n_words=3), fitted.topics(n_words=3))

    assert_round_trips(fitted, X, "transform", tmp_path, check=same_model)


# -- errors ---------------------------------------------------------------------------------------


def test_invalid_inputs_raise_value_errors(fitted, data):
    X, _ = data
    dense = X.toarray().astype(float)
    negative = dense.copy()
    negative[0, 0] = -1
    with pytest.raises(ValueError, match="Negative values.*word counts"):
        small(epochs=1).fit(negative)
    with pytest.raises(ValueError, match="Negative values"):
        fitted.transform(sp.csr_matrix(negative))
    nan = dense.copy()
    nan[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.transform(nan)
    inf = dense.copy()
    inf[1, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        small(epochs=1).fit(sp.csr_matrix(inf))
    with pytest.raises(ValueError, match="numeric matrix of word counts.*CountVectorizer"):
        fitted.transform(["some text", "more text"])
    with pytest.raises(ValueError, match="numeric matrix of word counts"):
        fitted.transform(np.array([["a"] * 30]))
    with pytest.raises(ValueError, match="X has 29 features.*expecting 30 features"):
        fitted.transform(X[:, :29])
    with pytest.raises(ValueError, match=r"Codes must have shape \(n_samples, n_components=8\)"):
        fitted.inverse_transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        fitted.inverse_transform(np.full((1, 8), np.nan))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"activation": "relu"}, "'activation' parameter"),
        ({"n_components": 0}, "'n_components' parameter"),
        ({"input_scaling": "bm25"}, "'input_scaling' parameter"),
        ({"dropout": 1.0}, "'dropout' parameter"),
        ({"alpha": 0}, "'alpha' parameter"),
        ({"target_neighbors": -1}, "'target_neighbors' parameter"),
        ({"neighbor_weight": 1.5}, "'neighbor_weight' parameter"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes must be a sequence of positive"),
    ],
)
def test_invalid_parameters(data, params, match):
    X, _ = data
    with pytest.raises(ValueError, match=match):
        small(epochs=1, **params).fit(X)


def test_unfitted_raises():
    from sklearn.exceptions import NotFittedError

    model = small()
    for method in (model.transform, model.score, model.pack_codes):
        with pytest.raises(NotFittedError):
            method(np.ones((2, 3)))
    with pytest.raises(NotFittedError):
        model.get_feature_names_out()


# -- real data ------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_20newsgroups_codes_cluster_far_better_than_chance():
    from sklearn.datasets import fetch_20newsgroups

    categories = ["comp.graphics", "rec.sport.hockey", "sci.med", "talk.politics.guns"]
    try:
        news = fetch_20newsgroups(
            subset="train",
            categories=categories,
            remove=("headers", "footers", "quotes"),
            download_if_missing=False,
        )
    except OSError:
        pytest.skip("20 Newsgroups is not in SCIKIT_LEARN_DATA")
    docs, labels = news.data, news.target  # 2,245 documents
    pipe = make_pipeline(
        CountVectorizer(stop_words="english", min_df=3, max_df=0.5),
        SoftmaxAutoEncoderTransformer(
            n_components=32,
            hidden_layer_sizes=(128,),
            activation="tanh",
            epochs=20,
            batch_size=64,
            random_state=0,
        ),
        Normalizer(),
        KMeans(4, n_init=10, random_state=0),
    )
    assigned = pipe.fit_predict(docs)
    score = v_measure_score(labels, assigned)
    shuffled = v_measure_score(np.random.RandomState(0).permutation(labels), assigned)
    assert shuffled < 0.02
    assert score > 0.5
    # Binary retrieval: a document's 10 Hamming neighbours mostly share its newsgroup.
    counts = pipe[0].transform(docs)
    packed = pipe[1].pack_codes(counts)
    _, idx = hamming_search(packed, packed, n_neighbors=11)
    assert (labels[idx[:, 1:]] == labels[:, None]).mean() > 0.7  # chance is about 0.25
