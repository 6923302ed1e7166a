"""Tests of HANClassifier on tiny seeded data (and one real-data test on R8)."""

import copy
import json
import os
import tempfile
import zipfile

import keras
import numpy as np
import pandas as pd
import pytest
from _roundtrip import assert_round_trips, assert_same_seed_same_output
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from skaquarium import HANClassifier
from skaquarium.datasets import _FILLER_WORDS, _KEYWORD_LABELS, make_keyword_documents
from skaquarium.han import HierarchicalAttentionModel, build_han_graph
from skaquarium.text import HierarchicalTokenizer, ppmi_svd

# The model without the default recipe's regularizers (the defaults before they were the
# recipe): tests of one mechanism at a time start from it; test_default_recipe covers the recipe.
PLAIN = dict(
    dropout=0.0,
    embeddings=None,
    ngram_range=(1, 1),
    label_smoothing=0.0,
    adversarial_epsilon=0.0,
    average_from_epoch=None,
)
SMALL = dict(
    **PLAIN,
    embedding_dim=16,
    word_units=12,
    sentence_units=12,
    attention_dim=16,
    min_df=1,
    batch_size=32,
    learning_rate=0.01,
)
# The smallest network, for tests of plumbing rather than learning.
TINY = dict(
    PLAIN, embedding_dim=4, word_units=4, sentence_units=4, attention_dim=4, min_df=1, epochs=1
)


def han(base, **params):
    """A HANClassifier of ``base``'s parameters with ``params`` on top."""
    return HANClassifier(**{**base, **params})


FILLER = _FILLER_WORDS
KEYWORDS = _KEYWORD_LABELS


def make_keyword_docs(n, seed):
    """Documents of filler sentences; one sentence holds a keyword that decides the label."""
    return make_keyword_documents(n, random_state=seed)


def make_common_estimator():
    """A small, fast HANClassifier for scikit-learn's parametrize_with_checks."""
    return HANClassifier(
        embedding_dim=4, word_units=4, sentence_units=4, attention_dim=4, epochs=2, random_state=0
    )


# The estimator reads raw documents or 3-D id arrays, so its tags say two_d_array=False (as
# CountVectorizer's do) and scikit-learn's parametrize_with_checks yields no check for it here;
# test_han_checks.py runs the common checks through the 3-D id input, and the data-free API
# checks run below.
EXPECTED_FAILED_CHECKS: dict = {}


@pytest.fixture(scope="module")
def keyword_data():
    return make_keyword_docs(240, seed=0), make_keyword_docs(60, seed=1)


@pytest.fixture(scope="module")
def fitted(keyword_data):
    (docs, y, _), _ = keyword_data
    params = {**SMALL, "learning_rate": 0.02}
    return HANClassifier(epochs=12, random_state=0, **params).fit(docs, y)


# -- learning and explanations -------------------------------------------------------------


def test_learns_the_keyword_task_and_the_explanation_ranks_the_keyword_sentence_first(
    fitted, keyword_data
):
    # With the default skip connections the keyword sentence is ranked first in nearly every
    # document for most seeds, not all; with the paper's graph for a few only
    # (benchmarks/han_attention.py measures both over 8 seeds). This seed is one that works.
    _, (docs, y, key) = keyword_data
    assert fitted.score(docs, y) >= 0.95
    explanations = fitted.explain(docs)
    first = np.array([int(np.argmax([s["weight"] for s in doc])) for doc in explanations])
    assert np.mean(first == key) >= 0.95
    # Within the keyword sentence the keyword is the most attended word.
    top_words = [max(doc[k]["words"], key=lambda p: p[1])[0] for doc, k in zip(explanations, key)]
    assert np.mean([w in KEYWORDS for w in top_words]) >= 0.9
    top = fitted.important_sentences(docs, k=1)
    assert all(len(t) == 1 for t in top)
    assert np.mean(["alpha" in t[0][0] or "omega" in t[0][0] for t in top]) >= 0.95


def test_explanations_on_text_without_sentence_punctuation_rank_pieces():
    # Documents as R8 has them: no sentence punctuation at all. The tokenizer cuts them into
    # pieces ("auto"), so the explanation weighs several pieces instead of returning the whole
    # text with weight 1.0, and the piece with the keyword comes first.
    parts, _, _ = make_keyword_docs(800, seed=3)
    rng = np.random.RandomState(3)
    y = rng.choice(["bad", "good"], 200)
    docs = []
    for i, label in enumerate(y):
        text = " ".join(parts[4 * i : 4 * i + 4]).replace(".", " ").lower().split()
        words = [w for w in text if w not in KEYWORDS]  # about 80 filler words
        words.insert(rng.randint(len(words) + 1), "alpha" if label == "good" else "omega")
        docs.append(" ".join(words))
    model = HANClassifier(**{**SMALL, "learning_rate": 0.02, "epochs": 10}, random_state=0)
    model.fit(docs, y)
    assert model.tokenizer_.chunk_words_ is not None
    assert model.score(docs, y) >= 0.9
    for ranked in model.important_sentences(docs[:10], k=3):
        weights = [w for _, w in ranked]
        assert len(ranked) == 3 and weights[0] < 1.0 and len(set(weights)) == 3
    top = model.important_sentences(docs, k=1)
    assert np.mean([("alpha" in t[0][0]) or ("omega" in t[0][0]) for t in top]) >= 0.9


def test_packed_sentences_read_the_same_words_in_fewer_rows(keyword_data):
    (docs, y, _), (test_docs, test_y, _) = keyword_data
    params = {**SMALL, "learning_rate": 0.02, "max_words": 16, "epochs": 12}
    plain = HANClassifier(**{**params, "epochs": 1}).fit(docs, y)
    model = HANClassifier(pack_sentences=True, random_state=0, **params).fit(docs, y)
    assert model.tokenizer_.pack_sentences
    assert model.max_sentences_ < plain.max_sentences_
    ids = model.tokenizer_.transform(test_docs)
    assert (ids != 0).sum() == (plain.tokenizer_.transform(test_docs) != 0).sum()
    assert model.score(test_docs, test_y) >= 0.9
    # The explanation ranks the packed pieces: each of its "sentences" is a piece.
    pieces = model.tokenizer_.tokenize(test_docs[:5])
    for doc, ranked in zip(pieces, model.important_sentences(test_docs[:5], k=10), strict=True):
        assert sorted(text for text, _ in ranked) == sorted(" ".join(p) for p in doc)


def test_length_groups_of_the_word_gru_follow_the_rows_of_a_batch(keyword_data):
    # Groups pay only on batches of many sentence rows (batch_size * max_sentences_ >= 1,024).
    (docs, y, _), _ = keyword_data
    small = HANClassifier(**TINY, max_sentences=4, batch_size=32).fit(docs, y)
    large = HANClassifier(**TINY, max_sentences=4, batch_size=256).fit(docs, y)
    plain = HANClassifier(**TINY, max_sentences=4, batch_size=256, bucket_by_length=False)
    assert small.model_.get_layer("word_gru").buckets == 1
    assert large.model_.get_layer("word_gru").buckets == 4
    assert plain.fit(docs, y).model_.get_layer("word_gru").buckets == 1


def test_classes_predict_proba_and_score(fitted, keyword_data):
    _, (docs, y, _) = keyword_data
    assert fitted.classes_.tolist() == ["bad", "good"]
    proba = fitted.predict_proba(docs)
    assert proba.shape == (len(docs), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    pred = fitted.predict(docs)
    assert set(pred) <= set(fitted.classes_)
    np.testing.assert_array_equal(pred, fitted.classes_[proba.argmax(axis=1)])
    assert fitted.score(docs, y) == np.mean(pred == y)
    assert is_classifier(fitted)
    assert len(fitted.loss_curve_) == fitted.n_iter_ == 12
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0]


@pytest.mark.parametrize("skip", [True, False])
def test_skip_connections_give_the_attention_layers_the_encoder_inputs(skip):
    docs, y, _ = make_keyword_docs(16, seed=3)
    model = HANClassifier(skip_connections=skip, random_state=0, **TINY).fit(docs, y)
    names = {layer.name for layer in model.model_.layers}
    assert ({"word_skip", "sentence_skip"} <= names) == skip
    # Attention inputs: GRU states (2 x 4), plus the word vector (4) or sentence vector (12).
    word_in = model.model_.get_layer("word_attention").projection.shape[0]
    sentence_in = model.model_.get_layer("sentence_attention").projection.shape[0]
    assert (word_in, sentence_in) == ((12, 20) if skip else (8, 8))
    words, sentences = model.attention_weights(docs)
    ids = model.tokenizer_.transform(docs)
    assert np.all(words[ids == 0] == 0.0)
    np.testing.assert_allclose(sentences.sum(axis=1), 1.0, rtol=1e-5)
    assert model.predict(docs).shape == (16,)


def test_explanation_weights_sum_to_one_over_real_tokens(fitted, keyword_data):
    _, (docs, _, _) = keyword_data
    tokens = fitted.tokenizer_.tokenize(docs[:10])
    for doc, words in zip(fitted.explain(docs[:10]), tokens):
        assert [s["sentence"].split() for s in doc] == words
        assert abs(sum(s["weight"] for s in doc) - 1) < 1e-5
        for s in doc:
            assert abs(sum(w for _, w in s["words"]) - 1) < 1e-5
            assert [w for w, _ in s["words"]] == s["sentence"].split()


def test_padding_words_and_sentences_get_exactly_zero_weight(fitted, keyword_data):
    _, (docs, _, _) = keyword_data
    ids = fitted.tokenizer_.transform(docs[:8])
    # Move the second sentence down: an all-padding sentence in the middle of a document.
    ids = np.concatenate([ids[:, :1], np.zeros_like(ids[:, :1]), ids[:, 1:]], axis=1)
    words, sentences = fitted.attention_weights(ids)
    padding = ids == 0
    assert np.all(words[padding] == 0.0)
    assert np.all(sentences[:, 1] == 0.0)
    assert np.all(sentences[~(~padding).any(axis=2)] == 0.0)
    np.testing.assert_allclose(sentences.sum(axis=1), 1.0, rtol=1e-5)
    real_sentences = (~padding).any(axis=2)
    np.testing.assert_allclose(words.sum(axis=2)[real_sentences], 1.0, rtol=1e-5)
    # The padding sentence changes nothing.
    np.testing.assert_allclose(
        fitted.predict_proba(ids), fitted.predict_proba(docs[:8]), rtol=1e-4, atol=1e-6
    )


def test_extra_padding_and_batch_trimming_do_not_change_predictions(fitted, keyword_data):
    _, (docs, _, _) = keyword_data
    ids = fitted.tokenizer_.transform(docs)
    padded = np.zeros((ids.shape[0], ids.shape[1] + 3, ids.shape[2] + 5), dtype=np.int32)
    padded[:, : ids.shape[1], : ids.shape[2]] = ids
    expected = fitted.predict_proba(docs)
    np.testing.assert_allclose(fitted.predict_proba(padded), expected, rtol=1e-4, atol=1e-6)
    plain = clone(fitted).set_params(bucket_by_length=False)
    plain.__dict__.update({k: v for k, v in fitted.__dict__.items() if k.endswith("_")})
    np.testing.assert_allclose(plain.predict_proba(docs), expected, rtol=1e-4, atol=1e-6)


def test_empty_documents_are_valid(fitted):
    proba = fitted.predict_proba(["", "alpha market report."])
    assert proba.shape == (2, 2) and np.all(np.isfinite(proba))
    assert fitted.explain([""]) == [[]]
    assert fitted.important_sentences([""]) == [[]]


def test_explain_html_highlights_and_escapes(fitted):
    out = fitted.explain_html(["<script>alert(1)</script> alpha report. The city."])
    assert "<script>" not in out
    assert out.count('class="han-sentence"') == 2
    assert out.count("background-color:rgba(30,100,255,") == 8  # script alert 1 script ...
    assert out._repr_html_() == str(out)
    docs = ["x y.", "z w."]
    labels = HANClassifier(**TINY).fit(docs, ["<i>", "<i>&"])
    rendered = labels.explain_html(docs)
    assert "<i>" not in rendered and "&lt;i&gt;" in rendered


def test_important_sentences_k(fitted, keyword_data):
    _, (docs, _, _) = keyword_data
    top = fitted.important_sentences(docs[:5], k=2)
    for doc, pairs in zip(fitted.explain(docs[:5]), top):
        assert len(pairs) == min(2, len(doc))
        assert pairs[0][1] >= pairs[-1][1]
    with pytest.raises(ValueError, match="k must be"):
        fitted.important_sentences(docs[:1], k=0)


# -- inputs and errors ---------------------------------------------------------------------


def test_fits_on_3d_id_arrays_with_inferred_or_given_vocabulary_size(keyword_data):
    (docs, y, _), (test_docs, test_y, _) = keyword_data
    tok = HierarchicalTokenizer().fit(docs)
    ids = tok.transform(docs)
    params = {**SMALL, "learning_rate": 0.02}
    model = HANClassifier(epochs=5, random_state=0, **params).fit(ids, y)
    assert model.tokenizer_ is None
    assert model.vocabulary_size_ == ids.max() + 1
    assert model.score(tok.transform(test_docs), test_y) >= 0.9
    words = model.explain(tok.transform(test_docs[:2]))[0][0]["words"]
    assert all(isinstance(w, int) for w, _ in words)
    with pytest.raises(ValueError, match="out of the vocabulary"):
        model.predict(np.full((1, 2, 2), ids.max() + 1))
    with pytest.raises(ValueError, match="3-D id array, so X must be one too"):
        model.predict(test_docs)
    sized = HANClassifier(vocabulary_size=500, **TINY).fit(ids[:20], y[:20])
    assert sized.vocabulary_size_ == 500
    assert sized.predict(np.full((1, 1, 1), 499)).shape == (1,)


@pytest.mark.parametrize(
    "X, match",
    [
        (["alpha.", None], r"X\[1\] is None"),
        (["alpha.", 7], r"X\[1\] is 7 of type int"),
        ([], "X is empty"),
        (np.zeros((0, 2, 2), dtype=int), "X is empty"),
        (np.array([[[1, -2]], [[3, 4]]]), "negative word ids"),
        (np.array([[[1.5, 2]], [[3, 4]]]), "whole numbers"),
        (np.zeros((2, 3)), "3-D integer array"),
    ],
)
def test_invalid_inputs_raise_value_error(X, match):
    with pytest.raises(ValueError, match=match):
        HANClassifier(epochs=1, **SMALL).fit(X, ["a", "b"][: max(len(X), 1)] * 1)


def test_label_errors():
    with pytest.raises(ValueError, match="only one class"):
        HANClassifier(epochs=1, **SMALL).fit(["a b.", "c d."], ["x", "x"])
    with pytest.raises(ValueError, match="requires y"):
        HANClassifier(epochs=1, **SMALL).fit(["a b.", "c d."])
    with pytest.raises(ValueError, match="different numbers of documents"):
        HANClassifier(epochs=1, **SMALL).fit(["a b.", "c d."], ["x", "y", "z"])
    with pytest.raises(ValueError, match="Unknown label type"):
        HANClassifier(epochs=1, **SMALL).fit(["a b.", "c d."], [0.5, 1.5])


def test_unfitted_and_invalid_parameters():
    with pytest.raises(NotFittedError):
        HANClassifier().predict(["x"])
    with pytest.raises(ValueError, match="word_units"):
        HANClassifier(word_units=0).fit(["a.", "b."], [0, 1])
    with pytest.raises(ValueError, match="dropout"):
        HANClassifier(dropout=1.0).fit(["a.", "b."], [0, 1])


def test_integer_labels_series_input_sample_weight_and_dropout():
    docs, y, _ = make_keyword_docs(16, seed=3)
    codes = (y == "good").astype(int) + 5
    model = han(TINY, dropout=0.2, random_state=0)
    model.fit(pd.Series(docs), codes, sample_weight=np.linspace(0.5, 1.5, len(docs)))
    assert model.classes_.tolist() == [5, 6]
    assert set(model.predict(np.array(docs, dtype=object))) <= {5, 6}


# -- n-grams, label smoothing, adversarial training, weight averaging ----------------------


@pytest.fixture(scope="module")
def regularized(keyword_data):
    (docs, y, _), _ = keyword_data
    params = {**SMALL, "learning_rate": 0.02}
    return han(
        params,
        ngram_range=(1, 3),
        ngram_buckets=4096,
        label_smoothing=0.1,
        adversarial_epsilon=1.0,
        average_from_epoch=6,
        dropout=0.2,
        epochs=12,
        random_state=0,
    ).fit(docs, y)


def test_ngrams_smoothing_adversarial_training_and_averaging_learn_the_keyword_task(
    regularized, keyword_data
):
    _, (docs, y, _) = keyword_data
    model = regularized.model_
    assert model.get_layer("ngram_embedding").embeddings.shape == (4096, 16)
    assert model.adversarial_epsilon == 1.0
    assert regularized.score(docs, y) >= 0.95
    assert len(regularized.loss_curve_) == 12
    assert np.all(np.isfinite(regularized.loss_curve_))
    # Padding still gets exactly zero weight, and trailing padding changes nothing.
    ids = regularized.tokenizer_.transform(docs)
    words, sentences = regularized.attention_weights(ids)
    assert np.all(words[ids == 0] == 0.0)
    padded = np.zeros((ids.shape[0], ids.shape[1] + 2, ids.shape[2] + 4), dtype=np.int32)
    padded[:, : ids.shape[1], : ids.shape[2]] = ids
    np.testing.assert_allclose(
        regularized.predict_proba(padded), regularized.predict_proba(docs), rtol=1e-4, atol=1e-6
    )


def test_label_smoothing_keeps_probabilities_away_from_certainty():
    docs, y, _ = make_keyword_docs(40, seed=6)
    params = dict(SMALL, learning_rate=0.02, epochs=20, random_state=0)
    sharp = HANClassifier(**params).fit(docs, y).predict_proba(docs).max(axis=1)
    smooth = han(params, label_smoothing=0.3).fit(docs, y).predict_proba(docs)
    # The smoothed targets are 0.85 / 0.15: the model learns those, not certainty.
    assert np.median(sharp) > 0.97
    assert 0.7 < np.median(smooth.max(axis=1)) < 0.92


def _tiny_adversarial_graph(epsilon):
    """A seeded tiny HAN graph over 30 words with bigram vectors and adversarial training."""
    keras.utils.set_random_seed(0)
    return build_han_graph(
        vocabulary_size=30,
        n_classes=2,
        embedding_dim=4,
        word_units=4,
        sentence_units=4,
        attention_dim=4,
        max_ngram=2,
        ngram_buckets=64,
        adversarial_epsilon=epsilon,
    )


def test_adversarial_step_restores_the_vectors_and_reports_the_clean_loss():
    # With a learning rate of 0 no weight may change, so the perturbations must be undone
    # exactly, and the reported loss is the unperturbed one.
    model = _tiny_adversarial_graph(5.0)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="categorical_crossentropy"
    )
    rng = np.random.RandomState(0)
    ids = rng.randint(0, 30, size=(8, 3, 5)).astype("int32")
    targets = np.eye(2, dtype="float32")[rng.randint(0, 2, size=8)]
    before = model.get_weights()
    history = model.fit(ids, targets, batch_size=8, epochs=1, verbose=0)
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    clean = model.evaluate(ids, targets, batch_size=8, verbose=0)
    assert history.history["loss"][0] == pytest.approx(clean, rel=1e-5)


def test_adversarial_step_hands_the_tables_sparse_gradients_to_the_optimizer():
    # The clean and the perturbed gradients of a table are summed as rows (each once), so that
    # a sparse optimizer's update costs the batch's rows, not the whole 2^18-row n-gram table.
    import tensorflow as tf

    from skaquarium._optimizers import LazyAdam

    kinds = {}

    class Spy(LazyAdam):
        def update_step(self, gradient, variable, learning_rate):
            if isinstance(gradient, tf.IndexedSlices):
                rows = tf.size(gradient.indices) - tf.size(tf.unique(gradient.indices)[0])
                tf.debugging.assert_equal(rows, 0, message="a row appears twice")
            kinds[tuple(variable.shape)] = isinstance(gradient, tf.IndexedSlices)
            return super().update_step(gradient, variable, learning_rate)

    model = _tiny_adversarial_graph(1.0)
    model.compile(optimizer=Spy(0.1), loss="categorical_crossentropy")
    rng = np.random.RandomState(0)
    ids = rng.randint(1, 10, size=(8, 3, 5)).astype("int32")
    targets = np.eye(2, dtype="float32")[rng.randint(0, 2, size=8)]
    tables = [tuple(t.shape) for t in model._vector_tables()]
    before = [t.numpy().copy() for t in model._vector_tables()]
    model.fit(ids, targets, batch_size=8, epochs=2, verbose=0)
    assert sorted(tables) == [(30, 4), (64, 4)] and all(kinds[shape] for shape in tables)
    assert not all(kinds.values())  # the recurrent kernels' gradients are dense
    # Words 10..29 were never used: their vectors did not move.
    words = model._vector_tables()[0]
    np.testing.assert_array_equal(words.numpy()[10:], before[0][10:])
    assert not np.array_equal(words.numpy()[1:10], before[0][1:10])


@pytest.mark.parametrize("frozen_words", [False, True])
def test_adversarial_step_trains_on_the_clean_and_the_perturbed_gradient(frozen_words):
    # One SGD step against the definition: the perturbation is the clean loss's gradient on the
    # word and n-gram tables (a frozen word table included), scaled to norm epsilon over both.
    import tensorflow as tf

    epsilon, rate = 2.0, 0.5
    model = _tiny_adversarial_graph(epsilon)
    if frozen_words:
        model.get_layer("embedding").trainable = False
    loss_fn = keras.losses.CategoricalCrossentropy()
    rng = np.random.RandomState(1)
    ids = rng.randint(0, 12, size=(8, 3, 5)).astype("int32")
    targets = np.eye(2, dtype="float32")[rng.randint(0, 2, size=8)]
    weights = model.trainable_weights
    tables = model._vector_tables()
    start = [v.numpy().copy() for v in model.weights]

    def gradients(variables):
        with tf.GradientTape() as tape:
            loss = loss_fn(targets, model(ids, training=True))
        return [tf.convert_to_tensor(g) for g in tape.gradient(loss, variables)]

    clean = gradients(weights)
    table_grads = gradients(tables)
    norm = np.sqrt(sum(float(tf.reduce_sum(g * g)) for g in table_grads))
    for table, g in zip(tables, table_grads):
        table.assign_add(epsilon / norm * g)
    perturbed = gradients(weights)
    for v, value in zip(model.weights, start):
        v.assign(value)
    expected = {
        id(w): w.numpy() - rate * (a.numpy() + b.numpy())
        for w, a, b in zip(weights, clean, perturbed)
    }

    model.compile(optimizer=keras.optimizers.SGD(rate), loss=loss_fn)
    model.fit(ids, targets, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for w in weights:
        np.testing.assert_allclose(w.numpy(), expected[id(w)], rtol=1e-4, atol=1e-6)
    if frozen_words:
        np.testing.assert_array_equal(tables[0].numpy(), start[model.weights.index(tables[0])])


def test_adding_sparse_gradients_equals_the_dense_sum():
    import tensorflow as tf

    from skaquarium.han import _add_gradients

    shape = tf.constant([6, 2])
    a = tf.IndexedSlices(
        tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), tf.constant([4, 1, 4]), shape
    )
    b = tf.IndexedSlices(tf.constant([[10.0, 20.0]]), tf.constant([1]), shape)
    total = _add_gradients(a, b)
    assert isinstance(total, tf.IndexedSlices)
    assert sorted(total.indices.numpy().tolist()) == [1, 4]
    expected = tf.convert_to_tensor(a) + tf.convert_to_tensor(b)
    np.testing.assert_array_equal(tf.convert_to_tensor(total).numpy(), expected.numpy())
    dense = tf.ones((6, 2))
    np.testing.assert_array_equal(
        _add_gradients(dense, b).numpy(), (dense + tf.convert_to_tensor(b)).numpy()
    )
    assert _add_gradients(None, b) is b and _add_gradients(a, None) is a


@pytest.mark.parametrize(
    "ngram_range", [(2, 2), (1,), (1, 0), (1.0, 2), (1, True), "1,2"], ids=repr
)
def test_invalid_ngram_range_raises(ngram_range):
    with pytest.raises(ValueError, match="ngram_range"):
        han(TINY, ngram_range=ngram_range).fit(["a b.", "c d."], [0, 1])


def test_regularized_model_round_trips_through_pickle_and_safe_save(
    regularized, keyword_data, tmp_path
):
    _, (docs, y, _) = keyword_data
    expected = regularized.predict_proba(docs)
    copied = copy.deepcopy(regularized)
    np.testing.assert_allclose(copied.predict_proba(docs), expected, rtol=1e-5)
    # Neither pickling nor copying renames the class in Keras' registry (scikeras' own
    # Model.__reduce__ would re-register it as ">HierarchicalAttentionModel", which a fresh
    # process cannot load).
    name = "skaquarium>HierarchicalAttentionModel"
    assert keras.saving.get_registered_name(HierarchicalAttentionModel) == name
    path = os.path.join(tempfile.mkdtemp(), "han.skaq")
    regularized.save(path)
    with zipfile.ZipFile(path) as zf, zipfile.ZipFile(zf.open("model.keras")) as keras_file:
        config = json.loads(keras_file.read("config.json"))
    assert config["registered_name"] == name

    def same_model(restored):
        assert isinstance(restored.model_, HierarchicalAttentionModel)
        assert restored.model_.adversarial_epsilon == 1.0
        assert restored.get_params()["ngram_range"] == (1, 3)

    restored = assert_round_trips(
        regularized, docs, "predict_proba", tmp_path, ways=("pickle", "save"), check=same_model
    )
    loaded = restored["save"]
    # Both go on training (from the averaged weights once loaded).
    loaded.set_params(warm_start=True, epochs=1).fit(docs, y)
    assert loaded.n_iter_ == 13


# -- pretrained word vectors ---------------------------------------------------------------


class FakeKeyedVectors:
    """Duck-types gensim's KeyedVectors: ``key_to_index`` and ``__getitem__``."""

    def __init__(self, vectors):
        self.key_to_index = {w: i for i, w in enumerate(vectors)}
        self._vectors = vectors

    def __getitem__(self, word):
        return self._vectors[word]

    def __contains__(self, word):
        return word in self.key_to_index


def test_pretrained_vectors_from_a_mapping_stay_frozen_when_not_trainable():
    docs, y, _ = make_keyword_docs(12, seed=4)
    rng = np.random.RandomState(0)
    vectors = {w: rng.normal(size=6).astype("float32") for w in FILLER[:10] + ["alpha"]}
    for emb in (vectors, FakeKeyedVectors(vectors)):
        model = han(TINY, embeddings=emb, trainable_embeddings=False, random_state=0).fit(docs, y)
        matrix = model.model_.get_layer("embedding").get_weights()[0]
        assert matrix.shape == (model.vocabulary_size_, 6)
        for w, v in vectors.items():
            np.testing.assert_allclose(matrix[model.tokenizer_.vocabulary_[w]], v)
        assert np.all(matrix[0] == 0)
        assert 0 < model.embedding_coverage_ < 1


def test_pretrained_matrix_aligned_with_a_vocabulary_or_with_ids():
    docs, y, _ = make_keyword_docs(12, seed=5)
    words = ["alpha", "omega", "market", "zzz"]
    matrix = np.arange(len(words) * 3, dtype="float32").reshape(len(words), 3)
    model = han(
        TINY, embeddings=matrix, embedding_vocabulary=words, trainable_embeddings=False
    ).fit(docs, y)
    emb = model.model_.get_layer("embedding").get_weights()[0]
    np.testing.assert_allclose(emb[model.tokenizer_.vocabulary_["omega"]], matrix[1])
    with pytest.raises(ValueError, match="embedding_vocabulary"):
        han(SMALL, epochs=1, embeddings=matrix).fit(docs, y)
    ids = HierarchicalTokenizer().fit(docs).transform(docs)
    id_matrix = np.ones((ids.max() + 1, 3), dtype="float32")
    model = han(TINY, embeddings=id_matrix).fit(ids, y)
    assert model.vocabulary_size_ == ids.max() + 1
    with pytest.raises(ValueError, match="needs text input"):
        han(SMALL, epochs=1, embeddings={"a": np.ones(3)}).fit(ids, y)
    with pytest.raises(ValueError, match="one row per id"):
        HANClassifier(epochs=1, embeddings=id_matrix[:-1], vocabulary_size=ids.max() + 1).fit(
            ids, y
        )


def test_ppmi_embeddings_are_trained_on_the_untruncated_training_text():
    docs, y, _ = make_keyword_docs(40, seed=6)
    model = han(
        TINY, embeddings="ppmi", trainable_embeddings=False, max_sentences=1, random_state=0
    ).fit(docs, y)
    matrix = model.model_.get_layer("embedding").get_weights()[0]
    assert matrix.shape == (model.vocabulary_size_, TINY["embedding_dim"])
    assert np.all(matrix[0] == 0)
    assert model.embedding_coverage_ == 1.0  # every word co-occurs with another
    assert not hasattr(model, "_ppmi_vectors")  # training-time state is not kept
    # The vectors are those of the full text, not of the single sentence the model keeps.
    expected = ppmi_svd(
        [
            [model.tokenizer_.vocabulary_[w] for s in doc for w in s]
            for doc in model.tokenizer_.tokenize(docs, truncate=False)
        ],
        model.vocabulary_size_,
        dim=TINY["embedding_dim"],
        window=5,
        random_state=0,
    )
    np.testing.assert_allclose(matrix[2:], expected[2:], rtol=1e-5, atol=1e-6)
    again = han(
        TINY, embeddings="ppmi", trainable_embeddings=False, max_sentences=1, random_state=0
    ).fit(iter(docs), y)  # an iterator of documents is read once
    np.testing.assert_array_equal(again.model_.get_layer("embedding").get_weights()[0], matrix)


def test_ppmi_embeddings_from_an_id_array_and_unknown_names_rejected():
    docs, y, _ = make_keyword_docs(20, seed=7)
    ids = HierarchicalTokenizer().fit(docs).transform(docs)
    model = han(TINY, embeddings="ppmi", random_state=0).fit(ids, y)
    assert model.embedding_coverage_ > 0.9
    with pytest.raises(ValueError, match="embeddings='glove' is not supported"):
        han(TINY, embeddings="glove").fit(docs, y)


# -- scikit-learn integration and persistence ----------------------------------------------


def test_tokenizer_then_classifier_pipeline_and_stratified_cv():
    # GridSearchCV and cross_val_score on raw text: test_conformance (in worker processes and
    # with meta-estimators). Here: the tokenizer feeding 3-D ids to the classifier in a
    # Pipeline, and the splitter scikit-learn chooses.
    docs, y, _ = make_keyword_docs(16, seed=6)
    assert isinstance(check_cv(3, y, classifier=is_classifier(HANClassifier())), StratifiedKFold)
    pipe = make_pipeline(HierarchicalTokenizer(), HANClassifier(random_state=0, **TINY))
    pipe.set_params(hanclassifier__word_units=6).fit(docs, y)
    assert pipe[-1].model_.get_layer("word_gru").layer.forward_layer.units == 6
    ids = pipe[0].transform(docs)
    assert ids.ndim == 3
    np.testing.assert_array_equal(pipe.predict(docs), pipe[-1].predict(ids))
    assert pipe.score(docs, y) == pipe[-1].score(ids, y)


def test_same_seed_same_predictions_and_clone():
    docs, y, _ = make_keyword_docs(12, seed=7)
    assert_same_seed_same_output(
        lambda **kw: HANClassifier(**TINY, **kw), (docs, y), lambda est: est.predict_proba(docs)
    )
    assert not hasattr(clone(HANClassifier(**TINY).fit(docs, y)), "classes_")


def test_warm_start_and_partial_fit_continue_training():
    docs, y, _ = make_keyword_docs(12, seed=8)
    model = HANClassifier(warm_start=True, random_state=0, **TINY).fit(docs, y)
    vocab = dict(model.tokenizer_.vocabulary_)
    model.fit(docs, y)
    model.partial_fit(docs[:10], y[:10])
    assert model.n_iter_ == 3 and model.tokenizer_.vocabulary_ == vocab


def test_early_stopping_records_validation_loss():
    docs, y, _ = make_keyword_docs(20, seed=9)
    params = {**TINY, "epochs": 2}
    model = HANClassifier(early_stopping=True, random_state=0, **params).fit(docs, y)
    assert len(model.validation_loss_curve_) == model.n_iter_


def test_pickle_and_safe_save_load_keep_predictions_and_vocabulary(fitted, keyword_data, tmp_path):
    _, (docs, _, _) = keyword_data
    ref = fitted.explain(docs[:1])[0]

    def same_text_model(restored):
        assert restored.tokenizer_.vocabulary_ == fitted.tokenizer_.vocabulary_
        first = restored.explain(docs[:1])[0]
        assert [s["sentence"] for s in first] == [s["sentence"] for s in ref]
        weights = [s["weight"] for s in first]
        np.testing.assert_allclose(weights, [s["weight"] for s in ref], rtol=1e-4)

    assert_round_trips(
        fitted, docs, "predict_proba", tmp_path, ways=("pickle", "save"), check=same_text_model
    )


def test_data_free_scikit_learn_api_checks():
    est = make_common_estimator()
    name = type(est).__name__
    check_parameters_default_constructible(name, est)
    check_no_attributes_set_in_init(name, est)
    check_get_params_invariance(name, est)
    check_set_params(name, est)
    tags = est.__sklearn_tags__()
    assert tags.input_tags.string and tags.input_tags.three_d_array
    assert tags.estimator_type == "classifier"


# -- real data -----------------------------------------------------------------------------


@pytest.mark.realdata
def test_r8_accuracy_beats_the_majority_class_by_far():
    from skaquarium.datasets import load_text_corpus

    r8 = load_text_corpus("R8", download_if_missing=False)
    rng = np.random.RandomState(0)
    train = rng.choice(len(r8.data_train), 2000, replace=False)
    X = [r8.data_train[i] for i in train]
    model = HANClassifier(
        max_words=120,
        max_features=8000,
        embedding_dim=50,
        word_units=32,
        sentence_units=16,
        attention_dim=50,
        epochs=3,
        batch_size=32,
        learning_rate=0.005,
        random_state=0,
        **PLAIN,  # the plain network, fast; test_default_recipe covers the recipe
    ).fit(X, r8.target_train[train])
    accuracy = model.score(r8.data_test, r8.target_test)
    majority = pd.Series(r8.target_test).value_counts(normalize=True).iloc[0]
    assert accuracy >= 0.85 > majority


def test_partial_fit_takes_every_class_up_front():
    docs, y, _ = make_keyword_docs(12, seed=7)
    first = [d for d, label in zip(docs, y) if label == "good"]
    model = HANClassifier(**TINY).partial_fit(first, ["good"] * len(first), classes=["bad", "good"])
    assert model.classes_.tolist() == ["bad", "good"]
    model.partial_fit(docs, y)  # the other class arrives later
    assert model.predict_proba(docs).shape == (len(docs), 2)


# -- the defaults --------------------------------------------------------------------------


def test_default_recipe_learns_and_resolves_its_auto_parameters(keyword_data):
    (docs, y, _), (test_docs, test_y, _) = keyword_data
    params = HANClassifier().get_params()
    assert params["embeddings"] == "ppmi" and params["ngram_range"] == (1, 2)
    assert (params["dropout"], params["label_smoothing"], params["adversarial_epsilon"]) == (
        0.5,
        0.1,
        3.0,
    )
    assert (params["epochs"], params["average_from_epoch"], params["max_slots"]) == (
        "auto",
        "auto",
        800,
    )
    # epochs="auto": about 45,000 documents presented, 3 to 50 epochs.
    sizes = (100, 2000, 5485, 7108, 11314, 25000)
    assert [HANClassifier()._epochs_for(np.empty(n)) for n in sizes] == [50, 22, 8, 6, 4, 3]
    model = HANClassifier(
        embedding_dim=16,
        word_units=12,
        sentence_units=12,
        attention_dim=16,
        min_df=1,
        ngram_buckets=1024,
        random_state=0,
    ).fit(docs, y)
    assert model.n_iter_ == 50  # 240 documents
    assert model._averaging["count"] == 49  # epochs 2 to 50 averaged
    assert model.embedding_coverage_ == 1.0  # PPMI vectors for every word
    assert model.score(test_docs, test_y) >= 0.9
    # A fit of one epoch with average_from_epoch="auto" keeps its weights (an int would raise).
    one = han(TINY, average_from_epoch="auto").fit(docs[:40], y[:40])
    assert one.n_iter_ == 1 and one._averaging is None
    with pytest.raises(ValueError, match="average_from_epoch=2 comes after"):
        HANClassifier(**{**TINY, "average_from_epoch": 2}).fit(docs[:40], y[:40])
