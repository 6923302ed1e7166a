"""
Training on a corpus streamed from disk
=======================================

When the training documents do not fit in memory, ``partial_fit`` trains on them a chunk at a
time: each call runs one epoch over the chunk it is given (the first call builds the model), so
only one chunk is ever in memory. This example writes the training posts of 20 Newsgroups to a
text file, one document per line (the first 6,000, to keep the gallery fast; the loop is the same
for any number), streams that file in chunks of 2,000 lines through a
:class:`~sklearn.feature_extraction.text.HashingVectorizer` (a vocabulary that needs no pass over
the data) into :class:`~skaquarium.SoftmaxAutoEncoderTransformer`, and compares the codes with
those of the same model fitted in memory.

The user guide's "Scaling out" page shows the same loop for
:class:`~skaquarium.HANClassifier`, whose first ``partial_fit`` fixes its vocabulary.
"""

# %%
# A corpus on disk
# ----------------
# One document per line; in practice the file is whatever your data lake exports.
import itertools
import pathlib
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import fetch_20newsgroups
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.metrics import v_measure_score

from skaquarium import SoftmaxAutoEncoderTransformer

strip = ("headers", "footers", "quotes")
train = fetch_20newsgroups(subset="train", remove=strip, download_if_missing=False)
test = fetch_20newsgroups(subset="test", remove=strip, download_if_missing=False)

folder = pathlib.Path(tempfile.mkdtemp())
corpus = folder / "train.txt"
with corpus.open("w", encoding="utf-8") as out:
    for doc in train.data[:6000]:
        out.write(" ".join(doc.split()) + "\n")
print(f"6,000 of {len(train.data):,} documents, {corpus.stat().st_size / 1e6:.1f} MB on disk")


def chunks(path, size=2000):
    """The file's lines, ``size`` at a time: one chunk in memory at once."""
    with open(path, encoding="utf-8") as lines:
        while chunk := list(itertools.islice(lines, size)):
            yield chunk


# %%
# Streaming ``partial_fit``
# -------------------------
# The hashing vectorizer maps words to 2^15 columns with no vocabulary to learn, so every chunk
# has the same columns. Each pass over the file is one epoch over every document.
vectorizer = HashingVectorizer(
    n_features=2**15, alternate_sign=False, norm=None, stop_words="english"
)
streamed = SoftmaxAutoEncoderTransformer(random_state=0)
losses = []
start = time.perf_counter()
for _pass in range(5):
    for chunk in chunks(corpus):
        streamed.partial_fit(vectorizer.transform(chunk))
        losses.append(streamed.loss_curve_[-1])
streamed_s = time.perf_counter() - start
print(f"5 passes over the file in {streamed_s:.0f} s, {len(losses)} partial_fit calls")

# %%
# The same model fitted in memory
# -------------------------------
# For comparison: every document's counts at once, 5 epochs.
counts_train = vectorizer.transform(train.data[:6000])
start = time.perf_counter()
in_memory = SoftmaxAutoEncoderTransformer(epochs=5, random_state=0).fit(counts_train)
in_memory_s = time.perf_counter() - start

counts_test = vectorizer.transform(test.data)
rows = []
for name, model in (("streamed from disk", streamed), ("in memory", in_memory)):
    clusters = KMeans(20, n_init=5, random_state=0).fit_predict(model.transform(counts_test))
    rows.append((name, model.score(counts_test), v_measure_score(test.target, clusters)))
    print(f"{name:>18}: test KL {-rows[-1][1]:.3f}, v-measure of KMeans(20) {rows[-1][2]:.3f}")
print(f"fit time: streamed {streamed_s:.0f} s, in memory {in_memory_s:.0f} s")

# %%
# The streamed model is close to the in-memory one but not equal: each ``partial_fit`` call is
# an epoch over one chunk, so batches are shuffled within a chunk and never across chunks, and
# the model moves towards each chunk in turn. Chunks that each mix the topics (here the file is
# in scikit-learn's shuffled order) keep that drift small; a file sorted by topic would not.
#
# Loss per chunk
# --------------
# The training loss of each ``partial_fit`` call; the dashed lines mark the passes over the file.
n_chunks = len(losses) // 5
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(np.arange(1, len(losses) + 1), losses, marker=".")
for p in range(1, 5):
    ax.axvline(p * n_chunks + 0.5, color="grey", linestyle="--", linewidth=0.8)
ax.axhline(in_memory.loss_curve_[-1], color="C1", label="in memory, last epoch")
ax.set_xlabel("partial_fit call (one chunk of 2,000 documents)")
ax.set_ylabel("training KL divergence")
ax.legend()
fig.tight_layout()
plt.show()
