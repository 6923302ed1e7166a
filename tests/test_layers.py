"""The shared layers that no single estimator's tests cover in full."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from skaquarium.han import build_han_graph
from skaquarium.layers import LengthBuckets


def _ragged_batch(n=11, steps=9, features=3, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(n, steps, features)).astype("float32")
    lengths = rng.randint(0, steps + 1, size=n)
    lengths[0] = 0  # an empty row
    mask = np.arange(steps)[None, :] < lengths[:, None]
    return x, mask, lengths


@pytest.mark.parametrize("buckets", [2, 4, 20])
def test_length_buckets_give_the_outputs_and_gradients_of_one_call(buckets):
    keras.utils.set_random_seed(0)
    layer = keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True))
    x, mask, _ = _ragged_batch()
    wrapped = LengthBuckets(layer, buckets=buckets)
    x = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        whole = layer(x, mask=mask)
        bucketed = wrapped(x, mask=mask)
        # Only the real steps count (a reader of the output masks the rest).
        weights = tf.cast(mask, "float32")[..., None]
        loss_whole = tf.reduce_sum(tf.square(whole) * weights)
        loss_bucketed = tf.reduce_sum(tf.square(bucketed) * weights)
    np.testing.assert_allclose(
        np.asarray(bucketed)[mask], np.asarray(whole)[mask], rtol=1e-5, atol=1e-6
    )
    assert np.all(np.asarray(bucketed)[~mask] == 0)
    for a, b in zip(
        tape.gradient(loss_whole, [x, *layer.trainable_weights]),
        tape.gradient(loss_bucketed, [x, *layer.trainable_weights]),
        strict=True,
    ):
        a, b = tf.convert_to_tensor(a), tf.convert_to_tensor(b)  # row gathers: IndexedSlices
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-4, atol=1e-5)


def test_length_buckets_cut_each_group_to_its_longest_row():
    x, mask, lengths = _ragged_batch(n=12, steps=9)
    widths = []

    class Spy(keras.layers.Layer):
        supports_masking = True

        def call(self, inputs, mask=None):
            widths.append(int(inputs.shape[1]))
            return inputs

    LengthBuckets(Spy(), buckets=3)(x, mask=mask)
    groups = np.array_split(np.sort(lengths), 3)
    assert widths == [max(int(g.max()), 1) for g in groups]
    assert sum(n * w for n, w in zip(map(len, groups), widths)) < 12 * 9


def test_length_buckets_pass_their_mask_on_and_round_trip_their_config():
    x, mask, _ = _ragged_batch()
    wrapped = LengthBuckets(keras.layers.GRU(2, return_sequences=True), buckets=3, name="b")
    np.testing.assert_array_equal(np.asarray(wrapped.compute_mask(x, mask)), mask)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(wrapped))
    assert isinstance(restored, LengthBuckets) and restored.buckets == 3
    assert isinstance(restored.layer, keras.layers.GRU) and restored.layer.units == 2


def test_han_graph_with_length_buckets_computes_the_same_function():
    rng = np.random.RandomState(0)
    ids = rng.randint(1, 20, size=(5, 4, 7)).astype("int32")
    lengths = rng.randint(0, 8, size=(5, 4))
    ids[np.arange(7)[None, None, :] >= lengths[..., None]] = 0
    outputs = []
    for buckets in (1, 4):
        keras.utils.set_random_seed(0)
        model = build_han_graph(
            vocabulary_size=20,
            n_classes=3,
            embedding_dim=4,
            word_units=4,
            sentence_units=4,
            attention_dim=4,
            length_buckets=buckets,
        )
        outputs.append(np.asarray(model(ids)))
    np.testing.assert_allclose(outputs[1], outputs[0], rtol=1e-5, atol=1e-7)
