"""Tests of HierarchicalTokenizer: splitting, vocabulary, shapes, truncation, errors."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skaquarium.text import OOV_ID, PAD_ID, HierarchicalTokenizer, ppmi_svd, ppmi_word_vectors

DOCS = [
    "The cat sat on the mat. The dog barked!",
    "Is it raining? Yes.\nBring an umbrella<br />please",
    "the cat and the dog",
]


def test_sentence_and_word_splitting_lowercases_and_drops_empty_sentences():
    tok = HierarchicalTokenizer()
    assert tok.fit(DOCS).tokenize(DOCS, truncate=False) == [
        [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "barked"]],
        [["is", "it", "raining"], ["yes"], ["bring", "an", "umbrella"], ["please"]],
        [["the", "cat", "and", "the", "dog"]],
    ]
    assert tok.tokenize(["... !!! Hello, World's end."]) == [[["hello", "world's", "end"]]]


def test_vocabulary_ids_by_document_frequency_with_padding_and_oov():
    tok = HierarchicalTokenizer().fit(DOCS)
    vocab = tok.vocabulary_
    assert min(vocab.values()) == 2 and tok.vocabulary_size_ == len(vocab) + 2
    assert sorted(vocab.values()) == list(range(2, len(vocab) + 2))
    # "the", "cat", "dog" are in 2 documents: the lowest ids, alphabetical among equals.
    assert [vocab["cat"], vocab["dog"], vocab["the"]] == [2, 3, 4]
    words = tok.get_vocabulary()
    assert words[PAD_ID] == "" and words[OOV_ID] == "[UNK]" and words[vocab["mat"]] == "mat"


def test_min_df_and_max_features_limit_the_vocabulary():
    assert set(HierarchicalTokenizer(min_df=2).fit(DOCS).vocabulary_) == {"the", "cat", "dog"}
    assert list(HierarchicalTokenizer(max_features=2).fit(DOCS).vocabulary_) == ["cat", "dog"]


def test_transform_shape_padding_oov_and_alignment_with_tokenize():
    tok = HierarchicalTokenizer(max_sentences=3, max_words=4).fit(DOCS)
    new = ["The zebra sat. ", "", "Cat!"]
    ids = tok.transform(new)
    assert ids.shape == (3, 3, 4) and ids.dtype == np.int32
    assert ids[0, 0].tolist() == [tok.vocabulary_["the"], OOV_ID, tok.vocabulary_["sat"], 0]
    assert not ids[0, 1:].any()
    assert not ids[1].any()  # an empty document is all padding
    for doc_ids, doc_words in zip(ids, tok.tokenize(new)):
        for sentence_ids, words in zip(doc_ids, doc_words):
            assert np.count_nonzero(sentence_ids) == len(words)


def test_truncation_keeps_the_beginning():
    tok = HierarchicalTokenizer(max_sentences=1, max_words=2).fit(DOCS)
    assert tok.tokenize(DOCS[:1]) == [[["the", "cat"]]]
    assert tok.transform(DOCS[:1]).shape == (1, 1, 2)
    assert len(tok.tokenize(DOCS[:1], truncate=False)[0]) == 2


def test_chunk_words_splits_long_sentences_into_pieces():
    tok = HierarchicalTokenizer(chunk_words=2).fit(DOCS)
    assert tok.tokenize(DOCS[2:]) == [[["the", "cat"], ["and", "the"], ["dog"]]]
    assert tok.max_words_ == 2


def test_pack_sentences_joins_whole_sentences_into_rows():
    docs = ["A b. C d e. F. G h i j k l. M.", "N o."]
    tok = HierarchicalTokenizer(max_words=4, pack_sentences=True).fit(docs)
    # Whole sentences only; a sentence longer than a row is a piece of its own (then truncated).
    assert tok.tokenize(docs, truncate=False) == [
        [["a", "b"], ["c", "d", "e", "f"], ["g", "h", "i", "j", "k", "l"], ["m"]],
        [["n", "o"]],
    ]
    assert tok.max_sentences_ == 4  # counted in pieces (95th percentile of 4 and 1, ceiled)
    ids = tok.transform(docs)
    assert ids.shape == (2, 4, 4)
    assert (ids[0, 2] != 0).all() and (ids[0, 3, 1:] == 0).all()
    # Without packing each sentence takes a row of its own.
    plain = HierarchicalTokenizer(max_words=4).fit(docs)
    assert plain.max_sentences_ == 5
    assert (plain.transform(docs) != 0).sum() == (ids != 0).sum()


def test_auto_chunks_only_text_without_sentence_boundaries():
    rng = np.random.RandomState(0)
    words = [f"w{i}" for i in range(50)]
    lengths = rng.randint(60, 200, size=40)
    unpunctuated = [" ".join(rng.choice(words, n)) for n in lengths]  # one "sentence" each
    # Unfitted, "auto" has nothing to decide from yet: sentences stay whole.
    assert HierarchicalTokenizer().tokenize(unpunctuated[:1], truncate=False)[0] == [
        unpunctuated[0].split()
    ]
    tok = HierarchicalTokenizer().fit(unpunctuated)
    expected = int(np.clip(np.round(np.sqrt(np.percentile(lengths, 95))), 10, 40))
    assert tok.chunk_words_ == expected
    pieces = tok.tokenize(unpunctuated[:1], truncate=False)[0]
    assert len(pieces) == int(np.ceil(lengths[0] / expected))
    assert [w for p in pieces for w in p] == unpunctuated[0].split()
    # Punctuated text keeps its sentences, and None never splits.
    punctuated = [". ".join(" ".join(rng.choice(words, 12)) for _ in range(8)) for _ in range(20)]
    assert HierarchicalTokenizer().fit(punctuated).chunk_words_ is None
    assert HierarchicalTokenizer(chunk_words=None).fit(unpunctuated).chunk_words_ is None
    assert HierarchicalTokenizer(chunk_words=7).fit(punctuated).chunk_words_ == 7
    with pytest.raises(ValueError, match="chunk_words"):
        HierarchicalTokenizer(chunk_words="sometimes").fit(punctuated)


def test_default_limits_come_from_the_length_percentile():
    docs = ["w. " * n for n in range(1, 21)] + ["a b c d e f g h i j"]
    tok = HierarchicalTokenizer().fit(docs)
    counts = [len(d) for d in tok.tokenize(docs, truncate=False)]
    assert tok.max_sentences_ == int(np.ceil(np.percentile(counts, 95)))
    assert tok.max_words_ == 1  # 95% of the sentences have one word
    assert HierarchicalTokenizer(percentile=100).fit(docs).max_words_ == 10


def test_accepts_arrays_and_series_and_works_in_a_pipeline():
    tok = HierarchicalTokenizer().fit(np.array(DOCS, dtype=object))
    expected = tok.transform(DOCS)
    np.testing.assert_array_equal(tok.transform(pd.Series(DOCS)), expected)
    pipe = make_pipeline(HierarchicalTokenizer(), FunctionTransformer(lambda a: a.sum(axis=2)))
    assert pipe.fit_transform(DOCS).shape == expected.shape[:2]


@pytest.mark.parametrize(
    "X, match",
    [
        (["ok", None], r"X\[1\] is None"),
        (["ok", 3], r"X\[1\] is 3 of type int"),
        ([], "X is empty"),
        ("one string", "single string"),
        (np.array([["a", "b"]]), "1-D"),
    ],
)
def test_invalid_documents_raise_value_error_naming_the_problem(X, match):
    with pytest.raises(ValueError, match=match):
        HierarchicalTokenizer().fit(X)
    fitted = HierarchicalTokenizer().fit(DOCS)
    with pytest.raises(ValueError, match=match):
        fitted.transform(X)


def test_invalid_parameters_are_rejected_at_fit():
    with pytest.raises(ValueError, match="min_df"):
        HierarchicalTokenizer(min_df=0).fit(DOCS)
    with pytest.raises(ValueError, match="max_sentences"):
        HierarchicalTokenizer(max_sentences=0).fit(DOCS)


def test_unfitted_transform_raises_and_empty_strings_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        HierarchicalTokenizer().transform(DOCS)
    tok = HierarchicalTokenizer().fit(["", ""])
    assert tok.vocabulary_ == {} and tok.transform(["", "x"]).shape == (2, 1, 1)
    assert tok.transform(["x"])[0, 0, 0] == OOV_ID


def test_clone_and_pickle_round_trip():
    tok = HierarchicalTokenizer(min_df=1, max_words=3).fit(DOCS)
    assert clone(tok).get_params() == tok.get_params()
    again = pickle.loads(pickle.dumps(tok))
    np.testing.assert_array_equal(again.transform(DOCS), tok.transform(DOCS))


def test_tags_declare_text_input():
    tags = HierarchicalTokenizer().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array


def _topic_docs(n, seed):
    """Documents drawn from two disjoint word groups, so words of one group co-occur."""
    rng = np.random.RandomState(seed)
    groups = [
        "cat dog horse cow sheep goat pig duck".split(),
        "car bus train plane boat truck bike tram".split(),
    ]
    return [" ".join(rng.choice(groups[i % 2], 12)) for i in range(n)]


def test_ppmi_word_vectors_put_co_occurring_words_together():
    docs = _topic_docs(60, seed=0)
    vectors = ppmi_word_vectors(docs, dim=4, window=3, random_state=0)
    assert set(vectors) == set(" ".join(docs).split())
    for v in vectors.values():
        assert v.shape == (4,) and v.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(v), 1.0, rtol=1e-5)
    same = vectors["cat"] @ vectors["dog"]
    other = vectors["cat"] @ vectors["car"]
    assert same > other + 0.5
    again = ppmi_word_vectors(docs, dim=4, window=3, random_state=0)
    for w in vectors:
        np.testing.assert_array_equal(vectors[w], again[w])


def _random_documents(n, seed):
    """Documents of random sentence counts and lengths (the words do not matter here)."""
    rng = np.random.RandomState(seed)
    return [
        ". ".join(
            " ".join("w" for _ in range(rng.randint(1, 30))) for _ in range(rng.randint(1, 40))
        )
        + "."
        for _ in range(n)
    ]


def test_max_slots_picks_the_shape_that_keeps_the_most_words():
    docs = _random_documents(120, seed=0)
    plain = HierarchicalTokenizer().fit(docs)
    split = plain.tokenize(docs, truncate=False)
    assert plain.max_sentences_ * plain.max_words_ > 300  # the percentiles exceed the budget

    def kept(s, w):
        return sum(min(len(x), w) for d in split for x in d[:s])

    for budget in (60, 300):
        tok = HierarchicalTokenizer(max_slots=budget).fit(docs)
        s, w = tok.max_sentences_, tok.max_words_
        assert s * w <= budget and s <= plain.max_sentences_ and w <= plain.max_words_
        best = max(
            kept(min(plain.max_sentences_, budget // w2), w2)
            for w2 in range(1, plain.max_words_ + 1)
            if budget // w2 >= 1
        )
        assert kept(s, w) == best  # no shape within the budget keeps more words
        assert tok.transform(docs).shape == (len(docs), s, w)
    # A budget above the percentiles' shape changes nothing.
    roomy = HierarchicalTokenizer(max_slots=10**6).fit(docs)
    assert (roomy.max_sentences_, roomy.max_words_) == (plain.max_sentences_, plain.max_words_)
    # With one limit given, the other is its percentile or the budget over the given one.
    fixed = HierarchicalTokenizer(max_words=20, max_slots=200).fit(docs)
    assert (fixed.max_sentences_, fixed.max_words_) == (min(10, plain.max_sentences_), 20)
    fixed = HierarchicalTokenizer(max_sentences=50, max_slots=200).fit(docs)
    assert (fixed.max_sentences_, fixed.max_words_) == (50, 4)
    both = HierarchicalTokenizer(max_sentences=50, max_words=50, max_slots=200).fit(docs)
    assert (both.max_sentences_, both.max_words_) == (50, 50)  # given limits are kept
    packed = HierarchicalTokenizer(max_slots=300, pack_sentences=True).fit(docs)
    assert packed.max_sentences_ * packed.max_words_ <= 300


def test_ppmi_word_vectors_min_df_and_max_features():
    docs = _topic_docs(20, seed=1) + ["zebra cat"]
    assert "zebra" not in ppmi_word_vectors(docs, dim=3, random_state=0)
    assert "zebra" in ppmi_word_vectors(docs, dim=3, min_df=1, random_state=0)
    assert len(ppmi_word_vectors(docs, dim=3, max_features=5, random_state=0)) <= 5


def test_ppmi_svd_skips_padding_and_unknown_ids_and_handles_tiny_input():
    vectors = ppmi_svd([[2, 1, 3, 0, 2, 3]], 4, dim=8, window=1, random_state=0)
    assert vectors.shape == (4, 8)
    assert not vectors[:2].any()
    # Padding and unknown ids are dropped before the window: 2 and 3 co-occur.
    assert vectors[2].any() and vectors[3].any()
    assert not ppmi_svd([[2], []], 4, dim=3).any()  # nothing co-occurs: all zero
