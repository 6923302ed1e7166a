"""
Rating prediction, item maps and cold start on MovieLens 100K
=============================================================

:class:`~skaquarium.DualMFRegressor` is fitted once on the official ``u1`` training split of
MovieLens 100K (80,000 ratings of 943 users on 1,682 movies), with the movies' genres as side
features. A tenth of the movies are kept out of training entirely, so that the same model also
shows how it predicts movies it has never seen rated (cold start).

The example then shows

* the learning curves (training and validation loss per epoch, from ``history_``),
* the test RMSE against the baselines of Surprise's ``BaselineOnly``: the global mean, item
  biases, and user + item biases (computed here in NumPy),
* a 2-D map of the learned movie vectors coloured by genre,
* the top-10 recommendations for one user,
* the predictions for the cold-start movies, from their genres alone.

To keep the gallery fast the model is small and trained for a few epochs; the benchmark in the
user guide uses the defaults.
"""

# %%
# Data
# ----
# :func:`~skaquarium.datasets.load_movielens` reads MovieLens 100K from the data home
# (``SKAQUARIUM_DATA``). The genres are a sparse multi-hot matrix; as a DataFrame indexed by
# movie id they can be given to ``fit`` directly.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skaquarium import DualMFRegressor
from skaquarium.datasets import load_movielens
from skaquarium.dual_mf import UnknownIdWarning

ml = load_movielens("100k", download_if_missing=False)
ratings = ml.ratings
X = ratings[["user_id", "item_id"]].to_numpy()
y = ratings["rating"].to_numpy()
train_index, test_index = ml.folds["u1"]
genre_names = np.array([name.removeprefix("genre=") for name in ml.item_feature_names])
genres = pd.DataFrame.sparse.from_spmatrix(ml.item_features, index=ml.item_ids, columns=genre_names)
titles = pd.Series(ml.item_titles, index=ml.item_ids)

# A tenth of the movies are "new": none of their ratings is used for training.
rng = np.random.RandomState(0)
cold_items = rng.choice(ml.item_ids, size=len(ml.item_ids) // 10, replace=False)
is_cold = np.isin(X[:, 1], cold_items)
train = train_index[~is_cold[train_index]]
test = test_index[~is_cold[test_index]]
cold = np.flatnonzero(is_cold)  # every rating of the new movies
print(f"training ratings: {len(train):,}; test ratings of known movies: {len(test):,}")
print(f"new movies: {len(cold_items)}, with {len(cold):,} ratings to predict")

# %%
# Fit
# ---
# ``early_stopping=True`` holds out 10 % of the training ratings; their loss is the validation
# curve below, and the weights of the best epoch are kept (the default, ``early_stopping=False``
# with 5 epochs, trains on every rating and is a little more accurate on MovieLens). ``id_dropout=0.25`` hides a
# quarter of the id embeddings while training, so that the towers also learn to encode a movie
# from its genres and ratings alone, as they must for the new movies.
model = DualMFRegressor(
    n_components=32, epochs=8, early_stopping=True, id_dropout=0.25, random_state=0
)
model.fit(X[train], y[train], col_features=genres)
print(f"{model.n_iter_} epochs, best validation loss {model.best_validation_loss_:.4f}")

# %%
# Learning curves
# ---------------
# The loss is the mean squared error of the centred ratings plus the L2 penalty. The training
# loss keeps falling while the validation loss flattens: that is where early stopping would end
# a longer run.
epochs = np.arange(1, model.n_iter_ + 1)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(epochs, model.history_["loss"], "o-", label="training")
ax.plot(epochs, model.history_["val_loss"], "s-", label="validation (10 % held out)")
ax.set_xlabel("epoch")
ax.set_ylabel("loss (MSE + L2)")
ax.set_title("DualMFRegressor learning curves, MovieLens 100K u1")
ax.legend()
fig.tight_layout()

# %%
# RMSE against baselines
# ----------------------
# The baselines are those of Surprise's ``BaselineOnly``: the global mean, then biases
# :math:`r \approx \mu + b_u + b_i` fitted by regularised alternating least squares. They are
# computed here in a few lines of NumPy on the same training ratings.


def rmse(pred, truth):
    return float(np.sqrt(np.mean((pred - truth) ** 2)))


def fit_biases(users, items, r, n_users, n_items, *, reg_u=15.0, reg_i=10.0, n_iter=10):
    """Regularised user and item biases (Surprise's ALS baseline); users=None: items only."""
    mu = r.mean()
    b_u, b_i = np.zeros(n_users), np.zeros(n_items)
    for _ in range(n_iter):
        res = r - mu - (b_u[users] if users is not None else 0.0)
        b_i = np.bincount(items, res, n_items) / (reg_i + np.bincount(items, minlength=n_items))
        if users is None:
            break
        res = r - mu - b_i[items]
        b_u = np.bincount(users, res, n_users) / (reg_u + np.bincount(users, minlength=n_users))
    return mu, b_u, b_i


n_users, n_items = X[:, 0].max() + 1, X[:, 1].max() + 1
u, i = X[:, 0], X[:, 1]
mu, _, item_bias = fit_biases(None, i[train], y[train], n_users, n_items)
mu, user_bias2, item_bias2 = fit_biases(u[train], i[train], y[train], n_users, n_items)

scores = {
    "global mean": rmse(np.full(len(test), mu), y[test]),
    "item bias": rmse(mu + item_bias[i[test]], y[test]),
    "user + item bias": rmse(mu + user_bias2[u[test]] + item_bias2[i[test]], y[test]),
}
with warnings.catch_warnings():
    # u1's test split has a few users and movies without training ratings.
    warnings.simplefilter("ignore", UnknownIdWarning)
    scores["DualMFRegressor"] = rmse(model.predict(X[test]), y[test])
for name, value in scores.items():
    print(f"{name:>18}: RMSE {value:.4f}")

fig, ax = plt.subplots(figsize=(6, 3))
bars = ax.barh(list(scores), list(scores.values()), color=["0.7", "0.6", "0.5", "tab:blue"])
ax.bar_label(bars, fmt="%.3f", padding=3)
ax.set_xlim(0.8, max(scores.values()) * 1.08)
ax.invert_yaxis()
ax.set_xlabel("test RMSE (lower is better)")
ax.set_title("u1 test ratings of known movies")
fig.tight_layout()

# %%
# A map of the movie vectors
# --------------------------
# After ``fit`` the column tower has encoded every known movie into ``col_embeddings_`` (one row
# per id of ``col_ids_``). A t-SNE projection of the movies rated at least 30 times, coloured by
# genre for the movies that have exactly one of six broad genres, shows that the vectors learned
# from ratings group movies by kind.
from sklearn.manifold import TSNE

counts = np.bincount(i[train], minlength=n_items)[model.col_ids_]
keep = counts >= 30
emb = model.col_embeddings_[keep]
ids = model.col_ids_[keep]
xy = TSNE(n_components=2, perplexity=30, init="pca", random_state=0).fit_transform(emb)

shown = ["Action", "Comedy", "Drama", "Horror", "Children's", "Romance"]
flags = genres.loc[ids, shown].sparse.to_dense().to_numpy() > 0
single = flags.sum(axis=1) == 1
fig, ax = plt.subplots(figsize=(6.5, 5.5))
ax.scatter(*xy[~single].T, s=6, color="0.85", label="other / several genres")
for k, genre in enumerate(shown):
    pick = single & flags[:, k]
    ax.scatter(*xy[pick].T, s=12, label=genre)
ax.set_xticks([])
ax.set_yticks([])
ax.legend(markerscale=1.5, fontsize=8, loc="best")
ax.set_title(f"t-SNE of {keep.sum()} movie vectors (col_embeddings_)")
fig.tight_layout()

# %%
# Top-10 recommendations for a user
# ---------------------------------
# :meth:`~skaquarium.DualMFRegressor.recommend` scores every known movie for a user with one
# matrix product over the cached vectors and leaves out the movies the user rated in training.
user = 1
seen = pd.Series(y[train][u[train] == user], index=i[train][u[train] == user])
print(f"User {user} rated {len(seen)} movies in training; their favourites:")
for item in seen.sort_values(ascending=False).index[:5]:
    print(f"  {seen[item]:.0f}  {titles[item]}")

items, predicted = model.recommend([user], k=10)
print("\nRecommended (predicted rating):")
for item, score in zip(items[0], predicted[0]):
    print(f"  {score:.2f}  {titles[item]}")

# %%
# Cold start: movies never seen in training
# -----------------------------------------
# The new movies have no id embedding and no rating history, so the model encodes them from their
# genres alone (``predict`` warns about unseen ids; the warning is expected here). The fair
# baselines know as little about the movie: the global mean, and the mean plus the user's bias.
#
# Then the first five ratings of each new movie (by time) arrive.
# :meth:`~skaquarium.DualMFRegressor.fold_in` adds them without any training: the new movies are
# re-encoded from their genres and their short rating histories, and the users who rated them
# from their updated histories. The other ratings of the new movies are predicted again, beside
# the bias baseline that also learns an item bias from those five ratings.
model.set_params(handle_unknown="warn")  # have predict count the ids it never saw
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", UnknownIdWarning)
    cold_pred = model.predict(X[cold])
print(caught[0].message)
model.set_params(handle_unknown="ignore")

order = cold[np.lexsort((ratings["timestamp"].to_numpy()[cold], X[cold, 1]))]
rank = np.zeros(len(order), dtype=int)
for item in cold_items:
    at = X[order, 1] == item
    rank[at] = np.arange(at.sum())
arrived, later = order[rank < 5], order[rank >= 5]
model.fold_in(X[arrived], y[arrived])
folded_pred = model.predict(X[later])

# The bias baseline with the five ratings: user biases as before, item biases of the new movies
# from their five ratings (regularised like the baseline's).
res = y[arrived] - mu - user_bias2[u[arrived]]
new_bias = np.bincount(i[arrived], res, n_items) / (
    10.0 + np.bincount(i[arrived], minlength=n_items)
)
cold_scores = {
    "global mean": rmse(np.full(len(cold), mu), y[cold]),
    "mean + user bias": rmse(np.clip(mu + user_bias2[u[cold]], 1, 5), y[cold]),
    "DualMFRegressor, genres only": rmse(cold_pred, y[cold]),
}
after_scores = {
    "mean + user + item bias (5 ratings)": rmse(
        np.clip(mu + user_bias2[u[later]] + new_bias[i[later]], 1, 5), y[later]
    ),
    "DualMFRegressor after fold_in": rmse(folded_pred, y[later]),
}
print("All ratings of the new movies, nothing known but their genres:")
for name, value in cold_scores.items():
    print(f"  {name:>36}: RMSE {value:.4f}")
print(f"The {len(later):,} later ratings, after 5 ratings per new movie arrived:")
for name, value in after_scores.items():
    print(f"  {name:>36}: RMSE {value:.4f}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharex=True)
for ax, table, title in (
    (axes[0], cold_scores, "new movies: genres only"),
    (axes[1], after_scores, "after 5 ratings each (fold_in)"),
):
    colors = ["0.7", "0.55", "tab:blue"][-len(table) :]
    bars = ax.barh(list(table), list(table.values()), color=colors)
    ax.bar_label(bars, fmt="%.3f", padding=3)
    ax.invert_yaxis()
    ax.set_xlabel("RMSE (lower is better)")
    ax.set_title(title)
axes[0].set_xlim(0.8, max(*cold_scores.values(), *after_scores.values()) * 1.12)
fig.tight_layout()
plt.show()

# %%
# Genres say little about how good a movie is: from genres alone the model can only learn which
# kinds of users like which kinds of movies, and the figures above show how much that adds to the
# user's own bias for this small, briefly trained model. Ratings carry more information, which is
# why folding in a handful of them matters. The benchmark in the :doc:`user guide
# </user_guide/dual_mf>` measures cold start with the default settings.
