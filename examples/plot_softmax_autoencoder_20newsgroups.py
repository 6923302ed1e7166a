"""
Topics, clusters and binary-code retrieval on 20 Newsgroups
===========================================================

:class:`~skaquarium.SoftmaxAutoEncoderTransformer` encodes the posts of eight newsgroups into
32-unit, nearly binary codes. The example shows

* the words behind the code units (what each unit "stands for", read from the decoder),
* a 2-D projection of the test documents' codes, coloured by newsgroup,
* clustering scores of KMeans on the codes, against the same number of dimensions from LDA, NMF
  and LSA fitted on the same documents,
* retrieval precision of Hamming-distance search on the packed 32-bit codes, against binarised
  LSA codes of the same length.

It runs on a subset (eight groups, a 3,000-word vocabulary) so that the gallery builds in
minutes; the benchmark in the user guide uses the full corpus.
"""

# %%
# Data
# ----
# scikit-learn's :func:`~sklearn.datasets.fetch_20newsgroups` reads the corpus from its data home
# (``SCIKIT_LEARN_DATA``). Headers, signatures and quoted replies are removed, so that the
# models must read the text itself.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import fetch_20newsgroups
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from skaquarium import SoftmaxAutoEncoderTransformer
from skaquarium.softmax_autoencoder import hamming_search

groups = [
    "comp.graphics",
    "misc.forsale",
    "rec.autos",
    "rec.sport.hockey",
    "sci.med",
    "sci.space",
    "soc.religion.christian",
    "talk.politics.guns",
]
strip = ("headers", "footers", "quotes")
train = fetch_20newsgroups(
    subset="train", categories=groups, remove=strip, download_if_missing=False
)
test = fetch_20newsgroups(subset="test", categories=groups, remove=strip, download_if_missing=False)
names = np.array([g.split(".", 1)[1] if "." in g else g for g in train.target_names])

vectorizer = CountVectorizer(max_features=3000, stop_words="english", min_df=3, max_df=0.5)
counts_train = vectorizer.fit_transform(train.data)
counts_test = vectorizer.transform(test.data)
vocabulary = vectorizer.get_feature_names_out()
print(
    f"{counts_train.shape[0]:,} training and {counts_test.shape[0]:,} test posts, "
    f"{len(vocabulary):,} words; the count matrices stay sparse"
)

# %%
# Fit
# ---
# ``activation="binary"`` makes the code layer a steep sigmoid, so the codes are nearly 0 or 1
# and can be packed into bits (the default, ``"tanh"``, suits clustering). ``epochs="auto"``
# trains binary codes for about 800 optimizer steps.
start = time.perf_counter()
sae = SoftmaxAutoEncoderTransformer(n_components=32, activation="binary", random_state=0)
sae.fit(counts_train)
fit_seconds = time.perf_counter() - start
print(f"fitted in {fit_seconds:.1f} s; final training KL divergence {sae.loss_curve_[-1]:.3f}")
print(f"score (negative mean KL on the test posts): {sae.score(counts_test):.3f}")

# %%
# The words behind the code units
# -------------------------------
# :meth:`~skaquarium.SoftmaxAutoEncoderTransformer.topics` switches on one unit at a time and
# lists the words whose probability rises most in the decoder's output. Units are not forced to
# be interpretable, but many pick up a theme.
topics = sae.topics(vocabulary, n_words=8)
for unit, words in enumerate(topics):
    print(f"unit {unit:2d}: {' '.join(words)}")

# %%
# How strongly each unit fires in each newsgroup (the mean code of the group's test posts) shows
# which units carry which theme.
codes_train = sae.transform(counts_train)
codes_test = sae.transform(counts_test)
profile = np.array([codes_test[test.target == g].mean(axis=0) for g in range(len(names))])
fig, ax = plt.subplots(figsize=(9, 3.6))
im = ax.imshow(profile, aspect="auto", cmap="viridis", vmin=0, vmax=1)
ax.set_yticks(range(len(names)), names)
ax.set_xticks(range(0, 32, 2))
ax.set_xlabel("code unit")
ax.set_title("Mean code per newsgroup (test posts)")
fig.colorbar(im, ax=ax, label="mean activation")
fig.tight_layout()

# %%
# A 2-D map of the document codes
# -------------------------------
# t-SNE of the test posts' codes with the Hamming distance (on the thresholded bits), coloured by
# newsgroup. The autoencoder never saw a label.
from sklearn.manifold import TSNE

rng = np.random.RandomState(0)
shown = rng.choice(len(codes_test), size=1200, replace=False)
bits_shown = (codes_test[shown] > 0.5).astype(float)
xy = TSNE(metric="hamming", init="random", perplexity=30, random_state=0).fit_transform(bits_shown)
fig, ax = plt.subplots(figsize=(7, 5.5))
for g, name in enumerate(names):
    pick = test.target[shown] == g
    ax.scatter(*xy[pick].T, s=7, label=name)
ax.set_xticks([])
ax.set_yticks([])
ax.legend(markerscale=2, fontsize=8, loc="best")
ax.set_title("t-SNE of 32-bit codes of 1,200 test posts")
fig.tight_layout()

# %%
# Clustering against LDA, NMF and LSA
# -----------------------------------
# Each method reduces the posts to 32 dimensions, fitted on the training posts; KMeans with eight
# clusters then groups the test posts, and the clusters are compared with the newsgroups
# (normalised mutual information and adjusted Rand index: 0 is chance, 1 a perfect match).
from sklearn.cluster import KMeans
from sklearn.decomposition import NMF, LatentDirichletAllocation, TruncatedSVD
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import normalize

tfidf = TfidfTransformer(sublinear_tf=True)
tfidf_train = tfidf.fit_transform(counts_train)
tfidf_test = tfidf.transform(counts_test)
representations = {"SoftmaxAutoEncoder": codes_test}
seconds = {"SoftmaxAutoEncoder": fit_seconds}
peers = {
    "LDA (counts)": (
        LatentDirichletAllocation(32, learning_method="batch", max_iter=8, random_state=0),
        counts_train,
        counts_test,
    ),
    "NMF (tf-idf)": (
        NMF(32, init="nndsvda", max_iter=300, random_state=0),
        tfidf_train,
        tfidf_test,
    ),
    "LSA (tf-idf)": (TruncatedSVD(32, random_state=0), tfidf_train, tfidf_test),
}
for name, (method, fit_on, apply_on) in peers.items():
    start = time.perf_counter()
    method.fit(fit_on)
    seconds[name] = time.perf_counter() - start
    representations[name] = method.transform(apply_on)

clustering = {}
for name, rep in representations.items():
    rep = normalize(rep) if name != "SoftmaxAutoEncoder" else rep
    labels = KMeans(len(names), n_init=10, random_state=0).fit_predict(rep)
    clustering[name] = (
        normalized_mutual_info_score(test.target, labels),
        adjusted_rand_score(test.target, labels),
    )
    print(
        f"{name:>20}: NMI {clustering[name][0]:.3f}  ARI {clustering[name][1]:.3f}  "
        f"(fit {seconds[name]:.1f} s)"
    )

fig, ax = plt.subplots(figsize=(7, 3.4))
width = 0.38
pos = np.arange(len(clustering))
for k, metric in enumerate(["NMI", "ARI"]):
    values = [v[k] for v in clustering.values()]
    bars = ax.bar(pos + (k - 0.5) * width, values, width, label=metric)
    ax.bar_label(bars, fmt="%.2f", fontsize=8)
ax.set_xticks(pos, list(clustering))
ax.set_ylabel("score (higher is better)")
ax.set_title("KMeans(8) on 32-dimensional representations")
ax.legend()
fig.tight_layout()

# %%
# Hamming retrieval
# -----------------
# :meth:`~skaquarium.SoftmaxAutoEncoderTransformer.pack_codes` packs each code into 4 bytes and
# :func:`~skaquarium.softmax_autoencoder.hamming_search` finds, for each test post, the training
# posts with the fewest differing bits. Precision at k is the share of the k retrieved posts from
# the query's newsgroup. The baseline binarises the 32 LSA dimensions at their training medians
# (the same 4 bytes per post); exact cosine search on the 3,000-dimensional TF-IDF vectors is shown
# as a reference that uses far more memory and time.
ks = np.array([1, 5, 10, 20, 50, 100])
database = sae.pack_codes(counts_train)
queries = sae.pack_codes(counts_test)
start = time.perf_counter()
_, neighbours = hamming_search(queries, database, n_neighbors=ks.max())
search_ms = 1000 * (time.perf_counter() - start)


def precision_at(neighbours):
    hits = train.target[neighbours] == test.target[:, None]
    return np.array([hits[:, :k].mean() for k in ks])


lsa = peers["LSA (tf-idf)"][0]
medians = np.median(lsa.transform(tfidf_train), axis=0)
lsa_database = np.packbits(lsa.transform(tfidf_train) > medians, axis=1)
lsa_queries = np.packbits(representations["LSA (tf-idf)"] > medians, axis=1)
_, lsa_neighbours = hamming_search(lsa_queries, lsa_database, n_neighbors=ks.max())
similarity = (tfidf_test @ tfidf_train.T).toarray()
top = np.argpartition(-similarity, ks.max() - 1, axis=1)[:, : ks.max()]
order = np.argsort(-np.take_along_axis(similarity, top, axis=1), axis=1, kind="stable")
cosine_neighbours = np.take_along_axis(top, order, axis=1)

curves = {
    "SoftmaxAutoEncoder, 32 bits": precision_at(neighbours),
    "LSA median bits, 32 bits": precision_at(lsa_neighbours),
    "TF-IDF cosine (exact, 3,000 floats)": precision_at(cosine_neighbours),
}
print(f"Hamming search of {len(queries):,} queries in {len(database):,} codes: {search_ms:.0f} ms")
for name, values in curves.items():
    print(f"{name:>36}: " + "  ".join(f"P@{k}={v:.3f}" for k, v in zip(ks, values)))

fig, ax = plt.subplots(figsize=(6, 3.6))
for (name, values), style in zip(curves.items(), ["o-", "s--", "^:"]):
    ax.plot(ks, values, style, label=name)
ax.set_xscale("log")
ax.set_xticks(ks, [str(k) for k in ks])
ax.axhline(1 / len(names), color="0.6", lw=0.8)
ax.text(1, 1 / len(names) + 0.01, "chance", color="0.5", fontsize=8)
ax.set_xlabel("k (retrieved training posts)")
ax.set_ylabel("precision at k")
ax.set_title("Retrieval of same-newsgroup posts")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
