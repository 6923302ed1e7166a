"""
Attention over sentences and words in IMDB reviews
==================================================

:class:`~skaquarium.HANClassifier` reads raw movie reviews as sentences of words and classifies
their sentiment. Its two attention layers say which sentences, and which words within them,
decided the class. The example shows

* the accuracy of the network beside linear baselines (TF-IDF with logistic regression and a
  linear SVM, bag of words with naive Bayes) trained on the same reviews,
* an attention heat map of one review: its sentences × its words, with the sentence weights,
* the most important sentences of a few reviews.

To keep the gallery fast, the network is small (half the paper's sizes) and trained for three
epochs on 2,000 reviews; with so little data a linear model is hard to beat, and the benchmark in
the user guide gives the comparison at full size.
"""

# %%
# Data
# ----
# :func:`~skaquarium.datasets.load_imdb` reads the labelled IMDB reviews (25,000 for training and
# 25,000 for testing) from the data home. A random subset of each split is used here.
import time

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm

from skaquarium import HANClassifier
from skaquarium.datasets import load_imdb

imdb = load_imdb(download_if_missing=False)
rng = np.random.RandomState(0)
train_rows = rng.choice(len(imdb.data_train), size=2000, replace=False)
test_rows = rng.choice(len(imdb.data_test), size=1000, replace=False)
X_train = [imdb.data_train[k] for k in train_rows]
y_train = np.array(imdb.target_names)[imdb.target_train[train_rows]]
X_test = [imdb.data_test[k] for k in test_rows]
y_test = np.array(imdb.target_names)[imdb.target_test[test_rows]]
print(f"{len(X_train)} training reviews, {len(X_test)} test reviews; labels {imdb.target_names}")

# %%
# Fit
# ---
# The estimator takes the raw text: it fits its own
# :class:`~skaquarium.HierarchicalTokenizer` (sentence and word splitting, vocabulary) inside
# ``fit``. ``max_sentences`` and ``max_words`` bound the part of each review that is read.
start = time.perf_counter()
han = HANClassifier(
    max_sentences=15,
    max_words=40,
    min_df=3,
    embedding_dim=50,
    word_units=25,
    sentence_units=25,
    attention_dim=50,
    epochs=3,
    random_state=0,
)
han.fit(X_train, y_train)
han_seconds = time.perf_counter() - start
print(
    f"fitted in {han_seconds:.0f} s; vocabulary of {han.vocabulary_size_:,} ids; "
    f"training loss per epoch {np.round(han.loss_curve_, 3).tolist()}"
)

# %%
# Accuracy against linear baselines
# ---------------------------------
# The baselines are scikit-learn pipelines fitted on the same 2,000 reviews and scored on the same
# 1,000 test reviews.
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

accuracy = {"HANClassifier": han.score(X_test, y_test)}
seconds = {"HANClassifier": han_seconds}
baselines = {
    "TF-IDF + logistic regression": make_pipeline(
        TfidfVectorizer(min_df=2, ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=10, max_iter=1000),
    ),
    "TF-IDF + linear SVM": make_pipeline(
        TfidfVectorizer(min_df=2, ngram_range=(1, 2), sublinear_tf=True), LinearSVC(C=0.5)
    ),
    "counts + naive Bayes": make_pipeline(CountVectorizer(min_df=2), MultinomialNB()),
}
for name, pipe in baselines.items():
    start = time.perf_counter()
    pipe.fit(X_train, y_train)
    seconds[name] = time.perf_counter() - start
    accuracy[name] = pipe.score(X_test, y_test)
for name in accuracy:
    print(f"{name:>30}: accuracy {accuracy[name]:.3f}  (fit {seconds[name]:.1f} s)")

fig, ax = plt.subplots(figsize=(6.5, 2.8))
colors = ["tab:blue"] + ["0.6"] * len(baselines)
bars = ax.barh(list(accuracy), list(accuracy.values()), color=colors)
ax.bar_label(bars, fmt="%.3f", padding=3)
ax.set_xlim(0.5, 1.0)
ax.invert_yaxis()
ax.set_xlabel("test accuracy (1,000 reviews)")
ax.set_title("IMDB sentiment, 2,000 training reviews")
fig.tight_layout()

# %%
# An attention heat map
# ---------------------
# :meth:`~skaquarium.HANClassifier.explain` returns, for each review, its sentences in order with
# their weight (summing to 1 over the review) and each word with its weight (summing to 1 over
# the sentence). We pick a short, correctly classified test review and draw its word weights as
# a heat map, one row per sentence, with the sentence weights beside it.
predicted = han.predict(X_test)
lengths = [
    (len(doc), max(len(s) for s in doc)) if doc else (0, 0)
    for doc in han.tokenizer_.tokenize(X_test)
]
candidates = [
    k
    for k, (n_sent, n_words) in enumerate(lengths)
    if 5 <= n_sent <= 8 and n_words <= 16 and predicted[k] == y_test[k]
]
doc = candidates[0]
explanation = han.explain([X_test[doc]])[0]
proba = han.predict_proba([X_test[doc]])[0]
print(f"Review {doc}: true {y_test[doc]}, predicted {predicted[doc]} (p={proba.max():.2f})\n")
print(X_test[doc])

n_rows = len(explanation)
n_cols = max(len(s["words"]) for s in explanation)
# Word weights sum to 1 within each sentence, so short sentences have larger weights. Multiplied
# by the sentence's length they read the same in every sentence: 1 is the uniform weight, above 1
# a word gets more attention than an average word of its sentence, below 1 less.
relative = np.full((n_rows, n_cols), np.nan)
for r, sentence in enumerate(explanation):
    w = np.array([w for _, w in sentence["words"]])
    relative[r, : len(w)] = w * len(w)

fig, (ax, side) = plt.subplots(
    1, 2, figsize=(12, 0.55 * n_rows + 1.4), gridspec_kw={"width_ratios": [n_cols, 1.5]}
)
norm = TwoSlopeNorm(vmin=0.0, vcenter=1.0, vmax=max(np.nanmax(relative), 1.5))
im = ax.imshow(relative, cmap="RdBu", norm=norm, aspect="auto")
for r, sentence in enumerate(explanation):
    for c, (word, _) in enumerate(sentence["words"]):
        color = "white" if norm(relative[r, c]) > 0.8 else "black"
        ax.text(c, r, word, ha="center", va="center", fontsize=8, color=color)
ax.set_xticks([])
ax.set_yticks(range(n_rows), [f"sentence {r + 1}" for r in range(n_rows)])
ax.set_title(f"Word attention (true: {y_test[doc]}, predicted: {predicted[doc]})")
fig.colorbar(im, ax=ax, fraction=0.02, pad=0.01, label="word weight × sentence length")
sentence_weights = np.array([s["weight"] for s in explanation])
bars = side.barh(range(n_rows), sentence_weights, color="tab:red")
side.bar_label(bars, fmt="%.2f", padding=2, fontsize=8)
side.set_xlim(0, sentence_weights.max() * 1.5)
side.set_ylim(n_rows - 0.5, -0.5)
side.set_yticks([])
side.set_xlabel("sentence weight")
fig.tight_layout()

# %%
# The important sentences of a document
# -------------------------------------
# :meth:`~skaquarium.HANClassifier.important_sentences` gives the top sentences of each review,
# most important first: a short extractive summary of why the model decided as it did.
for k in candidates[1:4]:
    print(f"Review {k}: true {y_test[k]}, predicted {predicted[k]}")
    for sentence, weight in han.important_sentences([X_test[k]], k=2)[0]:
        print(f"   {weight:.2f}  {sentence}")
    print()

# %%
# Where the network looks, over all test reviews: the share of attention that goes to each
# sentence position, for reviews of 5, 10 and 15 sentences (the model reads at most 15, so the
# last group includes the longer reviews, cut after their 15th sentence).
_, sentence_attention = han.attention_weights(X_test)
n_positions = sentence_attention.shape[1]
n_sentences = np.array([n for n, _ in lengths])
fig, ax = plt.subplots(figsize=(6, 3))
for n in (5, 10, 15):
    rows = n_sentences == n
    if rows.sum() >= 10:
        ax.plot(
            np.arange(1, n + 1),
            sentence_attention[rows, :n].mean(axis=0),
            "o-",
            label=f"{n} sentences ({rows.sum()} reviews)",
        )
ax.set_xlabel("sentence position")
ax.set_ylabel("mean sentence weight")
ax.set_xticks(range(1, n_positions + 1, 2))
ax.legend(fontsize=8)
ax.set_title("Sentence attention by position")
fig.tight_layout()
plt.show()
