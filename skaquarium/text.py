"""Text to ``(documents, sentences, words)`` id tensors, as a scikit-learn transformer.

:class:`HierarchicalTokenizer` splits raw documents into sentences and words, learns a vocabulary
from training text and turns documents into the padded 3-D integer arrays that hierarchical models
such as :class:`skaquarium.HANClassifier` read (0 is padding, 1 an out-of-vocabulary word).
"""

from __future__ import annotations

import re
from collections import Counter
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._base import register_saveable

__all__ = ["HierarchicalTokenizer", "PAD_ID", "OOV_ID"]

#: Id of padding positions (no word).
PAD_ID = 0
#: Id of words that are not in the vocabulary.
OOV_ID = 1

_DEFAULT_SENTENCE_PATTERN = r"(?<=[.!?])\s+|\s*[\r\n]+\s*|\s*<br\s*/?>\s*"
_DEFAULT_TOKEN_PATTERN = r"\w+(?:'\w+)?"


def check_documents(X, name="X"):
    """Return ``X`` as a list of str, or raise a ValueError naming the first bad document.

    Parameters
    ----------
    X : iterable of str
        A list, 1-D array or Series of documents.
    name : str, default="X"
        How error messages call the input.

    Returns
    -------
    docs : list of str

    Examples
    --------
    >>> from skaquarium.text import check_documents
    >>> check_documents(("A cat sat.", "A dog ran."))
    ['A cat sat.', 'A dog ran.']
    >>> check_documents("A cat sat.")
    Traceback (most recent call last):
    ...
    ValueError: X must be an iterable of documents (a list, 1-D array or Series of str); got a single string. Wrap it in a list.
    >>> check_documents(["A cat sat.", None], name="docs")
    Traceback (most recent call last):
    ...
    ValueError: docs[1] is None of type NoneType; every document must be a str (use '' for an empty document).
    """
    if isinstance(X, (str, bytes)):
        raise ValueError(
            f"{name} must be an iterable of documents (a list, 1-D array or Series of str); got a "
            "single string. Wrap it in a list."
        )
    if hasattr(X, "ndim") and getattr(X, "ndim", 1) != 1:
        raise ValueError(
            f"{name} must be a 1-D sequence of documents (str); got an array of shape "
            f"{getattr(X, 'shape', None)}."
        )
    try:
        docs = list(X)
    except TypeError:
        raise ValueError(
            f"{name} must be an iterable of documents (str); got {type(X).__name__}."
        ) from None
    if len(docs) == 0:
        raise ValueError(f"{name} is empty: at least one document (str) is required.")
    for i, doc in enumerate(docs):
        if not isinstance(doc, str):
            raise ValueError(
                f"{name}[{i}] is {doc!r} of type {type(doc).__name__}; every document must be a "
                "str (use '' for an empty document)."
            )
    return docs


@register_saveable
class HierarchicalTokenizer(TransformerMixin, BaseEstimator):
    """Split documents into sentences and words and encode them as a padded 3-D id array.

    Each document is split into sentences (at ``.``, ``!`` or ``?`` followed by white space, at
    line breaks and at HTML ``<br />`` tags), each sentence into lower-cased words
    (``token_pattern``); sentences without any word are dropped. The vocabulary is learned at
    ``fit``: word ids start at 2, most frequent words first, because id 0 is padding and id 1 is
    any out-of-vocabulary word.

    Parameters
    ----------
    max_sentences : int or None, default=None
        Sentences kept per document; later sentences are dropped (truncation keeps the beginning
        of a document). None: the 95th percentile of the training documents' sentence counts.
    max_words : int or None, default=None
        Words kept per sentence; later words are dropped. None: the 95th percentile of the
        training sentences' lengths.
    min_df : int, default=1
        Keep only words that occur in at least this many training documents.
    max_features : int or None, default=None
        Keep at most this many words (the most frequent by document frequency, ties broken
        alphabetically). None: no limit.
    lowercase : bool, default=True
        Lower-case the text before splitting it into words.
    token_pattern : str, default=r"\\w+(?:'\\w+)?"
        Regular expression whose matches are the words.
    sentence_pattern : str, default=r"(?<=[.!?])\\s+|\\s*[\\r\\n]+\\s*|\\s*<br\\s*/?>\\s*"
        Regular expression at whose matches documents are split into sentences.
    percentile : float, default=95.0
        Percentile of the training lengths used for ``max_sentences``/``max_words`` when they are
        None.
    chunk_words : int or None, default=None
        Split sentences longer than this many words into consecutive pieces of at most this
        length, each then treated as a sentence. Useful for text without sentence punctuation
        (e.g. the Reuters corpora), where a document is otherwise one long sentence. None: no
        splitting.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Word to id (ids 2 and up).
    max_sentences_ : int
        Number of sentences per document in the output.
    max_words_ : int
        Number of words per sentence in the output.
    vocabulary_size_ : int
        ``len(vocabulary_) + 2``: the number of ids, padding and out-of-vocabulary included.

    See Also
    --------
    skaquarium.HANClassifier : The hierarchical attention network that reads this encoding.
    sklearn.feature_extraction.text.CountVectorizer : Bag-of-words encoding of documents.

    Notes
    -----
    A document longer than ``max_sentences_`` sentences keeps its first ``max_sentences_``
    sentences; a sentence longer than ``max_words_`` words keeps its first ``max_words_`` words.
    Shorter documents and sentences are padded with 0 at the end. An empty string is a valid
    document: it is encoded as padding only.

    Examples
    --------
    >>> from skaquarium.text import HierarchicalTokenizer
    >>> docs = ["The cat sat. The dog ran!", "A bird sang."]
    >>> tok = HierarchicalTokenizer().fit(docs)
    >>> ids = tok.transform(["The cat sang. Zebras ran."])
    >>> ids.shape
    (1, 2, 3)
    >>> tok.tokenize(["The cat sang. Zebras ran."])
    [[['the', 'cat', 'sang'], ['zebras', 'ran']]]
    >>> int(ids[0, 1, 0])  # "zebras" was not seen at fit: the out-of-vocabulary id
    1
    """

    _parameter_constraints: dict = {
        "max_sentences": [Interval(Integral, 1, None, closed="left"), None],
        "max_words": [Interval(Integral, 1, None, closed="left"), None],
        "min_df": [Interval(Integral, 1, None, closed="left")],
        "max_features": [Interval(Integral, 1, None, closed="left"), None],
        "lowercase": ["boolean"],
        "token_pattern": [str],
        "sentence_pattern": [str],
        "percentile": [Interval(Real, 0, 100, closed="right")],
        "chunk_words": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        max_sentences=None,
        max_words=None,
        min_df=1,
        max_features=None,
        lowercase=True,
        token_pattern=_DEFAULT_TOKEN_PATTERN,
        sentence_pattern=_DEFAULT_SENTENCE_PATTERN,
        percentile=95.0,
        chunk_words=None,
    ):
        self.max_sentences = max_sentences
        self.max_words = max_words
        self.min_df = min_df
        self.max_features = max_features
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.sentence_pattern = sentence_pattern
        self.percentile = percentile
        self.chunk_words = chunk_words

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags

    def _split(self, docs):
        """Documents → sentences → words, untruncated; empty sentences dropped."""
        sent_re = re.compile(self.sentence_pattern)
        word_re = re.compile(self.token_pattern)
        out = []
        for doc in docs:
            if self.lowercase:
                doc = doc.lower()
            sentences = [w for w in (word_re.findall(s) for s in sent_re.split(doc) if s) if w]
            if self.chunk_words is not None:
                n = self.chunk_words
                sentences = [s[i : i + n] for s in sentences for i in range(0, len(s), n)]
            out.append(sentences)
        return out

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary and the output shape from training documents.

        Parameters
        ----------
        X : list, 1-D array or Series of str
            Training documents.
        y : None
            Ignored.

        Returns
        -------
        self : HierarchicalTokenizer
            The fitted tokenizer.
        """
        docs = self._split(check_documents(X))
        df = Counter()
        for doc in docs:
            df.update({w for s in doc for w in s})
        words = sorted((w for w, c in df.items() if c >= self.min_df), key=lambda w: (-df[w], w))
        if self.max_features is not None:
            words = words[: self.max_features]
        self.vocabulary_ = {w: i + 2 for i, w in enumerate(words)}
        self.vocabulary_size_ = len(words) + 2
        n_sentences = np.array([len(d) for d in docs])
        n_words = np.array([len(s) for d in docs for s in d])
        self.max_sentences_ = int(
            self.max_sentences
            if self.max_sentences is not None
            else max(1, np.ceil(np.percentile(n_sentences, self.percentile)))
        )
        self.max_words_ = int(
            self.max_words
            if self.max_words is not None
            else max(1, np.ceil(np.percentile(n_words, self.percentile)) if len(n_words) else 1)
        )
        return self

    def tokenize(self, X, *, truncate=True):
        """Split documents into sentences of lower-cased words.

        Parameters
        ----------
        X : list, 1-D array or Series of str
            Documents.
        truncate : bool, default=True
            Keep only what :meth:`transform` encodes (the first ``max_sentences_`` sentences and
            ``max_words_`` words of each); requires a fitted tokenizer.

        Returns
        -------
        documents : list of list of list of str
            For each document, its sentences; for each sentence, its words. Word ``j`` of sentence
            ``i`` of a document is the word encoded at ``[i, j]`` by :meth:`transform`.
        """
        docs = self._split(check_documents(X))
        if not truncate:
            return docs
        check_is_fitted(self)
        return [[s[: self.max_words_] for s in d[: self.max_sentences_]] for d in docs]

    def transform(self, X):
        """Encode documents as a padded id array.

        Parameters
        ----------
        X : list, 1-D array or Series of str
            Documents.

        Returns
        -------
        ids : ndarray of shape (n_documents, max_sentences_, max_words_), dtype int32
            Word ids; 0 is padding, 1 an out-of-vocabulary word.
        """
        check_is_fitted(self)
        docs = self.tokenize(X)
        out = np.zeros((len(docs), self.max_sentences_, self.max_words_), dtype=np.int32)
        vocab = self.vocabulary_
        for i, doc in enumerate(docs):
            for j, sentence in enumerate(doc):
                out[i, j, : len(sentence)] = [vocab.get(w, OOV_ID) for w in sentence]
        return out

    def get_vocabulary(self):
        """Return the words ordered by id: ``words[i]`` is the word of id ``i``.

        Returns
        -------
        words : ndarray of str of shape (vocabulary_size_,)
            ``words[0]`` is ``""`` (padding) and ``words[1]`` is ``"[UNK]"``.
        """
        check_is_fitted(self)
        words = np.empty(self.vocabulary_size_, dtype=object)
        words[PAD_ID], words[OOV_ID] = "", "[UNK]"
        for w, i in self.vocabulary_.items():
            words[i] = w
        return words
