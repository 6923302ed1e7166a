"""
Top-k recommendation from implicit feedback on MovieLens 100K
=============================================================

Most recommendation data records only that a user picked an item (a click, a play, a purchase),
and a recommender is judged by the top of its ranked lists. This example treats the ratings of 4
stars or more of MovieLens 100K as such interactions, holds out a fifth of each user's
interactions, and trains :class:`~skaquarium.DualMFRegressor` with the in-batch softmax loss
(``loss="softmax"``) on the rest.

The example then shows

* the held-out Recall@20 and NDCG@20 from :mod:`skaquarium.metrics`, beside the most popular
  items and EASE (Steck, 2019, a closed-form item-item model written here in a few lines of
  NumPy), the strongest simple baseline on this kind of data;
* Recall@k against the length k of the list, for the three;
* the ranking scorer that ``GridSearchCV`` and ``cross_validate`` accept;
* one user's top 10.

The model keeps its defaults, as ``benchmarks/dual_mf_ranking.py`` does: with a ranking loss
they train at a step size of 1e-2 for about 3.2 million presented pairs (20 epochs here) with an
L2 penalty of 1e-4, and predict with the average of the second half of the epochs, chosen on
held-out training interactions; the benchmark's table in the user guide has the other views
and peers.
"""

# %%
# Interactions
# ------------
# :func:`~skaquarium.datasets.load_movielens` reads MovieLens 100K from the data home
# (``SKAQUARIUM_DATA``). Every user keeps 80% of their interactions for training; the other 20%
# are the ones to find.
import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse as sp

from skaquarium import DualMFRegressor
from skaquarium.datasets import load_movielens

ml = load_movielens("100k", download_if_missing=False)
liked = ml.ratings[ml.ratings["rating"] >= 4]
X = liked[["user_id", "item_id"]].to_numpy()

rng = np.random.RandomState(0)
order = np.lexsort((rng.random_sample(len(X)), X[:, 0]))  # each user's pairs, shuffled
first = np.searchsorted(X[order, 0], X[order, 0])  # where each user's pairs start
rank = np.arange(len(X)) - first
count = np.bincount(X[:, 0])[X[order, 0]]
test = np.zeros(len(X), dtype=bool)
test[order] = rank < np.floor(0.2 * count)
print(
    f"{len(X):,} interactions of {len(np.unique(X[:, 0]))} users on {len(np.unique(X[:, 1]))} items"
)
print(f"training: {(~test).sum():,}; held out: {test.sum():,}")

# %%
# Fit
# ---
# ``y`` holds the confidence of each interaction; here every interaction counts once. Each pair
# is ranked above the other items of its training batch, corrected for how often those appear.
ranker = DualMFRegressor(loss="softmax", random_state=0)
ranker.fit(X[~test], np.ones((~test).sum()))

# %%
# Peers
# -----
# The most popular items, and EASE: ``B = I - P / diag(P)`` with ``P = (G + lambda I)^-1`` and
# ``G`` the item-item co-occurrence counts of the training interactions (lambda = 200, the
# benchmark's choice on its inner split for this view).
users, user_index = np.unique(X[:, 0], return_inverse=True)
items, item_index = np.unique(X[:, 1], return_inverse=True)
train = sp.csr_matrix(
    (np.ones((~test).sum()), (user_index[~test], item_index[~test])),
    shape=(len(users), len(items)),
)
G = (train.T @ train).toarray()
P = np.linalg.inv(G + 200.0 * np.eye(len(items)))
B = -P / np.diag(P)
np.fill_diagonal(B, 0.0)
test_users = np.unique(user_index[test])
K = 50


def top_k(scores, rows):
    """The ``K`` best items of each row of ``scores``, the row's training items left out."""
    scores = np.array(scores, dtype=float)
    seen = train[rows].tocoo()
    scores[seen.row, seen.col] = -np.inf
    return items[np.argsort(-scores, axis=1, kind="stable")[:, :K]]


popularity = np.asarray(train.sum(axis=0)).ravel()
lists = {
    "DualMF softmax": ranker.recommend(users[test_users], k=K)[0],
    "EASE": top_k(train[test_users] @ B, test_users),
    "most popular": top_k(np.tile(popularity, (len(test_users), 1)), test_users),
}

# %%
# Ranking quality
# ---------------
# :func:`~skaquarium.metrics.recall_at_k` divides the hits in the top k by ``min(k, number of
# held-out items)``; :func:`~skaquarium.metrics.ndcg_at_k` weighs them by their rank.
from skaquarium.metrics import ndcg_at_k, recall_at_k

held_out = [X[test & (X[:, 0] == user), 1] for user in users[test_users]]
for name, top in lists.items():
    print(
        f"{name:>15}: Recall@20 {recall_at_k(held_out, top, 20):.3f}, "
        f"NDCG@20 {ndcg_at_k(held_out, top, 20):.3f}"
    )

ks = np.arange(1, K + 1)
fig, ax = plt.subplots(figsize=(6, 4))
for name, top in lists.items():
    ax.plot(ks, [recall_at_k(held_out, top, k) for k in ks], label=name)
ax.set_xlabel("k (length of the list)")
ax.set_ylabel("Recall@k on held-out interactions")
ax.set_title("MovieLens 100K, ratings >= 4 as interactions")
ax.grid(alpha=0.3)
ax.legend()
fig.tight_layout()

# %%
# A scorer for model selection
# ----------------------------
# :func:`~skaquarium.metrics.make_ranking_scorer` turns a metric into a scorer that takes the
# fitted model and held-out pairs: each held-out user's list comes from ``recommend``, without
# the user's training interactions. Given as ``scoring=`` to ``GridSearchCV`` it chooses the
# parameters that rank best.
from skaquarium.metrics import make_ranking_scorer

ndcg20 = make_ranking_scorer("ndcg", k=20)
print(f"NDCG@20 from the scorer: {ndcg20(ranker, X[test], np.ones(test.sum())):.3f}")

# %%
# One user's list
# ---------------
# The ten items ``recommend`` ranks first for one user, the user's training interactions left
# out; marked are those the user picked in the held-out part.
user = users[test_users[0]]
top_items, scores = ranker.recommend([user], k=10)
found = set(X[test & (X[:, 0] == user), 1])
titles = dict(zip(ml.item_ids, ml.item_titles))
for item, score in zip(top_items[0], scores[0]):
    print(f"{'*' if item in found else ' '} {score:6.2f}  {titles[item]}")
