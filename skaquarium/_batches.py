"""Every batch of the package: training, validation and prediction.

One place turns in-memory data into the mini-batches a Keras model trains on and into the batches
it predicts on, for all estimators:

* :class:`Batches` — a Keras ``PyDataset`` over rows of aligned inputs (NumPy arrays and SciPy
  sparse matrices), optional targets and sample weights. A sparse matrix is densified one batch
  at a time (``sparse="dense"``) or kept sparse and handed to the graph as a ``tf.SparseTensor``
  (``sparse="keep"``); samples of similar length can be grouped into the same batch (text); a
  per-batch ``transform`` adds what depends on the batch's rows (look-ups of per-id inputs, input
  noise, trimming of padding). Batches whose shapes vary go to Keras through
  :meth:`Batches.as_dataset`.
* :func:`prediction_batches`, :func:`predict` and :func:`iter_predict` — the one prediction path:
  batches sized by :func:`prediction_batch_size`, a model traced once per model (not once per call),
  outputs put back in row order and, where batches were trimmed, padded back to full shape.

It is a ground-floor room: it imports no estimator module, and an estimator changes how its data is
batched only through the arguments above.
"""

from __future__ import annotations

import weakref

import keras
import numpy as np
import scipy.sparse as sp

from ._quiet import quiet_retracing

__all__ = [
    "Batches",
    "PREDICTION_CELLS",
    "iter_predict",
    "predict",
    "prediction_batch_size",
    "prediction_batches",
]

#: How many input and output values one prediction batch holds, roughly: 4 MiB of float32 each
#: way, large enough to keep the cores busy and small enough for any machine's memory.
PREDICTION_CELLS = 2**20
#: The most rows one prediction batch holds.
MAX_PREDICTION_ROWS = 16384
#: Up to this many batches a model is called eagerly; beyond, through a traced function (tracing
#: costs about as much as a few eager batches).
_EAGER_BATCHES = 4
#: Length grouping in training sorts samples within chunks of this many batches, so batches stay
#: random from epoch to epoch while a batch's samples have similar lengths.
_LENGTH_CHUNK_BATCHES = 50


def _take(a, rows, sparse):
    """Rows ``rows`` of ``a``; a sparse matrix as CSR (``sparse="keep"``) or dense."""
    if a is None:
        return None
    if sp.issparse(a):
        part = a[rows]
        return sp.csr_matrix(part) if sparse == "keep" else part.toarray()
    return a[rows]


def _to_tf_sparse(X):
    import tensorflow as tf

    coo = sp.coo_matrix(X)
    indices = np.stack([coo.row, coo.col], axis=1).astype(np.int64)
    return tf.SparseTensor(indices, coo.data.astype(np.float32), coo.shape)


def _for_keras(a):
    """What Keras receives for one input: a ``tf.SparseTensor`` for a (kept) sparse matrix."""
    return _to_tf_sparse(a) if sp.issparse(a) else a


class Batches(keras.utils.PyDataset):
    """Mini-batches over rows of in-memory arrays and sparse matrices.

    Parameters
    ----------
    inputs : array, sparse matrix, or list of them
        Model inputs, rows aligned. A list gives the model a tuple of inputs.
    targets : array, sparse matrix or None
        Targets, rows aligned with the inputs; None for prediction. A sparse target reaches
        ``transform`` sparse and Keras dense.
    sample_weight : ndarray or None
        Per-sample weights.
    batch_size : int
        Samples per batch.
    shuffle : bool, default=False
        Draw new batches after each epoch (training).
    seed : int or None
        Seed of the shuffling and of the generator handed to ``transform``.
    lengths : ndarray or None
        A length per sample. Batches are then made of samples of similar length: when shuffling,
        sorted within large shuffled chunks and in shuffled order; otherwise sorted throughout.
    index : ndarray or None
        Restrict to these rows.
    transform : callable or None
        ``transform(x, y, rng) -> (x, y)``, applied to each batch: ``x`` is the list of the
        batch's inputs, ``y`` its targets (None in prediction), ``rng`` a seeded
        ``numpy.random.RandomState``. Sparse matrices it returns in ``x`` reach the model as
        ``tf.SparseTensor``.
    sparse : {"dense", "keep"}, default="dense"
        Whether sparse inputs are densified per batch or kept sparse.
    workers : int, default=1
        Threads that prepare batches ahead of the model (Keras' ``PyDataset`` workers): with
        2, a batch's ``transform`` runs while the model trains on the previous one. Batches are
        the same whatever the number: each batch's generator is seeded by ``seed``, the epoch
        and the batch's position.

    Notes
    -----
    Rows within a batch are in increasing order (row slices of a CSR matrix are cheapest so);
    :meth:`rows` tells which rows batch ``i`` holds.
    """

    def __init__(
        self,
        inputs,
        targets=None,
        sample_weight=None,
        *,
        batch_size,
        shuffle=False,
        seed=None,
        lengths=None,
        index=None,
        transform=None,
        sparse="dense",
        workers=1,
    ):
        # A small queue: prefetched batches of wide inputs can be large.
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=2 * workers)
        self._multi = isinstance(inputs, (list, tuple))
        self.inputs = list(inputs) if self._multi else [inputs]
        self.targets = targets
        self.sample_weight = sample_weight
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.lengths = lengths
        self.transform = transform
        self.sparse = sparse
        n = self.inputs[0].shape[0]
        self.index = np.arange(n) if index is None else np.asarray(index)
        self.rng = np.random.RandomState(seed)
        # The per-batch generators derive from this and the epoch: batches do not depend on
        # the order in which worker threads make them.
        self._seed = int(self.rng.randint(np.iinfo(np.int32).max))
        self._epoch = 0
        self._batches = self._make_batches()

    def _make_batches(self):
        index = self.index
        if self.shuffle:
            index = self.rng.permutation(index)
        if self.lengths is not None:
            chunk = self.batch_size * _LENGTH_CHUNK_BATCHES if self.shuffle else max(len(index), 1)
            parts = [
                index[start : start + chunk][
                    np.argsort(self.lengths[index[start : start + chunk]], kind="stable")
                ]
                for start in range(0, len(index), chunk)
            ]
            index = np.concatenate(parts) if parts else index
        size = self.batch_size
        batches = [np.sort(index[i : i + size]) for i in range(0, len(index), size)]
        if self.shuffle and self.lengths is not None:
            order = self.rng.permutation(len(batches))
            batches = [batches[i] for i in order]
        return batches

    def __len__(self):
        return len(self._batches)

    def rows(self, i):
        """The rows (positions in ``inputs``) that batch ``i`` holds."""
        return self._batches[i]

    def __getitem__(self, i):
        rows = self._batches[i]
        x = [_take(a, rows, self.sparse) for a in self.inputs]
        # An autoencoder's targets are its input: the batch is sliced once, not twice.
        y = x[0] if self.targets is self.inputs[0] else _take(self.targets, rows, "keep")
        if self.transform is not None:
            x, y = self.transform(x, y, np.random.RandomState([self._seed, self._epoch, i]))
        x = [_for_keras(a) for a in x]
        x = tuple(x) if self._multi else x[0]  # Keras wants a tuple for several inputs
        if self.targets is None:
            return (x,)
        y = y.toarray() if sp.issparse(y) else y
        if self.sample_weight is None:
            return x, y
        return x, y, self.sample_weight[rows]

    def on_epoch_end(self):
        self._epoch += 1
        if self.shuffle:
            self._batches = self._make_batches()

    def as_dataset(self):
        """The batches as a ``tf.data.Dataset`` whose input shapes may vary from batch to batch.

        Keras infers a ``PyDataset``'s shapes from its first batches; batches trimmed to their
        own longest sample need the inputs' non-batch axes unknown, which a dataset declares.
        Targets and weights keep the shapes of the first batch.
        """
        import tensorflow as tf

        first = self[0]

        def spec(a, variable):
            a = np.asarray(a)
            shape = (None,) * a.ndim if variable else (None, *a.shape[1:])
            return tf.TensorSpec(shape, tf.as_dtype(a.dtype))

        signature = (tf.nest.map_structure(lambda a: spec(a, True), first[0]),)
        signature += tuple(spec(a, False) for a in first[1:])

        def batches():
            for i in range(len(self)):
                yield tuple(self[i])
            self.on_epoch_end()

        ds = tf.data.Dataset.from_generator(batches, output_signature=signature)
        # A known length lets Keras show progress and end epochs without a warning.
        return ds.apply(tf.data.experimental.assert_cardinality(len(self)))


# -- prediction ----------------------------------------------------------------------------------


def prediction_batch_size(batch_size, cells_per_row):
    """Rows per prediction batch: the one rule of the package.

    As many rows as fill about :data:`PREDICTION_CELLS` input and output values, never fewer than
    the training ``batch_size`` (which fits in memory with gradients, so it does without) and at
    most :data:`MAX_PREDICTION_ROWS` (or ``batch_size`` when that is larger).

    Parameters
    ----------
    batch_size : int
        The estimator's training batch size.
    cells_per_row : float
        Input and output values per row (a sparse input kept sparse counts its mean nonzeros).

    Returns
    -------
    rows : int
    """
    rows = int(PREDICTION_CELLS // max(float(cells_per_row), 1.0))
    return int(min(max(rows, batch_size, 1), max(MAX_PREDICTION_ROWS, batch_size)))


def _cells_per_row(inputs, model, sparse):
    cells = 0.0
    for a in inputs if isinstance(inputs, (list, tuple)) else [inputs]:
        if sp.issparse(a) and sparse == "keep":
            cells += a.nnz / max(a.shape[0], 1)
        else:
            cells += float(np.prod(a.shape[1:]))
    for out in model.outputs:
        # Axes unknown until the data is seen (trimmed text) are left out: the inputs, which
        # are as large, already count them.
        cells += float(np.prod([d for d in out.shape[1:] if d is not None]))
    return cells


def prediction_batches(model, inputs, *, batch_size, transform=None, lengths=None, sparse="dense"):
    """The :class:`Batches` that ``model`` predicts ``inputs`` in.

    Parameters
    ----------
    model : keras.Model
        The model that will run on the batches (its output widths count in the batch size).
    inputs : array, sparse matrix, or list of them
        Model inputs, rows aligned.
    batch_size : int
        The estimator's training batch size (see :func:`prediction_batch_size`).
    transform, lengths, sparse
        As for :class:`Batches`. With ``lengths``, rows are grouped by length (in sorted order).

    Returns
    -------
    batches : Batches
    """
    size = prediction_batch_size(batch_size, _cells_per_row(inputs, model, sparse))
    return Batches(inputs, batch_size=size, lengths=lengths, transform=transform, sparse=sparse)


_INFERENCE_FUNCTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _inference_function(model):
    """``model`` in inference mode as one ``tf.function``, traced at most a few times per model
    (shapes that vary are generalised instead of retraced)."""
    fn = _INFERENCE_FUNCTIONS.get(model)
    if fn is None:
        import tensorflow as tf

        fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
        _INFERENCE_FUNCTIONS[model] = fn
    return fn


def iter_predict(model, batches):
    """Run ``model`` over ``batches``; yield each batch's rows and list of outputs (NumPy).

    For reductions over outputs too large to hold at once (e.g. a score over reconstructions
    that are as wide as the vocabulary).
    """
    if len(batches) > _EAGER_BATCHES:
        call = _inference_function(model)
    else:

        def call(x):
            return model(x, training=False)

    # A model built with a list of one input expects a list: say so, or Keras warns per call.
    wrap = isinstance(model.input, list) and len(model.inputs) == 1
    with quiet_retracing():
        yield from _predict_batches(batches, call, wrap)


def _predict_batches(batches, call, wrap):
    for i in range(len(batches)):
        x = batches[i][0]
        if isinstance(x, tuple):
            # Keras refuses NumPy arrays next to tensors (e.g. a tf.SparseTensor) in one call.
            x = tuple(keras.ops.convert_to_tensor(a) if isinstance(a, np.ndarray) else a for a in x)
        out = call([x] if wrap and not isinstance(x, (list, tuple)) else x)
        out = out if isinstance(out, (list, tuple)) else [out]
        yield batches.rows(i), [np.asarray(o) for o in out]


def predict(model, batches, *, output_shapes=None):
    """Run ``model`` over ``batches`` and return its outputs in row order.

    Parameters
    ----------
    model : keras.Model
    batches : Batches
        Prediction batches (no targets), e.g. from :func:`prediction_batches`.
    output_shapes : list of tuple or None
        Each output's full per-row shape. Needed when batches are trimmed (their outputs are
        smaller than the full shape and padded back with zeros) or when the model's declared
        output shapes have unknown axes; by default the model's output shapes.

    Returns
    -------
    outputs : ndarray, or list of ndarray for a model with several outputs
    """
    several = len(model.outputs) > 1
    if output_shapes is None:
        output_shapes = [tuple(d or 0 for d in o.shape[1:]) for o in model.outputs]
    n = batches.inputs[0].shape[0]
    results = [np.zeros((n, *shape), dtype=np.float32) for shape in output_shapes]
    for rows, outputs in iter_predict(model, batches):
        for res, out in zip(results, outputs):
            if out.shape[1:] == res.shape[1:]:
                res[rows] = out
            else:
                res[(rows, *(slice(0, d) for d in out.shape[1:]))] = out
    return results if several else results[0]
