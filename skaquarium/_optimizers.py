"""Optimizers with sparse updates, for graphs whose tables are far larger than a batch.

:class:`LazyAdam` is Adam that, for a variable whose gradient is a ``tf.IndexedSlices`` (an
embedding table or a :class:`~skaquarium.layers.SparseEmbeddingBag` kernel), updates only the
rows the batch used, and their moments, as PyTorch's ``SparseAdam`` and TensorFlow Addons'
``LazyAdam`` do. Dense Adam decays the moments of every row at every step, so one step costs as
much as the whole table; here it costs as much as the batch.
"""

from __future__ import annotations

import keras

__all__ = ["LazyAdam"]


@keras.saving.register_keras_serializable(package="skaquarium")
class LazyAdam(keras.optimizers.Adam):
    """Adam whose updates of sparsely used tables touch only the rows a batch used.

    Variables with dense gradients are updated exactly as by :class:`keras.optimizers.Adam`. A
    row's moments decay only at the steps that use it, which is the only difference: rows used
    at every step are updated as by Adam.

    Parameters
    ----------
    learning_rate, beta_1, beta_2, epsilon, **kwargs
        As for :class:`keras.optimizers.Adam` (``amsgrad`` is not supported).

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from skaquarium._optimizers import LazyAdam
    >>> table = keras.layers.Embedding(1000, 4)
    >>> model = keras.Sequential([keras.Input((1,), dtype="int32"), table, keras.layers.Flatten()])
    >>> model.compile(optimizer=LazyAdam(0.1), loss="mse")
    >>> before = table.get_weights()[0].copy()
    >>> _ = model.fit(np.array([[3], [7]]), np.ones((2, 4)), epochs=1, verbose=0)
    >>> changed = np.flatnonzero(np.any(table.get_weights()[0] != before, axis=1))
    >>> changed.tolist()
    [3, 7]
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        if kwargs.get("amsgrad"):
            raise ValueError("LazyAdam does not support amsgrad.")
        kwargs.pop("amsgrad", None)
        super().__init__(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, **kwargs
        )

    def update_step(self, gradient, variable, learning_rate):
        import tensorflow as tf

        if not isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        # Rows used several times in the batch: their gradients are summed first.
        rows, position = tf.unique(gradient.indices)
        values = tf.math.unsorted_segment_sum(
            tf.cast(gradient.values, dtype), position, tf.shape(rows)[0]
        )
        lr = tf.cast(learning_rate, dtype)
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        alpha = lr * tf.sqrt(1 - tf.pow(beta_2, step)) / (1 - tf.pow(beta_1, step))
        m = self._momentums[self._get_variable_index(variable)]
        v = self._velocities[self._get_variable_index(variable)]
        m_rows = beta_1 * tf.gather(m.value, rows) + (1 - beta_1) * values
        v_rows = beta_2 * tf.gather(v.value, rows) + (1 - beta_2) * tf.square(values)
        self.assign(m, tf.IndexedSlices(m_rows, rows))
        self.assign(v, tf.IndexedSlices(v_rows, rows))
        self.assign_sub(
            variable, tf.IndexedSlices(alpha * m_rows / (tf.sqrt(v_rows) + self.epsilon), rows)
        )
