"""Deep dual-network matrix factorisation: :class:`DualMFRegressor` and its graph builder.

A row tower and a column tower each turn one side of the rating matrix into a latent vector, after
"Collaborative Deep Embedding via Dual Networks" (Xiong et al., 2017). A rating is predicted as the
dot product of the two latent vectors plus a row bias, a column bias and the global mean. Because
each side is encoded on its own, the towers run once per id after training and prediction and
recommendation become NumPy gathers and dot products.

The module is laid out as: the Keras graph (a plain function of plain arguments), then the
estimator that maps its parameters onto that function.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import keras
import numpy as np
import scipy.sparse as sp
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from ._base import FitData, SkaquariumEstimator
from ._optimizers import LazyAdam
from ._parameters import AVERAGING_DOC
from .layers import InBatchScores, LazyL2Embedding, SparseEmbeddingBag

__all__ = [
    "DualMFRegressor",
    "InBatchBPR",
    "InBatchSoftmax",
    "UnknownIdWarning",
    "build_dual_mf_graph",
    "build_tower_encoder",
]

_ACTIVATIONS = {"relu", "sigmoid", "tanh", "elu", "selu", "gelu", "swish", "linear"}


# -- graph ---------------------------------------------------------------------------------------


def build_tower_encoder(
    name,
    *,
    id_width,
    feature_dim=0,
    history_dim=0,
    sparse_features=False,
    layers=(),
    n_components=32,
    l2=0.0,
    dropout=0.0,
    history_dropout=0.0,
):
    """One side's encoder: ``(id vector[, features][, history]) -> (latent[, side bias])``.

    Each input is mapped to ``id_width`` units and the maps are summed, which is a dense layer
    over the concatenation of the one-hot id, the features and the history. The sum goes through
    the activation of the first hidden layer, the other hidden layers and a final linear layer to
    ``n_components``; without hidden layers the sum is the latent vector itself. The id vector is
    an input (looked up by the training graph) so that ids unseen in training can be encoded with
    a zero id vector.

    Parameters
    ----------
    name : {"row", "col"}
        Prefix of the layer names.
    id_width : int
        Width of the id vector: the first hidden layer's size, else ``n_components``.
    feature_dim, history_dim : int, default=0
        Widths of the side-feature and rating-history inputs; 0 leaves the input out. The
        history is a sparse input (a ``tf.SparseTensor``) read by a
        :class:`~skaquarium.layers.SparseEmbeddingBag`: its cost follows the history's
        nonzeros, not its width.
    sparse_features : bool, default=False
        Whether the side features are a sparse input too (read the same way).
    layers : sequence of (int, str)
        Hidden layers as (units, activation).
    n_components : int, default=32
        Size of the latent vector.
    l2 : float, default=0.0
        L2 penalty of every kernel; the kernels of sparse inputs are penalised on the rows a
        batch uses.
    dropout : float, default=0.0
        Dropout after every hidden layer (on the latent vector when there is none).
    history_dropout : float, default=0.0
        Dropout on the history input (entries of the rating vector are dropped while training).

    Returns
    -------
    encoder : keras.Model
        Outputs the latent vector and, when there are side inputs, a side bias of shape
        ``(batch, 1)`` (a linear function of the side inputs).

    Examples
    --------
    >>> import numpy as np
    >>> from skaquarium.dual_mf import build_tower_encoder
    >>> encoder = build_tower_encoder(
    ...     "row", id_width=8, feature_dim=3, layers=[(8, "relu")], n_components=4
    ... )
    >>> [tuple(t.shape) for t in encoder.inputs]
    [(None, 8), (None, 3)]
    >>> latent, bias = encoder([np.zeros((2, 8)), np.ones((2, 3))])
    >>> tuple(latent.shape), tuple(bias.shape)
    ((2, 4), (2, 1))
    """
    reg = keras.regularizers.L2(l2) if l2 > 0 else None
    id_vector = keras.Input((id_width,), name=f"{name}_id_vector")
    inputs, parts, side = [id_vector], [id_vector], []
    if feature_dim:
        feats = keras.Input((feature_dim,), sparse=sparse_features, name=f"{name}_features")
        inputs.append(feats)
        # Dense features are read by the same layer as sparse ones (their nonzeros), so the
        # model is the same whichever form they come in.
        embedding, bias = SparseEmbeddingBag(
            id_width, side_units=1, l2=l2, name=f"{name}_feature_embedding"
        )(feats)
        parts.append(embedding)
        side.append(bias)
    if history_dim:
        hist = keras.Input((history_dim,), sparse=True, name=f"{name}_history")
        inputs.append(hist)
        embedding, bias = SparseEmbeddingBag(
            id_width,
            side_units=1,
            l2=l2,
            dropout=history_dropout,
            name=f"{name}_history_embedding",
        )(hist)
        parts.append(embedding)
        side.append(bias)
    z = parts[0] if len(parts) == 1 else keras.layers.Add(name=f"{name}_sum")(parts)
    if layers:
        z = keras.layers.Activation(layers[0][1], name=f"{name}_hidden_0")(z)
        if dropout > 0:
            z = keras.layers.Dropout(dropout, name=f"{name}_dropout_0")(z)
        for i, (units, activation) in enumerate(layers[1:], start=1):
            z = keras.layers.Dense(
                units, activation=activation, kernel_regularizer=reg, name=f"{name}_hidden_{i}"
            )(z)
            if dropout > 0:
                z = keras.layers.Dropout(dropout, name=f"{name}_dropout_{i}")(z)
        z = keras.layers.Dense(n_components, kernel_regularizer=reg, name=f"{name}_latent")(z)
    elif dropout > 0:
        z = keras.layers.Dropout(dropout, name=f"{name}_latent_dropout")(z)
    outputs = [z]
    if side:
        outputs.append(
            side[0] if len(side) == 1 else keras.layers.Add(name=f"{name}_side_bias")(side)
        )
    return keras.Model(inputs, outputs, name=f"{name}_encoder")


def build_dual_mf_graph(
    n_rows,
    n_cols,
    *,
    n_components=32,
    row_layers=(),
    col_layers=(),
    row_feature_dim=0,
    col_feature_dim=0,
    row_history_dim=0,
    col_history_dim=0,
    row_sparse_features=False,
    col_sparse_features=False,
    l2=0.0,
    dropout=0.0,
    history_dropout=0.0,
    id_dropout=0.0,
    output="rating",
):
    """The dual network: two towers, a dot product and two biases.

    Parameters
    ----------
    n_rows, n_cols : int
        Number of row and column ids (sizes of the id embeddings).
    n_components : int, default=32
        Size of the latent vectors.
    row_layers, col_layers : sequence of (int, str), default=()
        Hidden layers of each tower as (units, activation).
    row_feature_dim, col_feature_dim : int, default=0
        Widths of the side-feature inputs; 0 leaves them out.
    row_history_dim, col_history_dim : int, default=0
        Widths of the rating-history inputs (sparse); 0 leaves them out.
    row_sparse_features, col_sparse_features : bool, default=False
        Whether the side features are sparse inputs.
    l2 : float, default=0.0
        L2 penalty of the kernels, and of the rows of the id embeddings and of the sparse
        inputs' kernels that a batch uses (see :class:`~skaquarium.layers.LazyL2Embedding`).
    dropout : float, default=0.0
        Dropout after every hidden layer (on the latent vector when there is none).
    history_dropout : float, default=0.0
        Dropout on the history inputs.
    id_dropout : float, default=0.0
        Probability that a training sample's id embedding and id bias are hidden (each as a
        whole), so that the towers also learn to encode ids from features and histories alone.
    output : {"rating", "in_batch"}, default="rating"
        ``"rating"``: the centred rating of each pair, shape ``(batch, 1)``. ``"in_batch"``: the
        score of every row of the batch against every column of the batch, shape
        ``(batch, batch)`` (:class:`~skaquarium.layers.InBatchScores`; the diagonal holds the
        pairs themselves), for ranking losses with in-batch negatives.

    Returns
    -------
    model : keras.Model
        Inputs ``row_index``, ``col_index`` (int), then for each side its features and history
        where present; output as ``output`` says. The towers are the nested
        models ``row_encoder`` and ``col_encoder``, the id tables the layers ``row_embedding``,
        ``row_bias``, ``col_embedding`` and ``col_bias``.

    Examples
    --------
    >>> import numpy as np
    >>> from skaquarium.dual_mf import build_dual_mf_graph
    >>> model = build_dual_mf_graph(10, 7, n_components=4, col_feature_dim=3)
    >>> [t.name for t in model.inputs]
    ['row_index', 'col_index', 'col_features']
    >>> rating = model([np.array([0, 9]), np.array([1, 6]), np.zeros((2, 3))])
    >>> tuple(rating.shape)
    (2, 1)
    """
    inputs, latents, biases, side_biases, col_index = [], [], [], {}, None
    for name, n_ids, layers, feature_dim, history_dim, sparse_features in (
        ("row", n_rows, row_layers, row_feature_dim, row_history_dim, row_sparse_features),
        ("col", n_cols, col_layers, col_feature_dim, col_history_dim, col_sparse_features),
    ):
        id_width = layers[0][0] if layers else n_components
        encoder = build_tower_encoder(
            name,
            id_width=id_width,
            feature_dim=feature_dim,
            history_dim=history_dim,
            sparse_features=sparse_features,
            layers=layers,
            n_components=n_components,
            l2=l2,
            dropout=dropout,
            history_dropout=history_dropout,
        )
        index = keras.Input((), dtype="int32", name=f"{name}_index")
        inputs.append(index)
        col_index = index if name == "col" else col_index
        id_vector = LazyL2Embedding(
            n_ids,
            id_width,
            l2=l2,
            embeddings_initializer=keras.initializers.RandomNormal(stddev=0.05),
            name=f"{name}_embedding",
        )(index)
        id_bias = keras.layers.Embedding(
            n_ids, 1, embeddings_initializer="zeros", name=f"{name}_bias"
        )(index)
        if id_dropout > 0:
            drop = dict(rate=id_dropout, noise_shape=(None, 1))
            id_vector = keras.layers.Dropout(**drop, name=f"{name}_id_dropout")(id_vector)
            id_bias = keras.layers.Dropout(**drop, name=f"{name}_bias_dropout")(id_bias)
        side = []
        if feature_dim:
            side.append(
                keras.Input((feature_dim,), sparse=sparse_features, name=f"{name}_features")
            )
        if history_dim:
            side.append(keras.Input((history_dim,), sparse=True, name=f"{name}_history"))
        inputs.extend(side)
        out = encoder([id_vector, *side])
        out = out if isinstance(out, (list, tuple)) else [out]
        latents.append(out[0])
        biases.append(id_bias)
        biases.extend(out[1:])
        terms = [id_bias, *out[1:]]
        side_biases[name] = terms[0] if len(terms) == 1 else keras.layers.Add()(terms)
    if output == "in_batch":
        scores = InBatchScores(name="in_batch_scores")(
            [*latents, side_biases["row"], side_biases["col"], col_index]
        )
        return keras.Model(inputs, scores, name="dual_mf")
    dot = keras.layers.Dot(axes=1, name="dot")(latents)
    output = keras.layers.Add(name="rating")([dot, *biases])
    return keras.Model(inputs, output, name="dual_mf")


# -- estimator -----------------------------------------------------------------------------------


def _in_batch_logits(y_true, y_pred):
    """In-batch scores corrected for how often each column is sampled as a negative, and the
    mask of the valid negatives (not the pair itself, not a repeat of its column)."""
    from keras import ops

    n = ops.shape(y_pred)[0]
    # In-batch negatives are drawn in proportion to the columns' popularity: subtracting each
    # column's log sampling probability (y_true) makes the scores estimate the columns'
    # preference, popularity included (the "logQ" correction of Yi et al., 2019).
    logits = y_pred - ops.reshape(ops.cast(y_true, y_pred.dtype), (1, -1))
    negative = ops.logical_and(y_pred > -1e8, ops.logical_not(ops.cast(ops.eye(n), "bool")))
    return logits, negative


@keras.saving.register_keras_serializable(package="skaquarium")
class InBatchSoftmax(keras.losses.Loss):
    """Sampled softmax with in-batch negatives.

    ``y_pred`` is the ``(batch, batch)`` output of :class:`~skaquarium.layers.InBatchScores`,
    ``y_true`` the log sampling probability of each pair's column (its share of the training
    interactions), subtracted from that column's scores (Yi et al., 2019). The loss of pair ``i``
    is the cross-entropy of its own column among the batch's columns; masked repeats of its
    column are left out.

    Examples
    --------
    >>> import numpy as np
    >>> from skaquarium.dual_mf import InBatchSoftmax
    >>> scores = np.array([[2, 0, 0], [1, 1, 1], [0, 0, 3]], dtype="float32")
    >>> # mean of log(1 + 2e^-2), log 3 and log(1 + 2e^-3): each pair against two negatives
    >>> round(float(InBatchSoftmax()(np.zeros(3), scores)), 4)
    0.4777
    """

    def __init__(self, name="in_batch_softmax", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        from keras import ops

        logits, negative = _in_batch_logits(y_true, y_pred)
        n = ops.shape(y_pred)[0]
        keep = ops.logical_or(negative, ops.cast(ops.eye(n), "bool"))
        logits = ops.where(keep, logits, -1e9)
        return ops.logsumexp(logits, axis=1) - ops.diagonal(logits)


@keras.saving.register_keras_serializable(package="skaquarium")
class InBatchBPR(keras.losses.Loss):
    """Bayesian personalized ranking with in-batch negatives.

    ``y_pred`` is the ``(batch, batch)`` output of :class:`~skaquarium.layers.InBatchScores`,
    ``y_true`` as for :class:`InBatchSoftmax`. The loss of pair ``i`` is the mean over the batch's
    other columns ``j`` of ``log(1 + exp(s_ij - s_ii))`` on the corrected scores; masked repeats
    of the pair's own column are left out.

    Examples
    --------
    >>> import numpy as np
    >>> from skaquarium.dual_mf import InBatchBPR
    >>> scores = np.array([[2, 0, 0], [1, 1, 1], [0, 0, 3]], dtype="float32")
    >>> # mean of log(1 + e^-2), log 2 and log(1 + e^-3): the mean over each pair's negatives
    >>> round(float(InBatchBPR()(np.zeros(3), scores)), 4)
    0.2896
    """

    def __init__(self, name="in_batch_bpr", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        from keras import ops

        logits, negative = _in_batch_logits(y_true, y_pred)
        positive = ops.expand_dims(ops.diagonal(logits), 1)
        weights = ops.cast(negative, y_pred.dtype)
        losses = ops.softplus(ops.where(negative, logits - positive, 0.0)) * weights
        return ops.sum(losses, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)


class UnknownIdWarning(UserWarning):
    """Warned by :meth:`DualMFRegressor.predict` and ``recommend`` with
    ``handle_unknown="warn"`` when they meet ids not seen in ``fit``, once per call.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from skaquarium import DualMFRegressor
    >>> from skaquarium.dual_mf import UnknownIdWarning
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> model = DualMFRegressor(n_components=2, epochs=1, handle_unknown="warn", random_state=0)
    >>> model = model.fit(X, [5.0, 1.0, 1.0, 5.0])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", UnknownIdWarning)
    ...     try:
    ...         model.predict([[0, 0], [7, 1]])
    ...     except UnknownIdWarning as warning:
    ...         print(str(warning).split(";")[0])
    predict met 1 row ids and 0 column ids unseen in fit
    """


def _as_ids(values, what):
    """One column of ids as a NumPy array of a single comparable kind."""
    values = np.asarray(values)
    if values.dtype.kind == "O":
        items = values.tolist()
        if all(isinstance(v, str) for v in items):
            values = np.asarray(items, dtype=str)
        elif all(isinstance(v, (Integral, np.integer)) and not isinstance(v, bool) for v in items):
            try:
                values = np.asarray(items, dtype=np.int64)
            except OverflowError:
                raise ValueError(
                    f"{what} holds integer ids outside the 64-bit range; pass such ids as strings."
                ) from None
        elif all(isinstance(v, (Real, np.floating)) and not isinstance(v, bool) for v in items):
            values = np.asarray(items, dtype=np.float64)
        else:
            kinds = sorted({type(v).__name__ for v in items})
            raise ValueError(
                f"{what} mixes id types {kinds}; ids must be all integers, all floats or all "
                "strings."
            )
    return values


def _lookup(known, sorter, values):
    """Position of each of ``values`` in ``known`` (-1 where absent)."""
    if len(known) == 0 or len(values) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    try:
        pos = np.searchsorted(known, values, sorter=sorter)
    except (TypeError, ValueError):  # ids of another kind (strings vs numbers): all unknown
        return np.full(len(values), -1, dtype=np.int64)
    pos = np.minimum(pos, len(known) - 1)
    index = sorter[pos]
    found = known[index] == values
    return np.where(found, index, -1).astype(np.int64)


class _IdIndex:
    """Maps ids to positions in ``known``; a direct table for integer ids of a small range."""

    def __init__(self, known):
        self.known = known
        self.sorter = np.argsort(known, kind="stable")
        self.table = None
        if known.dtype.kind in "iu" and len(known):
            low, high = int(known.min()), int(known.max())
            if high - low < max(4 * len(known), 1 << 16):
                self.low = low
                self.table = np.full(high - low + 1, -1, dtype=np.int64)
                self.table[known - low] = np.arange(len(known))

    def positions(self, values):
        if self.table is not None and values.dtype.kind in "iu":
            offset = values.astype(np.int64, copy=False) - self.low
            inside = (offset >= 0) & (offset < len(self.table))
            if inside.all():
                return self.table[offset]
            out = np.full(len(values), -1, dtype=np.int64)
            out[inside] = self.table[offset[inside]]
            return out
        return _lookup(self.known, self.sorter, values)


def _parse_layers(layers, name):
    """``row_layers``/``col_layers`` as a tuple of (units, activation)."""
    parsed = []
    for spec in layers:
        if isinstance(spec, (Integral, np.integer)) and not isinstance(spec, bool):
            units, activation = int(spec), "relu"
        elif (
            isinstance(spec, (tuple, list))
            and len(spec) == 2
            and isinstance(spec[0], (Integral, np.integer))
            and isinstance(spec[1], str)
        ):
            units, activation = int(spec[0]), spec[1]
        else:
            raise ValueError(
                f"{name} must be a sequence of layer sizes or (size, activation) pairs; got the "
                f"entry {spec!r}."
            )
        if units < 1 or activation not in _ACTIVATIONS:
            raise ValueError(
                f"{name} entries need a size >= 1 and an activation in {sorted(_ACTIVATIONS)}; "
                f"got {spec!r}."
            )
        parsed.append((units, activation))
    return tuple(parsed)


def _ratings_matrix(rows, cols, values, shape):
    """CSR matrix of ratings; repeated (row, col) pairs are averaged; explicit zeros are kept."""
    keys = rows.astype(np.int64) * shape[1] + cols
    unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=values, minlength=len(unique))
    matrix = sp.csr_matrix(
        ((sums / counts).astype(np.float32), (unique // shape[1], unique % shape[1])),
        shape=shape,
    )
    matrix.has_canonical_format = True
    return matrix


def _history_input(hist, rows, cols, centred, lengths, factor, n_out=None):
    """The two-part history input as a sparse matrix: for each entry (row, col) the centred
    rating and the "rated" indicator (implicit feedback, as in SVD++), side by side, both scaled
    by ``factor / sqrt(length of the row's history)`` so that long and short histories give
    inputs of comparable size."""
    n_other = hist.shape[1]
    scale = (factor / np.sqrt(np.maximum(lengths, 1))).astype(np.float32)
    n_out = hist.shape[0] if n_out is None else n_out
    values = (centred * scale).astype(np.float32)
    # Ratings at the mean add nothing (all of them with constant implicit confidences): left out,
    # so that the work follows the nonzeros.
    nonzero = values != 0
    matrix = sp.coo_matrix(
        (
            np.concatenate([values[nonzero], scale]),
            (
                np.concatenate([rows[nonzero], rows]),
                np.concatenate([cols[nonzero], cols + n_other]),
            ),
        ),
        shape=(n_out, 2 * n_other),
    )
    return matrix.tocsr()


#: ``recommend`` scores rows in blocks of about this many (row, column) scores (32 MiB of float64).
_TOP_K_CELLS = 2**22


#: A training batch's histories are densified when a pair's history input (its ratings off the
#: mean and its "rated" indicators, side by side) fills at least this share of its width on
#: average: a dense matrix product then beats the sparse path (MovieLens 100K ratings, 6% filled:
#: dense 3.5 times faster per epoch on 2 cores), and the dense batch stays small. MovieLens 1M as
#: implicit interactions (indicators only, 1.7% filled with max_history=128): sparse 48 s per
#: epoch against 84 s dense.
_DENSE_HISTORY_FILL = 0.02


def _dense_histories(hist, max_history):
    """Whether training batches of histories ``hist`` go to the graph dense."""
    if hist is None or hist.nnz == 0:
        return False
    lengths = np.diff(hist.indptr).astype(np.float64)
    if max_history is not None:
        lengths = np.minimum(lengths, max_history)
    # Pairs pick ids in proportion to their number of ratings: the mean history of a pair. Its
    # input holds the "rated" indicators and the ratings off the mean (none with constant
    # implicit confidences, where the input is half as full).
    per_pair = float((lengths * np.diff(hist.indptr)).sum() / hist.nnz)
    per_pair *= 1.0 + np.count_nonzero(hist.data) / hist.nnz
    return bool(per_pair >= _DENSE_HISTORY_FILL * 2 * hist.shape[1])


def _history_batch(hist, own, other, max_history, rng):
    """The history inputs of one training batch of pairs (``own`` id, ``other`` id).

    Each pair gets its own id's history without the pair's own rating (the model learns to
    predict a rating from the *other* ratings). A history longer than ``max_history`` is
    replaced by a systematic random sample of ``max_history`` entries (a random start, then
    evenly spaced), scaled by ``length / max_history`` so that its sum estimates the full
    history's without bias; the work per pair is then bounded whatever the catalogue.
    """
    start = hist.indptr[own]
    lengths = hist.indptr[own + 1] - start
    taken = lengths if max_history is None else np.minimum(lengths, max_history)
    pair = np.repeat(np.arange(len(own)), taken)
    k = np.arange(len(pair)) - np.repeat(np.cumsum(taken) - taken, taken)
    if max_history is not None and (lengths > max_history).any():
        step = lengths / np.maximum(taken, 1)
        offset = rng.uniform(0.0, step)
        k = np.minimum((offset[pair] + k * step[pair]).astype(np.int64), lengths[pair] - 1)
    entry = start[pair] + k
    cols = hist.indices[entry]
    keep = cols != other[pair]  # the rating being predicted is not an input
    pair, cols, entry = pair[keep], cols[keep], entry[keep]
    factor = (lengths / np.maximum(taken, 1))[pair]
    return _history_input(hist, pair, cols, hist.data[entry], lengths[pair], factor, n_out=len(own))


def _migrate_dense_towers(old, new):
    """``new`` (the sparse-input graph) with the weights of ``old``, a graph saved by versions
    whose towers read densified histories and features through dense layers.

    The dense layers' kernels are the sparse layers' kernels; the old side bias, one dense layer
    over the features and the history side by side, is split between the two inputs' side
    kernels.
    """
    for name in ("row_embedding", "row_bias", "col_embedding", "col_bias"):
        new.get_layer(name).set_weights(old.get_layer(name).get_weights())
    for side in ("row", "col"):
        old_tower, new_tower = old.get_layer(f"{side}_encoder"), new.get_layer(f"{side}_encoder")
        names = {layer.name for layer in old_tower.layers}
        kernel, bias = old_tower.get_layer(f"{side}_side_bias").get_weights()
        start = 0
        for part in ("feature", "history"):
            if f"{side}_{part}_embedding" not in names:
                continue
            weights = old_tower.get_layer(f"{side}_{part}_embedding").get_weights()
            width = weights[0].shape[0]
            side_bias = bias if start == 0 else np.zeros_like(bias)
            new_tower.get_layer(f"{side}_{part}_embedding").set_weights(
                [*weights, kernel[start : start + width], side_bias]
            )
            start += width
        for layer in new_tower.layers:
            if layer.weights and layer.name.startswith((f"{side}_hidden", f"{side}_latent")):
                layer.set_weights(old_tower.get_layer(layer.name).get_weights())
    return new


#: ``epochs="auto"`` with a ranking loss: about this many training pairs presented in all, and
#: the fewest and most epochs.
_AUTO_RANKING_PRESENTATIONS = 3_200_000
_AUTO_RANKING_EPOCHS = (2, 20)
#: ``l2="auto"``: the penalty for the rating loss and for the ranking losses.
_AUTO_L2 = {"mse": 3e-4, "ranking": 1e-4}


class DualMFRegressor(RegressorMixin, SkaquariumEstimator):
    """Deep dual-network matrix factorisation of a rating matrix (a scikit-learn regressor).

    ``X`` holds (row id, column id) pairs, e.g. (user, item), and ``y`` their ratings. A row
    tower and a column tower each encode one side into a latent vector of ``n_components``; the
    predicted rating is their dot product plus a row bias, a column bias and the global mean,
    clipped to the range of ratings seen in ``fit``. Each tower sums an id embedding, optionally
    an embedding of the id's side features and optionally an embedding of the id's own rating
    history (its sparse vector of training ratings, centred on the global mean, as the user
    network of Xiong et al. and I-AutoRec do, next to the indicator of which ids it rated, as
    SVD++'s implicit feedback), then applies its hidden layers.

    While training, the rating being predicted is removed from both histories of its sample, so
    the model learns to predict a rating from the *other* ratings. After ``fit`` both towers run
    once over every known id; ``predict`` and :meth:`recommend` then only gather and multiply
    the cached vectors. Ids never seen in ``fit`` are encoded from their side features (with a
    zero id embedding and an empty history); :meth:`fold_in` adds ratings that arrive later
    without retraining.

    Parameters
    ----------
    n_components : int, default=32
        Size of the latent vectors.
    row_layers, col_layers : tuple, default=()
        Hidden layers of the row and column towers: a sequence of sizes (ReLU) or of
        ``(size, activation)`` pairs, e.g. ``((500, "sigmoid"),)``. Empty: the summed
        embeddings are the latent vector (a linear tower).
    row_history, col_history : bool, default=True
        Feed each id's rating history into its tower.
    l2 : float or "auto", default="auto"
        L2 penalty of the embeddings and kernels, added to the loss at every batch: of every
        hidden-layer kernel, and of the rows of the id embeddings and of the history and
        feature kernels that the batch uses (a row a batch does not use is neither penalised
        nor updated, so that a step costs as much as its batch, not as the catalogue).
        ``"auto"``: 3e-4 for ``loss="mse"`` (chosen on held-out parts of MovieLens 100K's
        u1.base and u2.base), 1e-4 for the ranking losses (chosen on MovieLens 1M's held-out
        training interactions: Recall@20 0.253 against 0.242 at 3e-4, 0.248 at 2e-4 and 0.230
        without; with the averaging of ``average_from_epoch``, MovieLens 100K's gave 0.347
        against 0.338 with the earlier 3e-4 and no averaging).
    dropout : float, default=0.0
        Dropout rate after every hidden layer (on the latent vector of a tower without hidden
        layers).
    history_dropout : float, default=0.25
        Dropout rate of the history inputs while training (entries of a history are hidden at
        random, as in denoising autoencoders). The default was chosen on held-out parts of
        MovieLens 100K's u1.base and u2.base (mean RMSE 0.8878, against 0.8897 without dropout
        and 0.8898 at 0.5).
    id_dropout : float, default=0.0
        Probability that a training rating's row or column id embedding and id bias are
        hidden, so that the towers learn to encode an id from its side features and history
        alone, as they must for ids that :meth:`fold_in` adds or that ``fit`` never saw.
    max_history : int or None, default=128
        While training, a history longer than this is replaced by a seeded random sample of
        this many of its ratings (scaled so that the sample's sum estimates the whole
        history's), so that a rating of a popular item (whose history may hold tens of
        thousands of ratings) costs no more than any other: the work per training rating is
        bounded whatever the size of the catalogue. Encoding after ``fit``, :meth:`fold_in`
        and the validation loss use whole histories. None: whole histories while training too.
    handle_unknown : {"ignore", "warn", "error"}, default="ignore"
        What :meth:`predict` and :meth:`recommend` do with row or column ids that ``fit`` (or
        :meth:`fold_in`) never saw, as scikit-learn's ``OneHotEncoder(handle_unknown=...)``:
        "ignore" encodes them from their side features where ``fit`` had features for them, else
        gives them zero id vectors (a prediction from the known side's bias and the global mean;
        an unknown row's recommendations then rank columns by their bias: the most liked
        columns); "warn" does the same and warns once per call with an :class:`UnknownIdWarning`
        that counts them; "error" raises a ``ValueError`` that names one. Standard train/test
        splits of rating data almost always hold test ids unseen in training, hence the quiet
        default.
    loss : {"mse", "softmax", "bpr"}, default="mse"
        What training fits. ``"mse"``: the ratings ``y`` (explicit feedback; ``predict`` gives
        ratings). ``"softmax"`` and ``"bpr"``: implicit feedback, the pairs of ``X`` are
        interactions (clicks, plays, purchases, or every rating) and ``y`` their confidences
        (1 for plain interactions, or counts; each pair's training weight is ``y`` times its
        ``sample_weight``, so ``y`` must be finite and non-negative), learnt as a ranking with the
        other columns of each training batch as sampled negatives
        (:class:`~skaquarium.layers.InBatchScores`; repeats of the pair's column within the batch
        are masked; as in-batch negatives are drawn in proportion to the columns' popularity,
        each column's score is corrected by its log share of the training interactions, Yi et
        al.'s "logQ" correction): ``"softmax"`` is the cross-entropy of the pair's column among
        the batch's columns (sampled softmax, :class:`InBatchSoftmax`), ``"bpr"`` the mean
        Bayesian personalized ranking loss ``log(1 + exp(s_neg - s_pos))`` over the batch's
        other columns (:class:`InBatchBPR`). ``batch_size`` is then also the number of
        negatives per pair. ``predict`` then gives
        preference scores for ranking (unclipped, not ratings), :meth:`recommend` the top
        columns, and :meth:`score` NDCG@10 of held-out pairs
        (:func:`~skaquarium.metrics.make_ranking_scorer`).
    {training_parameters}

    Attributes
    ----------
    row_ids_, col_ids_ : ndarray
        The known ids: those of ``fit`` (sorted), followed by those added by :meth:`fold_in`.
        Position ``i`` indexes ``row_embeddings_[i]``, ``row_bias_[i]`` and row ``i`` of
        ``ratings_``.
    ratings_ : scipy.sparse.csr_matrix of shape (n_row_ids, n_col_ids)
        The ratings seen in ``fit`` and :meth:`fold_in` (the histories and the seen items).
    global_mean_ : float
        Mean training rating.
    rating_range_ : tuple of float
        (min, max) of the training ratings; predictions are clipped to it.
    row_layers_, col_layers_ : tuple of (int, str)
        The towers' hidden layers as built: ``row_layers``/``col_layers`` resolved to
        (units, activation) pairs.
    row_embeddings_, col_embeddings_ : ndarray of shape (n_ids, n_components)
        The towers' latent vectors of every known id.
    row_bias_, col_bias_ : ndarray of shape (n_ids,)
        Their biases (id bias plus the side-input bias).
    row_features_, col_features_ : csr_matrix, ndarray or None
        Side features given to ``fit``, as float32, one row per id of ``row_feature_ids_`` /
        ``col_feature_ids_`` (sorted).
    row_feature_ids_, col_feature_ids_ : ndarray or None
        The ids the feature rows describe.
    n_features_in_ : int
        Always 2.
    feature_names_in_ : ndarray of str
        Column names of ``X`` when it was a DataFrame with string column names.
    history_, loss_curve_, n_iter_, validation_loss_curve_, best_validation_loss_
        Training curves (see :class:`~skaquarium._base.SkaquariumEstimator`).
    model_ : keras.Model
        The trained dual network.

    See Also
    --------
    surprise.SVD, surprise.SVDpp : classical matrix factorisation baselines.

    Notes
    -----
    Side features are ``fit`` parameters (``fit(X, y, row_features=..., col_features=...)``),
    like ``sample_weight``, so that the estimator's parameters stay small for ``clone`` and
    ``GridSearchCV``; they are kept as fitted attributes for predicting new ids. A feature
    source is either a DataFrame indexed by id (sparse DataFrames stay sparse) or an array /
    sparse matrix whose row ``k`` describes the integer id ``k``. Pass them to
    ``GridSearchCV.fit`` as keyword arguments; they are then forwarded to every fit (as long as
    the number of feature rows differs from the number of ratings, which scikit-learn would
    otherwise split like the samples).

    Cost follows the ratings: a history enters its tower as a sparse input read by an embedding
    bag (:class:`~skaquarium.layers.SparseEmbeddingBag`), so a training rating costs in
    proportion to the two histories it reads (at most ``max_history`` each), whatever the
    numbers of users and items; where a pair's history fills at least 2% of the catalogue on
    average (MovieLens-sized data), training batches are read densely instead, which is faster
    there. ``optimizer="adam"`` updates only the rows of the id embeddings and history kernels
    that a batch uses (:class:`~skaquarium._optimizers.LazyAdam`), and ``l2`` penalises only
    those rows. :meth:`recommend` scores rows in blocks. Nothing as large as users x items is
    ever allocated (a test trains on a catalogue of 150,000 x 80,000, which would take 48 GB as
    a dense matrix); the README's scale benchmark gives the throughput.

    How long to train: for ratings (``loss="mse"``), five passes (``epochs="auto"``) at the
    default learning rate and batch size suit MovieLens-sized data (100,000 ratings); more passes
    overfit there. The ranking losses train longer on small data and shorter on large data
    (about 3.2 million pairs presented in all, see ``epochs``), at a larger learning rate and a
    smaller ``l2``, and predict with the average of their second half of epochs. On
    other data, tune ``epochs`` (e.g. with ``GridSearchCV``) or let ``early_stopping`` choose
    it. Early stopping is off by default because the held-out ratings are then missing from
    training, which cost about 0.005 RMSE on MovieLens 100K compared with a fixed, tuned number
    of epochs on all ratings.

    References
    ----------
    Y. Xiong, D. Lin, H. Niu, J. Cheng and Z. Li. Collaborative Deep Embedding via Dual Networks.
    2017. https://openreview.net/forum?id=r1w7Jdqxl

    S. Sedhain, A. K. Menon, S. Sanner and L. Xie. AutoRec: Autoencoders Meet Collaborative
    Filtering. WWW 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from skaquarium import DualMFRegressor
    >>> rng = np.random.RandomState(0)
    >>> users, items = rng.randint(0, 30, 600), rng.randint(0, 20, 600)
    >>> ratings = np.clip(np.round(3 + np.sin(users) * np.cos(items) * 2), 1, 5)
    >>> X = np.column_stack([users, items])
    >>> model = DualMFRegressor(n_components=8, epochs=5, random_state=0).fit(X, ratings)
    >>> model.predict(X[:3]).shape
    (3,)
    >>> top_items, scores = model.recommend([0, 1], k=3)
    >>> top_items.shape, scores.shape
    ((2, 3), (2, 3))
    """

    _samples = "ratings"
    _parameter_constraints: dict = {
        **SkaquariumEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "row_layers": [tuple, list],
        "col_layers": [tuple, list],
        "row_history": ["boolean"],
        "col_history": ["boolean"],
        "l2": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "history_dropout": [Interval(Real, 0, 1, closed="left")],
        "id_dropout": [Interval(Real, 0, 1, closed="left")],
        "max_history": [Interval(Integral, 1, None, closed="left"), None],
        "handle_unknown": [StrOptions({"ignore", "warn", "error"})],
        "loss": [StrOptions({"mse", "softmax", "bpr"})],
        "epochs": [*SkaquariumEstimator._parameter_constraints["epochs"], StrOptions({"auto"})],
        "learning_rate": [
            *SkaquariumEstimator._parameter_constraints["learning_rate"],
            StrOptions({"auto"}),
        ],
        "average_from_epoch": [
            *SkaquariumEstimator._parameter_constraints["average_from_epoch"],
            StrOptions({"auto"}),
        ],
    }
    _training_parameter_docs = {
        "epochs": (
            'int or "auto"',
            "Passes over the training ratings (the most, with ``early_stopping``). "
            '``"auto"``: 5 for ``loss="mse"`` (MovieLens-sized rating data overfits with more); '
            "for the ranking losses as many as present about "
            f"{_AUTO_RANKING_PRESENTATIONS:,} training pairs in all, at least "
            f"{_AUTO_RANKING_EPOCHS[0]} and at most {_AUTO_RANKING_EPOCHS[1]}: 20 on 80,000 "
            "interactions, 4 on 800,000 (chosen with the averaging of ``average_from_epoch`` on "
            "held-out training interactions of MovieLens 100K and 1M: on 1M, Recall@20 0.266, "
            "0.270 and 0.274 after 3, 4 and 6 epochs, 0.253 after 2 without averaging). The "
            "number trained is ``n_iter_``.",
        ),
        "average_from_epoch": (
            'int, "auto" or None',
            AVERAGING_DOC
            + ' ``"auto"``: none for ``loss="mse"``; for the ranking losses the second '
            "half of a fit's epochs, from epoch ``max(2, epochs // 2)`` (``partial_fit``: from its "
            "second call). On held-out training interactions of MovieLens 1M, the average of "
            "epochs 2-4 gave Recall@20 0.270 against 0.253 for the last of 2 epochs with "
            "``l2=1e-4``, and 0.249 against 0.242 with ``l2=3e-4``. None: the last epoch's "
            "weights.",
        ),
        "learning_rate": (
            'float or "auto"',
            'Step size of the optimizer. ``"auto"``: 2e-3 for ``loss="mse"``, 1e-2 for the ranking '
            "losses (chosen on MovieLens 100K's held-out training interactions: Recall@20 0.338 "
            "against 0.328 at 2e-3 and 5 epochs).",
        ),
    }
    _accepts_string = True

    def __init__(
        self,
        *,
        n_components=32,
        row_layers=(),
        col_layers=(),
        row_history=True,
        col_history=True,
        l2="auto",
        dropout=0.0,
        history_dropout=0.25,
        id_dropout=0.0,
        max_history=128,
        handle_unknown="ignore",
        loss="mse",
        epochs="auto",
        batch_size=1024,
        learning_rate="auto",
        optimizer="adam",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=2,
        average_from_epoch="auto",
        warm_start=False,
        random_state=None,
        verbose=0,
        callbacks=None,
        distribution=None,
    ):
        self.n_components = n_components
        self.row_layers = row_layers
        self.col_layers = col_layers
        self.row_history = row_history
        self.col_history = col_history
        self.l2 = l2
        self.dropout = dropout
        self.history_dropout = history_dropout
        self.id_dropout = id_dropout
        self.max_history = max_history
        self.handle_unknown = handle_unknown
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.average_from_epoch = average_from_epoch
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.distribution = distribution

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Ids unseen in training carry no information: scikit-learn's random toy data (a new id
        # per sample) cannot be fitted well.
        tags.regressor_tags.poor_score = True
        return tags

    # -- fit ---------------------------------------------------------------------------------

    def fit(self, X, y, sample_weight=None, *, row_features=None, col_features=None):
        """Fit the dual network on (row id, column id) -> rating.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Row id and column id of each rating; integers, floats or strings, or a two-column
            DataFrame.
        y : array-like of shape (n_samples,)
            The ratings.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-rating weights.
        row_features, col_features : DataFrame, array-like or sparse matrix, default=None
            Side features of the row / column ids: a DataFrame indexed by id, or a matrix whose
            row ``k`` describes the integer id ``k``. Every id of ``X`` must have a row.
            Ids outside ``X`` that have a row can be predicted from their features.

        Returns
        -------
        self : DualMFRegressor
            The fitted estimator.
        """
        epochs = self._epochs_for(X)
        done = len(self.history_["loss"]) if self.warm_start and hasattr(self, "model_") else 0
        self._auto_average_from = done + max(2, epochs // 2)
        return self._fit(
            X,
            y,
            sample_weight,
            epochs=epochs,
            warm=self.warm_start,
            row_features=row_features,
            col_features=col_features,
        )

    def partial_fit(self, X, y, sample_weight=None):
        """Train one more epoch on ratings of known ids (the first call fits from scratch).

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Row id and column id of each rating.
        y : array-like of shape (n_samples,)
            The ratings.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-rating weights.

        Returns
        -------
        self : DualMFRegressor
            The estimator.
        """
        # average_from_epoch="auto" with a ranking loss: from the second call on, or where an
        # earlier fit's average started.
        self._auto_average_from = getattr(self, "_auto_average_from", 2)
        return super().partial_fit(X, y, sample_weight)

    def _validate_pairs(self, X, y=None, *, reset):
        # dtype=None keeps string and integer ids as they are; at least 2 columns are checked
        # here (with scikit-learn's message), exactly 2 below.
        check = dict(reset=reset, dtype=None, ensure_min_features=2)
        if isinstance(X, (list, tuple)):
            # NumPy would turn [[1, "a"]] into strings ("1"), so a known integer id 1 would
            # become unknown: ids keep their Python values and types.
            X = np.asarray(X, dtype=object)
        if y is None:
            X = validate_data(self, X, **check)
        else:
            X, y = validate_data(self, X, y, y_numeric=True, **check)
        if X.shape[1] != 2:
            raise ValueError(
                "X must have exactly 2 columns (row id, column id); got "
                f"{X.shape[1]} feature(s) in X of shape {X.shape}."
            )
        rows = _as_ids(X[:, 0], "Column 0 of X (the row ids)")
        cols = _as_ids(X[:, 1], "Column 1 of X (the column ids)")
        if y is None:
            return rows, cols
        y = np.asarray(y, dtype=np.float64)
        finite = np.isfinite(y)
        if finite.all() and len(y) and np.abs(y).max() > np.finfo(np.float32).max / 4:
            raise ValueError(
                f"y holds ratings as large as {np.abs(y).max():.3g}; the model computes in "
                "float32, so ratings must stay far below 3.4e38 in absolute value (rescale them)."
            )
        return rows, cols, y

    def _prepare_fit(self, X, y, sample_weight, *, reset, row_features=None, col_features=None):
        if y is None:
            raise ValueError(
                "DualMFRegressor requires y to be passed, but the target y is None: fit needs "
                "the ratings."
            )
        row_layers = _parse_layers(self.row_layers, "row_layers")
        col_layers = _parse_layers(self.col_layers, "col_layers")
        rows, cols, y = self._validate_pairs(X, y, reset=reset)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float32)
            if sample_weight.shape != y.shape:
                raise ValueError(
                    f"sample_weight must have shape {y.shape}; got {sample_weight.shape}."
                )
        ranking = self.loss != "mse"
        if ranking:
            if not np.all(np.isfinite(y)) or (y < 0).any():
                raise ValueError(
                    f"With loss={self.loss!r}, y holds the confidences of the interactions: "
                    "finite and non-negative (1 for plain interactions, or counts)."
                )
            weight = y.astype(np.float32)
            sample_weight = weight if sample_weight is None else weight * sample_weight
        if reset:
            self.row_layers_, self.col_layers_ = row_layers, col_layers
            self.row_ids_, row_index = np.unique(rows, return_inverse=True)
            self.col_ids_, col_index = np.unique(cols, return_inverse=True)
            self.global_mean_ = float(np.mean(y))
            # Ranking scores are not ratings: never clipped.
            self.rating_range_ = (
                (-np.inf, np.inf) if ranking else (float(np.min(y)), float(np.max(y)))
            )
            self.ratings_ = _ratings_matrix(
                row_index, col_index, y, (len(self.row_ids_), len(self.col_ids_))
            )
            self.row_features_, self.row_feature_ids_ = self._check_features(
                row_features, "row_features", self.row_ids_
            )
            self.col_features_, self.col_feature_ids_ = self._check_features(
                col_features, "col_features", self.col_ids_
            )
        else:
            if row_features is not None or col_features is not None:
                raise ValueError(
                    "row_features and col_features can only be given to a fit that starts "
                    "from scratch (warm_start=False)."
                )
            row_index = self._known_index(rows, "row")
            col_index = self._known_index(cols, "col")
            self.ratings_ = self._merge_ratings(row_index, col_index, y)
        self._refresh_lookups()
        # Ranking losses: each batch's targets are its columns' log frequencies (made by the batch
        # transform); y has become the weights.
        targets = np.zeros(len(y), np.float32) if ranking else y - self.global_mean_
        return FitData(
            [row_index.astype(np.int32), col_index.astype(np.int32)],
            targets.astype(np.float32)[:, None],
            sample_weight,
        )

    def _known_index(self, ids, side):
        known = self.row_ids_ if side == "row" else self.col_ids_
        n_fit = self._n_fit(side)
        index = _lookup(known, np.argsort(known, kind="stable"), ids)
        bad = (index < 0) | (index >= n_fit)
        if bad.any():
            raise ValueError(
                f"A warm fit or partial_fit can only train ids seen by the first fit; X has "
                f"{len(np.unique(ids[bad]))} unknown {side} ids, e.g. {ids[bad][0]!r}. Use "
                "fold_in to add ratings of new ids."
            )
        return index

    def _check_features(self, features, name, ids):
        """Validate a side-feature source; return (float32 matrix sorted by id, sorted ids)."""
        if features is None:
            return None, None
        if hasattr(features, "index") and hasattr(features, "columns"):
            index = _as_ids(np.asarray(features.index), f"The index of {name}")
            if len(np.unique(index)) != len(index):
                raise ValueError(f"The index of {name} has repeated ids; each id needs one row.")
            if all(str(t).startswith("Sparse") for t in features.dtypes):
                matrix = features.sparse.to_coo().tocsr()
            else:
                matrix = features.to_numpy()
            feature_ids = index
        else:
            matrix = features
            feature_ids = None
        if sp.issparse(matrix):
            matrix = sp.csr_matrix(matrix, dtype=np.float32)
            data = matrix.data
        else:
            try:
                matrix = np.asarray(matrix, dtype=np.float32)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name} must be numeric; {exc}") from None
            data = matrix
        if matrix.ndim != 2 or matrix.shape[0] == 0 or matrix.shape[1] == 0:
            raise ValueError(
                f"{name} must be a non-empty 2-D matrix with one row per id; got shape "
                f"{matrix.shape}."
            )
        if not np.all(np.isfinite(data)):
            raise ValueError(f"{name} contains NaN or infinity.")
        if feature_ids is None:
            if ids.dtype.kind not in "iu" or ids.min() < 0 or ids.max() >= matrix.shape[0]:
                raise ValueError(
                    f"{name} is a matrix without ids, so row k describes the integer id k; the "
                    f"ids of X must then be integers in [0, {matrix.shape[0] - 1}], got ids of "
                    f"dtype {ids.dtype} in [{ids.min()!r}, {ids.max()!r}]. Pass a DataFrame "
                    "indexed by id instead."
                )
            return matrix, np.arange(matrix.shape[0], dtype=np.int64)
        order = np.argsort(feature_ids, kind="stable")
        feature_ids, matrix = feature_ids[order], matrix[order]
        missing = _lookup(feature_ids, np.arange(len(feature_ids)), ids) < 0
        if missing.any():
            raise ValueError(
                f"{name} has no row for {int(missing.sum())} of the {len(ids)} ids of X, e.g. "
                f"{ids[missing][0]!r}; its index must contain every id."
            )
        return matrix, feature_ids

    def _merge_ratings(self, row_index, col_index, y):
        """``ratings_`` updated with new ratings (they replace earlier ones of the same pair)."""
        shape = (len(self.row_ids_), len(self.col_ids_))
        new = _ratings_matrix(row_index, col_index, y, shape).tocoo()
        old = self.ratings_.tocoo()
        old = sp.coo_matrix((old.data, (old.row, old.col)), shape=shape)
        rows = np.concatenate([new.row, old.row])
        cols = np.concatenate([new.col, old.col])
        data = np.concatenate([new.data, old.data])
        keys, first = np.unique(rows.astype(np.int64) * shape[1] + cols, return_index=True)
        matrix = sp.csr_matrix(
            (data[first], (keys // shape[1], keys % shape[1])), shape=shape, dtype=np.float32
        )
        matrix.has_canonical_format = True
        return matrix

    def _n_fit(self, side):
        """Number of ids the model was trained on (ids added by fold_in come after them)."""
        if hasattr(self, "model_"):
            return int(self.model_.get_layer(f"{side}_bias").input_dim)
        return len(self.row_ids_ if side == "row" else self.col_ids_)

    def _refresh_lookups(self):
        """Private caches derived from the fitted attributes (recomputed after load)."""
        self._row_index = _IdIndex(self.row_ids_)
        self._col_index = _IdIndex(self.col_ids_)
        self._by_col = None

    def _centred_history(self, side, n_fit_other):
        """Ratings of every known id of ``side`` over the trained ids of the other side, centred
        on the global mean (CSR, sorted indices)."""
        ratings = self.ratings_ if side == "row" else self._ratings_by_col()
        hist = ratings[:, :n_fit_other].tocsr()
        hist.sort_indices()
        hist.data = hist.data - np.float32(self.global_mean_)
        return hist

    def _history(self, side, n_fit_other, centred=None):
        """The towers' history input of every known id of ``side``, exact (as encoded), from
        ``centred`` (``_centred_history``) when the caller has it."""
        hist = self._centred_history(side, n_fit_other) if centred is None else centred
        rows = np.repeat(np.arange(hist.shape[0]), np.diff(hist.indptr))
        return _history_input(hist, rows, hist.indices, hist.data, np.diff(hist.indptr)[rows], 1.0)

    def _ratings_by_col(self):
        if getattr(self, "_by_col", None) is None:
            self._by_col = self.ratings_.T.tocsr()
        return self._by_col

    def _side_features(self, side, ids):
        """Feature rows of ``ids`` (zero rows for ids without features), or None."""
        features = getattr(self, f"{side}_features_")
        if features is None:
            return None
        feature_ids = getattr(self, f"{side}_feature_ids_")
        pos = _lookup(feature_ids, np.arange(len(feature_ids)), ids)
        if sp.issparse(features):
            keep = sp.diags((pos >= 0).astype(np.float32))
            return (keep @ features[np.maximum(pos, 0)]).tocsr()
        out = features[np.maximum(pos, 0)]
        out[pos < 0] = 0.0
        return out

    def _history_enabled(self, side):
        return bool(self.row_history if side == "row" else self.col_history)

    def _build_model(self, data):
        n_rows, n_cols = len(self.row_ids_), len(self.col_ids_)
        return build_dual_mf_graph(
            n_rows,
            n_cols,
            n_components=self.n_components,
            row_layers=self.row_layers_,
            col_layers=self.col_layers_,
            row_feature_dim=0 if self.row_features_ is None else self.row_features_.shape[1],
            col_feature_dim=0 if self.col_features_ is None else self.col_features_.shape[1],
            row_history_dim=2 * n_cols if self.row_history else 0,
            col_history_dim=2 * n_rows if self.col_history else 0,
            row_sparse_features=sp.issparse(self.row_features_),
            col_sparse_features=sp.issparse(self.col_features_),
            l2=self._effective("l2"),
            dropout=self.dropout,
            history_dropout=self.history_dropout,
            id_dropout=self.id_dropout,
            output="rating" if self.loss == "mse" else "in_batch",
        )

    def _effective(self, name):
        """A parameter's value, with ``"auto"`` resolved from ``loss`` (and, for
        ``average_from_epoch``, from the epochs of the fit under way)."""
        value = getattr(self, name)
        if not (isinstance(value, str) and value == "auto"):
            return value
        ranking = self.loss != "mse"
        if name == "learning_rate":
            return 1e-2 if ranking else 2e-3
        if name == "l2":
            return _AUTO_L2["ranking" if ranking else "mse"]
        if name == "average_from_epoch":
            return getattr(self, "_auto_average_from", 2) if ranking else None
        return value

    def _check_averaging(self, epochs, warm):
        # "auto" averages the second half of the fit's epochs (nothing in a fit of one).
        if not (isinstance(self.average_from_epoch, str) and self.average_from_epoch == "auto"):
            super()._check_averaging(epochs, warm)

    def _epochs_for(self, X):
        """``epochs``, with ``"auto"`` resolved from ``loss`` and the number of pairs."""
        if not (isinstance(self.epochs, str) and self.epochs == "auto"):
            return self.epochs
        if self.loss == "mse":
            return 5
        try:
            n = _num_samples(X)
        except TypeError:  # not data at all: the fit's validation says so
            n = 1
        low, high = _AUTO_RANKING_EPOCHS
        return int(min(max(round(_AUTO_RANKING_PRESENTATIONS / max(n, 1)), low), high))

    def _get_loss(self):
        if self.loss == "softmax":
            return InBatchSoftmax()
        if self.loss == "bpr":
            return InBatchBPR()
        return "mse"

    _sparse_batches = "keep"
    # Histories are sampled and assembled in NumPy while the model trains on the previous batch.
    _batch_workers = 2

    def _make_optimizer(self):
        if self.optimizer == "adam":
            # Only the table rows a batch uses are updated: a step costs as much as the batch,
            # not as the catalogue.
            return LazyAdam(learning_rate=self._effective("learning_rate"))
        return super()._make_optimizer()

    def _batch_transform(self, training):
        # Each batch of (row index, column index) pairs gets its ids' side features and
        # histories, for that batch only: sparse, or dense when a history fills enough of its
        # width for a dense product to be faster (then whole, as it costs the same).
        n_rows, n_cols = self._n_fit("row"), self._n_fit("col")
        max_history = self.max_history if training else None
        side_inputs = {}
        for side, n_other in (("row", n_cols), ("col", n_rows)):
            ids = (self.row_ids_ if side == "row" else self.col_ids_)[: self._n_fit(side)]
            features = self._side_features(side, ids)
            history = dense = None
            if self._history_enabled(side):
                history = self._centred_history(side, n_other)
                if _dense_histories(history, max_history):
                    dense = self._history(side, n_other, centred=history)
            side_inputs[side] = (features, history, dense)

        log_q = None
        if self.loss != "mse":  # each column's share of the training interactions, smoothed
            counts = np.bincount(self.ratings_.indices, minlength=self.ratings_.shape[1])
            log_q = np.log((counts + 1.0) / (counts.sum() + len(counts))).astype(np.float32)

        def transform(x, y, rng):
            row_index, col_index = x
            if log_q is not None and y is not None:  # targets: the columns' log frequencies
                y = log_q[col_index]
            out = []
            for side, own, other in (("row", row_index, col_index), ("col", col_index, row_index)):
                features, history, dense = side_inputs[side]
                out.append(own)
                if features is not None:
                    out.append(features[own])
                if dense is not None:
                    batch = dense[own].toarray()
                    rows, n_other = np.arange(len(own)), history.shape[1]
                    batch[rows, other] = batch[rows, other + n_other] = 0.0  # not its own input
                    out.append(batch)
                elif history is not None:
                    out.append(_history_batch(history, own, other, max_history, rng))
            return out, y

        return transform

    # -- encoding ----------------------------------------------------------------------------

    def _encode(self, side, positions, ids):
        """Run ``side``'s tower over known positions / ids; return (latent, bias)."""
        n_fit = self._n_fit(side)
        n_other = self._n_fit("col" if side == "row" else "row")
        encoder = self.model_.get_layer(f"{side}_encoder")
        id_table = self.model_.get_layer(f"{side}_embedding").get_weights()[0]
        bias_table = self.model_.get_layer(f"{side}_bias").get_weights()[0][:, 0]
        trained = (positions >= 0) & (positions < n_fit)
        id_vectors = np.zeros((len(ids), id_table.shape[1]), dtype=np.float32)
        id_vectors[trained] = id_table[positions[trained]]
        inputs = [id_vectors]
        features = self._side_features(side, ids)
        if features is not None:
            inputs.append(features)
        if self._history_enabled(side):
            hist = self._history(side, n_other)
            known = positions >= 0
            rows = sp.csr_matrix((len(ids), hist.shape[1]), dtype=np.float32)
            if known.any():
                select = sp.csr_matrix(
                    (
                        np.ones(known.sum(), dtype=np.float32),
                        (np.flatnonzero(known), positions[known]),
                    ),
                    shape=(len(ids), hist.shape[0]),
                )
                rows = (select @ hist).tocsr()
            inputs.append(rows)
        out = self._predict_model(inputs, model=encoder)
        out = out if isinstance(out, list) else [out]
        latent = np.asarray(out[0], dtype=np.float32)
        bias = np.zeros(len(ids), dtype=np.float32)
        bias[trained] = bias_table[positions[trained]]
        if len(out) > 1:
            bias += np.asarray(out[1], dtype=np.float32)[:, 0]
        return latent, bias

    def _after_fit(self):
        self._refresh_lookups()
        for side in ("row", "col"):
            ids = self.row_ids_ if side == "row" else self.col_ids_
            latent, bias = self._encode(side, np.arange(len(ids)), ids)
            setattr(self, f"{side}_embeddings_", latent)
            setattr(self, f"{side}_bias_", bias)

    _unsaved_attributes = ("row_embeddings_", "col_embeddings_", "row_bias_", "col_bias_")

    def _after_load(self):
        if not hasattr(self, "row_layers_"):  # a file saved before these were fitted attributes
            self.row_layers_ = _parse_layers(self.row_layers, "row_layers")
            self.col_layers_ = _parse_layers(self.col_layers, "col_layers")
        if any(  # a graph of earlier versions: dense history layers and one side-bias layer
            isinstance(layer, keras.layers.Dense) and layer.name.endswith("_side_bias")
            for side in ("row", "col")
            for layer in self.model_.get_layer(f"{side}_encoder").layers
        ):
            self.model_ = self._compile(_migrate_dense_towers(self.model_, self._build_model(None)))
        self._after_fit()

    # -- prediction --------------------------------------------------------------------------

    def _resolve(self, side, ids):
        """Latent table, bias table and index of each id (unknown ids get cold encodings)."""
        known = self.row_ids_ if side == "row" else self.col_ids_
        latent = getattr(self, f"{side}_embeddings_")
        bias = getattr(self, f"{side}_bias_")
        index = (self._row_index if side == "row" else self._col_index).positions(ids)
        unknown = index < 0
        new_ids = ids[:0]
        if unknown.any():
            if self.handle_unknown == "error":  # nothing to encode: the call raises
                return latent, bias, index, np.unique(ids[unknown])
            new_ids, inverse = np.unique(ids[unknown], return_inverse=True)
            cold_latent, cold_bias = self._encode(
                side, np.full(len(new_ids), -1, dtype=np.int64), new_ids
            )
            latent = np.concatenate([latent, cold_latent])
            bias = np.concatenate([bias, cold_bias])
            index = index.copy()
            index[unknown] = len(known) + inverse
        return latent, bias, index, new_ids

    def _handle_unknown(self, method, new_rows, new_cols):
        """Apply ``handle_unknown`` to the unknown ids one call of ``method`` met."""
        if not (len(new_rows) or len(new_cols)) or self.handle_unknown == "ignore":
            return
        counts = f"{len(new_rows)} row ids and {len(new_cols)} column ids unseen in fit"
        if self.handle_unknown == "error":
            example = (new_rows if len(new_rows) else new_cols)[0]
            example = example.item() if isinstance(example, np.generic) else example
            raise ValueError(
                f"{method} met {counts}, e.g. {example!r}, and handle_unknown='error'. Use "
                "handle_unknown='ignore' or 'warn' to predict them from side features and "
                "biases, or fold_in their ratings first."
            )
        warnings.warn(
            f"{method} met {counts}; they were encoded from their side features where fit had "
            "them, else from the biases and the global mean (handle_unknown='warn').",
            UnknownIdWarning,
            stacklevel=3,
        )

    def score(self, X, y, sample_weight=None):
        """R² of the predicted ratings (``loss="mse"``), or NDCG@10 of the recommendations
        (ranking losses).

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Held-out (row id, column id) pairs.
        y : array-like of shape (n_samples,)
            Their ratings (``loss="mse"``) or confidences (ranking losses, where every pair of
            ``X`` counts as relevant and ``y`` is not used).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the R² (``loss="mse"`` only).

        Returns
        -------
        score : float
            Larger is better: ``GridSearchCV`` without ``scoring`` chooses by it. With a ranking
            loss it is ``make_ranking_scorer("ndcg", k=10)(self, X, y)``
            (:mod:`skaquarium.metrics`): each row's training interactions are left out of its
            list and of its relevant set.
        """
        if self.loss == "mse":
            return super().score(X, y, sample_weight=sample_weight)
        from .metrics import make_ranking_scorer

        return make_ranking_scorer("ndcg", k=10)(self, X, y)

    def predict(self, X):
        """Predict the ratings of (row id, column id) pairs.

        Ids unseen in ``fit`` are handled as ``handle_unknown`` says: predicted from their side
        features when ``fit`` had them, otherwise from the biases and the global mean (quietly,
        or with an :class:`UnknownIdWarning` that counts them), or refused.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Row id and column id of each pair.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted ratings, clipped to ``rating_range_``.
        """
        check_is_fitted(self)
        rows, cols = self._validate_pairs(X, reset=False)
        row_latent, row_bias, ri, new_rows = self._resolve("row", rows)
        col_latent, col_bias, ci, new_cols = self._resolve("col", cols)
        self._handle_unknown("predict", new_rows, new_cols)
        n_cells = len(row_latent) * len(col_latent)
        if n_cells <= min(2 * len(ri), 50_000_000):
            # Many pairs over few ids: one matrix product of all rows and columns, then a
            # gather, is faster than a dot product per pair.
            scores = row_latent @ col_latent.T
            scores += row_bias[:, None]
            scores += col_bias[None, :]
            out = scores[ri, ci].astype(np.float64)
        else:
            out = np.empty(len(ri), dtype=np.float64)
            chunk = 65536
            for start in range(0, len(ri), chunk):
                r, c = ri[start : start + chunk], ci[start : start + chunk]
                out[start : start + chunk] = (
                    np.einsum("ij,ij->i", row_latent[r], col_latent[c]) + row_bias[r] + col_bias[c]
                )
        out += self.global_mean_
        return np.clip(out, *self.rating_range_)

    def recommend(self, rows, k=10, exclude_seen=True):
        """Top-``k`` columns for each row id, by predicted rating.

        Columns are ranked by the unclipped prediction (dot product plus biases and the global
        mean), so columns predicted beyond the top of the rating range keep their order; this is
        the ranking the scorers of :mod:`skaquarium.metrics` score. Rows are scored in blocks:
        memory stays bounded however many rows and columns there are.

        Parameters
        ----------
        rows : array-like of shape (n_rows,)
            Row ids. Unknown ids follow ``handle_unknown``, as in ``predict``: encoded from their
            side features, else ranked by the columns' biases (the most liked columns first).
        k : int, default=10
            Number of columns per row; at most the number of known columns.
        exclude_seen : bool, default=True
            Leave out the columns each row rated in ``fit`` or :meth:`fold_in`. Where fewer
            than ``k`` columns are left, the last entries have a score of ``-inf``.

        Returns
        -------
        col_ids : ndarray of shape (n_rows, k)
            Recommended column ids, best first.
        scores : ndarray of shape (n_rows, k)
            Their predicted ratings, clipped like ``predict`` (so two returned scores can be
            equal where the ranking is not).
        """
        check_is_fitted(self)
        dtype = object if isinstance(rows, (list, tuple)) else None  # keep Python id types
        rows = _as_ids(np.asarray(rows, dtype=dtype).ravel(), "rows")
        n_cols = len(self.col_ids_)
        if not isinstance(k, (Integral, np.integer)) or isinstance(k, bool) or not 1 <= k <= n_cols:
            raise ValueError(
                f"k must be an integer in [1, {n_cols}] (the known columns); got {k!r}."
            )
        row_latent, row_bias, ri, new_rows = self._resolve("row", rows)
        self._handle_unknown("recommend", new_rows, ())
        top = np.empty((len(ri), k), dtype=np.int64)
        top_scores = np.empty((len(ri), k), dtype=np.float64)
        # Rows are scored in blocks of about _TOP_K_CELLS scores: memory stays bounded however
        # many rows and columns there are (never a rows x columns matrix).
        block = max(1, _TOP_K_CELLS // n_cols)
        for start in range(0, len(ri), block):
            part = slice(start, start + block)
            top[part], top_scores[part] = self._top_k(
                row_latent[ri[part]], row_bias[ri[part]], ri[part], k, exclude_seen
            )
        return self.col_ids_[top], top_scores

    def _top_k(self, latent, bias, index, k, exclude_seen):
        """Top-``k`` column positions and scores of one block of rows, ranked by the unclipped
        scores (clipping would tie every column predicted beyond the rating range)."""
        n_cols = len(self.col_ids_)
        scores = latent @ self.col_embeddings_.T
        scores += self.col_bias_[None, :]
        scores += (bias + self.global_mean_)[:, None]
        if exclude_seen:
            known = index < len(self.row_ids_)
            seen = self.ratings_[index[known]].tocoo()
            scores[np.flatnonzero(known)[seen.row], seen.col] = -np.inf
        if k < n_cols:
            top = np.argpartition(scores, n_cols - k, axis=1)[:, n_cols - k :]
        else:
            top = np.broadcast_to(np.arange(n_cols), scores.shape).copy()
        top_scores = np.take_along_axis(scores, top, axis=1)
        # Best first (a stable sort: equal scores keep the order of the selection).
        order = np.argsort(-top_scores, axis=1, kind="stable")
        top_scores = np.take_along_axis(top_scores, order, axis=1)
        clipped = np.where(
            np.isfinite(top_scores), np.clip(top_scores, *self.rating_range_), top_scores
        )
        return np.take_along_axis(top, order, axis=1), clipped

    def is_seen(self, X):
        """Whether each (row id, column id) pair is among the ratings the model holds.

        Those are the ratings of ``fit`` (and ``partial_fit``) and of :meth:`fold_in`: the pairs
        ``recommend(exclude_seen=True)`` leaves out, and that the ranking scorers of
        :mod:`skaquarium.metrics` therefore do not count as relevant. Ids unknown to the model
        give False.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Row id and column id of each pair.

        Returns
        -------
        seen : ndarray of shape (n_samples,), dtype bool
        """
        check_is_fitted(self)
        rows, cols = self._validate_pairs(X, reset=False)
        ri, ci = self._row_index.positions(rows), self._col_index.positions(cols)
        seen = np.zeros(len(rows), dtype=bool)
        known = (ri >= 0) & (ci >= 0)
        ratings = self.ratings_
        if not ratings.has_sorted_indices:
            ratings = ratings.sorted_indices()
        n_cols = np.int64(ratings.shape[1])
        # Keys row * n_cols + col of the stored ratings, ascending (CSR rows in order, columns
        # sorted within each row): one binary search per pair.
        keys = np.repeat(np.arange(ratings.shape[0], dtype=np.int64), np.diff(ratings.indptr))
        keys = keys * n_cols + ratings.indices
        if len(keys):
            wanted = ri[known].astype(np.int64) * n_cols + ci[known]
            at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
            seen[known] = keys[at] == wanted
        return seen

    def fold_in(self, X, y):
        """Add ratings that arrived after ``fit``, re-encoding the affected ids (no training).

        New row or column ids are added with a zero id embedding and encoded from their
        ratings (when the tower reads histories) and side features; known ids that got new
        ratings are re-encoded with their updated histories. A new rating of a pair seen
        before replaces the old one. Ratings of new ids enter the other side's histories only
        through ids the model was trained on. If anything fails, the estimator is unchanged.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Row id and column id of each new rating.
        y : array-like of shape (n_samples,)
            The new ratings.

        Returns
        -------
        self : DualMFRegressor
            The estimator, with updated ``row_ids_``, ``col_ids_``, ``ratings_`` and caches.
        """
        check_is_fitted(self)
        with self._restore_on_failure():
            rows, cols, y = self._validate_pairs(X, y, reset=False)
            if not np.all(np.isfinite(y)):
                raise ValueError("y contains NaN or infinity.")
            for side, ids in (("row", rows), ("col", cols)):
                known = getattr(self, f"{side}_ids_")
                index = (self._row_index if side == "row" else self._col_index).positions(ids)
                new_ids = np.unique(ids[index < 0])
                if len(new_ids):
                    try:
                        all_ids = np.concatenate([known, new_ids])
                    except (TypeError, ValueError):
                        all_ids = np.concatenate([known.astype(object), new_ids.astype(object)])
                    setattr(self, f"{side}_ids_", all_ids)
            self._refresh_lookups()
            row_index = self._row_index.positions(rows)
            col_index = self._col_index.positions(cols)
            shape = (len(self.row_ids_), len(self.col_ids_))
            old = self.ratings_.tocoo()
            self.ratings_ = sp.csr_matrix(
                (old.data, (old.row, old.col)), shape=shape, dtype=np.float32
            )
            self.ratings_ = self._merge_ratings(row_index, col_index, y)
            self._by_col = None
            for side, index in (("row", row_index), ("col", col_index)):
                ids = getattr(self, f"{side}_ids_")
                latent = getattr(self, f"{side}_embeddings_")
                bias = getattr(self, f"{side}_bias_")
                grow = len(ids) - len(latent)
                latent = np.concatenate([latent, np.zeros((grow, latent.shape[1]), np.float32)])
                bias = np.concatenate([bias, np.zeros(grow, np.float32)])
                affected = np.unique(index)
                new_latent, new_bias = self._encode(side, affected, ids[affected])
                latent[affected], bias[affected] = new_latent, new_bias
                setattr(self, f"{side}_embeddings_", latent)
                setattr(self, f"{side}_bias_", bias)
        return self
