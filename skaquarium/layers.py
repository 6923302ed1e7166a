"""Custom Keras layers shared by the package's graphs.

Every layer keeps one attribute per constructor argument, chains ``get_config`` to ``super()`` and
is registered serializable under the ``skaquarium`` package, so models that use them save and load
in Keras' safe mode.
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = [
    "BinarySigmoid",
    "AttentionPooling",
    "FoldSentences",
    "UnfoldSentences",
    "HashedNgramEmbedding",
    "TiedDense",
]


@keras.saving.register_keras_serializable(package="skaquarium")
class BinarySigmoid(keras.layers.Layer):
    """A steep sigmoid, ``1 / (1 + exp(-alpha * x))``, whose outputs are nearly binary.

    Parameters
    ----------
    alpha : float, default=50.0
        The slope. Large values push outputs towards 0 and 1 while keeping a gradient.
    **kwargs
        Passed to :class:`keras.layers.Layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from skaquarium.layers import BinarySigmoid
    >>> out = BinarySigmoid(alpha=50.0)(np.array([[-1.0, 0.0, 1.0]], dtype="float32"))
    >>> np.round(np.asarray(out), 3).tolist()
    [[0.0, 0.5, 1.0]]
    """

    def __init__(self, alpha=50.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)
        self.supports_masking = True

    def call(self, inputs):
        return ops.sigmoid(self.alpha * inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"alpha": self.alpha})
        return config


@keras.saving.register_keras_serializable(package="skaquarium")
class AttentionPooling(keras.layers.Layer):
    """Attention pooling over time with a learned context vector (Yang et al., 2016).

    ``u_t = tanh(W h_t + b)``, ``a_t = softmax_t(u_t . u_w)``, output ``sum_t a_t h_t``. Masked
    time steps get exactly zero weight; a sequence with no unmasked step pools to zeros.

    Parameters
    ----------
    units : int, default=100
        Size of the attention projection (the paper's attention dimension).
    return_attention : bool, default=False
        Also return the weights, of shape ``(batch, time)``.
    **kwargs
        Passed to :class:`keras.layers.Layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from skaquarium.layers import AttentionPooling
    >>> h = np.random.RandomState(0).rand(2, 5, 4).astype("float32")
    >>> mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    >>> pooled, weights = AttentionPooling(8, return_attention=True)(h, mask=mask)
    >>> pooled.shape, weights.shape
    (TensorShape([2, 4]), TensorShape([2, 5]))
    >>> np.asarray(weights)[0, 3:].tolist(), round(float(np.asarray(weights)[0].sum()), 5)
    ([0.0, 0.0], 1.0)
    """

    def __init__(self, units=100, return_attention=False, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.return_attention = bool(return_attention)
        self.supports_masking = True

    def build(self, input_shape):
        dim = input_shape[-1]
        self.projection = self.add_weight(
            name="projection", shape=(dim, self.units), initializer="glorot_uniform"
        )
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.context = self.add_weight(
            name="context", shape=(self.units,), initializer="glorot_uniform"
        )

    def call(self, inputs, mask=None):
        u = ops.tanh(ops.matmul(inputs, self.projection) + self.bias)
        scores = ops.sum(u * self.context, axis=-1)  # (batch, time)
        if mask is None:
            weights = ops.softmax(scores, axis=-1)
        else:
            mask = ops.cast(mask, scores.dtype)
            scores = scores - ops.max(scores, axis=-1, keepdims=True)
            exp = ops.exp(scores) * mask
            total = ops.sum(exp, axis=-1, keepdims=True)
            weights = exp / ops.maximum(total, keras.config.epsilon())
        pooled = ops.sum(inputs * ops.expand_dims(weights, -1), axis=1)
        if self.return_attention:
            return pooled, weights
        return pooled

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        pooled = (input_shape[0], input_shape[-1])
        if self.return_attention:
            return pooled, (input_shape[0], input_shape[1])
        return pooled

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "return_attention": self.return_attention})
        return config


@keras.saving.register_keras_serializable(package="skaquarium")
class FoldSentences(keras.layers.Layer):
    """Merge the document and sentence axes: ``(batch, sentences, words, ...)`` to
    ``(batch * sentences, words, ...)``, so that a word-level layer runs over every sentence.

    Parameters
    ----------
    **kwargs
        Passed to :class:`keras.layers.Layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from skaquarium.layers import FoldSentences
    >>> FoldSentences()(np.zeros((2, 3, 4), dtype="int32")).shape
    TensorShape([6, 4])
    """

    def call(self, inputs):
        shape = ops.shape(inputs)
        return ops.reshape(inputs, (-1, *shape[2:]))

    def compute_output_shape(self, input_shape):
        first = None
        if input_shape[0] is not None and input_shape[1] is not None:
            first = input_shape[0] * input_shape[1]
        return (first, *input_shape[2:])


@keras.saving.register_keras_serializable(package="skaquarium")
class UnfoldSentences(keras.layers.Layer):
    """Undo :class:`FoldSentences`: ``[values, ids]`` to values of shape ``(batch, sentences, ...)``.

    ``values`` has shape ``(batch * sentences, ...)`` and ``ids`` is the ``(batch, sentences,
    words)`` id tensor that was folded (0 is padding). The output's mask marks the sentences that
    hold at least one non-padding id, so an all-padding sentence is masked at the sentence level.

    Parameters
    ----------
    **kwargs
        Passed to :class:`keras.layers.Layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from skaquarium.layers import UnfoldSentences
    >>> ids = np.array([[[3, 4], [0, 0]]], dtype="int32")
    >>> layer = UnfoldSentences()
    >>> layer([np.ones((2, 5), dtype="float32"), ids]).shape
    TensorShape([1, 2, 5])
    >>> np.asarray(layer.compute_mask([None, ids])).tolist()
    [[True, False]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        values, ids = inputs
        shape = ops.shape(ids)
        return ops.reshape(values, (shape[0], shape[1], *ops.shape(values)[1:]))

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs[1], 0), axis=-1)

    def compute_output_shape(self, input_shape):
        values_shape, ids_shape = input_shape
        return (ids_shape[0], ids_shape[1], *values_shape[1:])


# Multiplier and modulus of the n-gram hash: a prime below 2**31 keeps every intermediate value
# of ``h * _HASH_MULTIPLIER + id`` inside int64.
_HASH_MULTIPLIER = 1_000_003
_HASH_MODULUS = 2_147_483_647


@keras.saving.register_keras_serializable(package="skaquarium")
class HashedNgramEmbedding(keras.layers.Layer):
    """Vectors of the word n-grams that end at each position, hashed into a fixed table.

    For word ids of shape ``(batch, words)`` (0 is padding), position ``t`` gets the sum of the
    vectors of the n-grams ``ids[t-n+1 .. t]`` for ``n`` from 2 to ``max_n``. An n-gram that
    reaches before the first word includes padding ids, so it marks a sentence start. Each n-gram
    is hashed into one of ``buckets`` rows (the hashing trick, as fastText's bigram buckets):
    the table has a fixed size whatever the number of distinct n-grams, and rare n-grams may
    share a row. Padding positions get zero vectors and are masked. The hash depends only on the
    ids, so trailing padding never changes the vectors of real positions.

    Parameters
    ----------
    buckets : int
        Rows of the hash table.
    output_dim : int
        Size of the vectors.
    max_n : int, default=2
        Longest n-gram (2: bigrams; 3: bigrams and trigrams).
    embeddings_initializer : str or keras.initializers.Initializer, default="random_normal"
        Initializer of the table (Keras' default ``random_normal`` has standard deviation 0.05).
    **kwargs
        Passed to :class:`keras.layers.Layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from skaquarium.layers import HashedNgramEmbedding
    >>> layer = HashedNgramEmbedding(buckets=1000, output_dim=4)
    >>> ids = np.array([[5, 6, 7, 0], [6, 7, 0, 0]], dtype="int32")
    >>> vectors = np.asarray(layer(ids))
    >>> vectors.shape
    (2, 4, 4)
    >>> bool(np.allclose(vectors[0, 2], vectors[1, 1]))  # the bigram (6, 7) in both rows
    True
    >>> float(np.abs(vectors[0, 3]).sum())  # padding
    0.0
    """

    def __init__(
        self, buckets, output_dim, max_n=2, embeddings_initializer="random_normal", **kwargs
    ):
        super().__init__(**kwargs)
        self.buckets = int(buckets)
        self.output_dim = int(output_dim)
        self.max_n = int(max_n)
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)
        self.supports_masking = True

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.buckets, self.output_dim),
            initializer=self.embeddings_initializer,
        )

    def call(self, inputs):
        ids = ops.cast(inputs, "int64")
        real = ops.not_equal(ids, 0)
        out = None
        h = ids
        shifted = ids
        for n in range(2, self.max_n + 1):
            # The id n-1 places earlier (padding before the first word), appended to the hash.
            shifted = ops.pad(shifted[:, :-1], [[0, 0], [1, 0]])
            h = (h * _HASH_MULTIPLIER + shifted) % _HASH_MODULUS
            # Salted by n so that n-grams of different lengths seldom share a row.
            rows = (h + n * 7919) % self.buckets
            vectors = ops.take(self.embeddings, rows, axis=0)
            out = vectors if out is None else out + vectors
        return out * ops.expand_dims(ops.cast(real, out.dtype), -1)

    def compute_mask(self, inputs, mask=None):
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "buckets": self.buckets,
                "output_dim": self.output_dim,
                "max_n": self.max_n,
                "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
            }
        )
        return config


@keras.saving.register_keras_serializable(package="skaquarium")
class TiedDense(keras.layers.Layer):
    """A dense layer whose kernel also serves, transposed, as the kernel of its mirror layer.

    Called normally, ``y = activation(x @ kernel + bias)``; called with ``transpose=True``,
    ``y = activation(x @ kernel.T + transpose_bias)``. One layer owns the shared kernel and is
    called twice in a functional graph (once in the encoder, once in the decoder), so a tied
    autoencoder saves, loads in safe mode and clones like any other model. Sparse inputs
    (``tf.SparseTensor``) are multiplied without being densified.

    Parameters
    ----------
    units : int
        Output size of the forward call (the input size of the transposed call).
    activation : str or None, default=None
        Activation of the forward call.
    transpose_activation : str or None, default=None
        Activation of the transposed call.
    kernel_initializer : str, default="glorot_uniform"
        Initializer of the shared kernel.
    **kwargs
        Passed to :class:`keras.layers.Layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from skaquarium.layers import TiedDense
    >>> layer = TiedDense(2)
    >>> x = np.ones((1, 3), dtype="float32")
    >>> code = layer(x)
    >>> layer(code, transpose=True).shape
    TensorShape([1, 3])
    >>> kernel = np.asarray(layer.kernel)
    >>> bool(np.allclose(np.asarray(layer(code, transpose=True)), np.asarray(code) @ kernel.T))
    True
    """

    def __init__(
        self,
        units,
        activation=None,
        transpose_activation=None,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = keras.activations.get(activation)
        self.transpose_activation = keras.activations.get(transpose_activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        dim = int(input_shape[-1])
        self.kernel = self.add_weight(
            name="kernel", shape=(dim, self.units), initializer=self.kernel_initializer
        )
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.transpose_bias = self.add_weight(
            name="transpose_bias", shape=(dim,), initializer="zeros"
        )

    def call(self, inputs, transpose=False):
        if transpose:
            out = ops.matmul(inputs, ops.transpose(self.kernel)) + self.transpose_bias
            return self.transpose_activation(out)
        return self.activation(ops.matmul(inputs, self.kernel) + self.bias)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": keras.activations.serialize(self.activation),
                "transpose_activation": keras.activations.serialize(self.transpose_activation),
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            }
        )
        return config
