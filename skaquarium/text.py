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
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.decomposition import TruncatedSVD
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._persistence import register_saveable

__all__ = [
    "HierarchicalTokenizer",
    "PAD_ID",
    "OOV_ID",
    "check_documents",
    "ppmi_svd",
    "ppmi_word_vectors",
]

#: Id of padding positions (no word).
PAD_ID = 0
#: Id of words that are not in the vocabulary.
OOV_ID = 1

#: A median "sentence" longer than this many words means the text has no sentence boundaries.
_LONGEST_MEDIAN_SENTENCE = 40
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
    chunk_words : int, "auto" or None, default="auto"
        Split sentences longer than this many words into consecutive pieces of at most this
        length, each then treated as a sentence, for text without sentence punctuation (e.g. the
        Reuters corpora R8 and R52 as distributed), where a document is otherwise one long
        "sentence" and sentence attention has nothing to choose from. "auto" decides from the
        training documents: when their median sentence is longer than 40 words (longer than
        nearly every sentence of punctuated text), there are no real sentence boundaries, and
        sentences are cut into pieces of about the square root of the 95th-percentile document
        length (between 10 and 40 words), so a typical long document has about as many pieces
        as a piece has words; otherwise nothing is split. None: never split.
    pack_sentences : bool, default=False
        Join consecutive sentences into pieces of at most ``max_words_`` words (whole sentences
        only: a sentence that does not fit in the current piece starts the next one; a longer
        sentence is a piece of its own), each piece then treated as a sentence. Short sentences
        otherwise fill a row of ``max_words_`` words with padding that the word encoder still
        reads: on 20 Newsgroups with 20-word rows, 38% of the word slots of a batch hold a word
        without packing. Packed, the same words take fewer rows, so a model reads them in less
        time (or reads more of each document in the same time); sentence attention then weighs
        pieces of whole sentences. ``max_sentences`` (or its percentile) counts pieces.
    max_slots : int or None, default=None
        Most word slots per document, ``max_sentences_ * max_words_``, for the limits left at
        None (a model's work per document grows with its slots). With both limits None, the
        shape of at most ``max_slots`` slots that holds the most words of the training
        documents, each limit at most its percentile (a corpus of many short sentences gets
        many short rows, one of long sentences fewer, longer rows); with one limit given, the
        other is its percentile or ``max_slots`` divided by the given limit, whichever is
        smaller. None: the percentiles.

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
    chunk_words_ : int or None
        The piece length that long sentences are split into (``chunk_words`` resolved), or None.

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
        "chunk_words": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "pack_sentences": ["boolean"],
        "max_slots": [Interval(Integral, 1, None, closed="left"), None],
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
        chunk_words="auto",
        pack_sentences=False,
        max_slots=None,
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
        self.pack_sentences = pack_sentences
        self.max_slots = max_slots

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
            out.append([w for w in (word_re.findall(s) for s in sent_re.split(doc) if s) if w])
        return out

    @staticmethod
    def _chunk(docs, n):
        """Sentences longer than ``n`` words cut into consecutive pieces (None: as they are)."""
        if n is None:
            return docs
        return [[s[i : i + n] for s in d for i in range(0, len(s), n)] for d in docs]

    @staticmethod
    def _pack(docs, n):
        """Consecutive whole sentences joined into pieces of at most ``n`` words."""
        packed = []
        for doc in docs:
            pieces, piece = [], []
            for sentence in doc:
                if piece and len(piece) + len(sentence) > n:
                    pieces.append(piece)
                    piece = []
                piece = piece + sentence
            if piece:
                pieces.append(piece)
            packed.append(pieces)
        return packed

    def _fitted_pack(self, docs):
        # A tokenizer saved before pack_sentences existed does not pack.
        if getattr(self, "pack_sentences", False):
            return self._pack(docs, self.max_words_)
        return docs

    def _fitted_chunk_words(self):
        # A tokenizer saved before chunk_words_ existed holds an int or None; an unfitted one
        # with "auto" has not seen the training documents it decides from, so it does not split.
        n = getattr(self, "chunk_words_", self.chunk_words)
        return None if n == "auto" else n

    def _resolve_chunk_words(self, docs):
        """``chunk_words`` for ``fit``: "auto" decided from the (unsplit) training documents."""
        if self.chunk_words != "auto":
            return self.chunk_words
        lengths = [len(s) for d in docs for s in d]
        if not lengths or np.median(lengths) <= _LONGEST_MEDIAN_SENTENCE:
            return None
        doc_lengths = [sum(len(s) for s in d) for d in docs]
        piece = np.sqrt(np.percentile(doc_lengths, 95))
        return int(np.clip(np.round(piece), 10, 40))

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
        self.chunk_words_ = self._resolve_chunk_words(docs)
        docs = self._chunk(docs, self.chunk_words_)
        df = Counter()
        for doc in docs:
            df.update({w for s in doc for w in s})
        words = sorted((w for w, c in df.items() if c >= self.min_df), key=lambda w: (-df[w], w))
        if df and not words:
            raise ValueError(
                f"After pruning with min_df={self.min_df}, no words remain: the most frequent of "
                f"the {len(df)} words is in {max(df.values())} of the {len(docs)} documents. "
                "Lower min_df."
            )
        if self.max_features is not None:
            words = words[: self.max_features]
        self.vocabulary_ = {w: i + 2 for i, w in enumerate(words)}
        self.vocabulary_size_ = len(words) + 2
        self.max_sentences_, self.max_words_ = self._fit_shape(docs)
        return self

    def _percentile(self, values):
        return max(1, int(np.ceil(np.percentile(values, self.percentile)))) if len(values) else 1

    def _fit_shape(self, docs):
        """``(max_sentences_, max_words_)`` from the (chunked) training documents."""
        words = self.max_words
        if words is None:
            words = self._percentile([len(s) for d in docs for s in d])
            budget = self.max_slots
            if budget is not None and self.max_sentences is not None:
                words = max(1, min(words, budget // self.max_sentences))
        if self.pack_sentences:
            docs = self._pack(docs, words)
        sentences = self.max_sentences
        if sentences is None:
            sentences = self._percentile([len(d) for d in docs])
            if self.max_slots is not None:
                if self.max_words is None and not self.pack_sentences:
                    return self._fullest_shape(docs, sentences, words, self.max_slots)
                sentences = max(1, min(sentences, self.max_slots // words))
        return int(sentences), int(words)

    @staticmethod
    def _fullest_shape(docs, max_sentences, max_words, budget):
        """The shape ``(s, w)``, ``s <= max_sentences``, ``w <= max_words``, ``s * w <= budget``,
        that keeps the most words of ``docs`` (ties: the longer rows).

        Computed from a table of the sentence lengths per position (a sentence at position ``p``
        of length ``l`` keeps ``min(l, w)`` words in every shape with ``s > p``), so the cost
        is one pass over the sentences and a ``max_sentences x max_words`` table.
        """
        positions = np.concatenate(
            [np.arange(min(len(d), max_sentences)) for d in docs] or [np.zeros(0, int)]
        ).astype(np.int64)
        lengths = np.concatenate(
            [[min(len(s), max_words) for s in d[:max_sentences]] for d in docs] or [[]]
        ).astype(np.int64)
        counts = np.zeros((max_sentences, max_words + 1))
        np.add.at(counts, (positions, lengths), 1)
        width = np.arange(1, max_words + 1)
        kept = counts @ np.minimum(np.arange(max_words + 1)[:, None], width[None, :])
        kept = np.cumsum(kept, axis=0)  # kept[s - 1, w - 1]: words in shape (s, w)
        rows = np.minimum(max_sentences, budget // width)
        usable = rows >= 1
        if not usable.any():
            return 1, max(1, min(max_words, budget))
        score = np.where(usable, kept[np.maximum(rows, 1) - 1, width - 1], -1)
        best = len(score) - 1 - int(np.argmax(score[::-1]))
        return int(rows[best]), int(width[best])

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
            For each document, its sentences (pieces of sentences with ``chunk_words``, of
            joined sentences with ``pack_sentences``; a fitted tokenizer's); for each, its words. Word ``j`` of sentence
            ``i`` of a document is the word encoded at ``[i, j]`` by :meth:`transform`.
        """
        docs = self._chunk(self._split(check_documents(X)), self._fitted_chunk_words())
        if hasattr(self, "max_words_"):
            docs = self._fitted_pack(docs)
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


def ppmi_svd(sequences, n_ids, *, dim=100, window=5, random_state=None):
    """Word vectors of integer id sequences: positive PMI of a co-occurrence window, then SVD.

    Ids ``0`` and ``1`` (padding and out-of-vocabulary) are removed before the window is applied,
    so the words on either side of them become neighbours. The vectors are the left
    singular vectors of the PPMI matrix scaled by the square roots of the singular values (Levy,
    Goldberg and Dagan, 2015), normalised to unit length.

    Parameters
    ----------
    sequences : iterable of sequences of int
        Each sequence is a run of text as word ids (a document, its sentences joined).
    n_ids : int
        Number of ids: every id is below it.
    dim : int, default=100
        Size of the vectors.
    window : int, default=5
        Words at most this far apart co-occur (both directions).
    random_state : int, RandomState instance or None, default=None
        Seed of the randomized SVD.

    Returns
    -------
    vectors : ndarray of shape (n_ids, dim), dtype float32
        Row ``i`` is the vector of id ``i``; rows of ids that never co-occur with a word are
        zero.

    Examples
    --------
    >>> from skaquarium.text import ppmi_svd
    >>> vectors = ppmi_svd([[2, 3, 4, 2, 3], [4, 5, 2]], 6, dim=2, window=2, random_state=0)
    >>> vectors.shape
    (6, 2)
    >>> bool((vectors[:2] == 0).all())  # padding and out-of-vocabulary ids get no vector
    True
    """
    rows, cols = [], []
    for seq in sequences:
        seq = np.asarray(seq, dtype=np.int64).ravel()
        seq = seq[seq > OOV_ID]
        for k in range(1, window + 1):
            rows.append(seq[:-k])
            cols.append(seq[k:])
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    vectors = np.zeros((n_ids, dim), dtype=np.float32)
    if len(r) == 0:
        return vectors
    counts = sp.coo_matrix((np.ones(len(r), np.float64), (r, c)), shape=(n_ids, n_ids)).tocsr()
    counts = (counts + counts.T).tocoo()  # symmetric window: both directions
    total = counts.data.sum()
    word_p = np.asarray(counts.sum(axis=1)).ravel() / total
    context = np.asarray(counts.sum(axis=0)).ravel() ** 0.75  # smoothed context distribution
    context_p = context / context.sum()
    pmi = np.log((counts.data / total) / (word_p[counts.row] * context_p[counts.col]))
    keep = pmi > 0
    ppmi = sp.csr_matrix((pmi[keep], (counts.row[keep], counts.col[keep])), shape=(n_ids, n_ids))
    k = min(dim, n_ids - 1)
    if ppmi.nnz == 0 or k < 1:
        return vectors
    svd = TruncatedSVD(k, algorithm="randomized", n_iter=5, random_state=random_state)
    u = svd.fit_transform(ppmi) / np.sqrt(np.maximum(svd.singular_values_, 1e-12))
    norms = np.linalg.norm(u, axis=1, keepdims=True)
    vectors[:, :k] = np.where(norms > 1e-8, u / np.maximum(norms, 1e-8), 0.0)
    return vectors


def ppmi_word_vectors(X, *, dim=100, window=5, min_df=2, max_features=None, random_state=None):
    """Train word vectors on documents: PPMI of a co-occurrence window, reduced by SVD.

    A fast, deterministic count-based alternative to word2vec that needs nothing beyond SciPy
    and scikit-learn (Levy, Goldberg and Dagan, 2015). The documents are split into words as by
    :class:`HierarchicalTokenizer` (lower-cased, sentences joined); words that co-occur within
    ``window`` positions are counted, the counts become positive pointwise mutual information
    (with the context distribution smoothed to the power 0.75), and a truncated SVD of that
    matrix gives the vectors. Suitable as ``HANClassifier(embeddings=...)``; ``HANClassifier``
    trains them itself on its training text with ``embeddings="ppmi"``.

    Parameters
    ----------
    X : list, 1-D array or Series of str
        Documents.
    dim : int, default=100
        Size of the vectors.
    window : int, default=5
        Words at most this far apart co-occur.
    min_df : int, default=2
        Only words in at least this many documents get a vector.
    max_features : int or None, default=None
        At most this many words (the most frequent by document frequency).
    random_state : int, RandomState instance or None, default=None
        Seed of the randomized SVD.

    Returns
    -------
    vectors : dict of str to ndarray of shape (dim,)
        Unit-length vector of each word that co-occurs with at least one other kept word.

    References
    ----------
    Omer Levy, Yoav Goldberg and Ido Dagan. 2015. Improving Distributional Similarity with
    Lessons Learned from Word Embeddings. TACL 3, 211-225.

    Examples
    --------
    >>> from skaquarium.text import ppmi_word_vectors
    >>> docs = ["the cat sat on the mat", "the dog sat on the log",
    ...         "a cat and a dog", "the cat ate", "the dog ate"] * 3
    >>> vectors = ppmi_word_vectors(docs, dim=3, random_state=0)
    >>> vectors["cat"].shape
    (3,)
    >>> round(float(vectors["cat"] @ vectors["cat"]), 4)
    1.0
    """
    tok = HierarchicalTokenizer(min_df=min_df, max_features=max_features).fit(X)
    vocab = tok.vocabulary_
    sequences = (
        [vocab.get(w, OOV_ID) for s in doc for w in s] for doc in tok.tokenize(X, truncate=False)
    )
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    matrix = ppmi_svd(sequences, tok.vocabulary_size_, dim=dim, window=window, random_state=seed)
    return {w: matrix[i] for w, i in vocab.items() if matrix[i].any()}
