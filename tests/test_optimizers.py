"""LazyAdam: Adam's updates on the rows a batch uses, no update of the others."""

import keras
import numpy as np
import pytest

from skaquarium._optimizers import LazyAdam


def _table_model(optimizer, seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((2,), dtype="int32"), keras.layers.Embedding(6, 3), keras.layers.Flatten()]
    )
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _adam_reference(table, X, y, epochs, learning_rate=0.05):
    """Adam on the same table looked up by one-hot products: dense gradients, plain Adam."""
    dense = keras.layers.Dense(3, use_bias=False)
    model = keras.Sequential([keras.Input((2, 6)), dense, keras.layers.Flatten()])
    dense.set_weights([table])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    model.fit(np.eye(6)[X], y, epochs=epochs, batch_size=len(X), verbose=0, shuffle=False)
    return dense.get_weights()[0]


@pytest.mark.parametrize(
    "X, epochs",
    [
        # Every row at every step (one batch): Adam's updates exactly.
        (np.array([[0, 1], [2, 3], [4, 5], [1, 0]]), 5),
        # Row 0 used four times in one batch: Adam's step on the row's gradient (the sum of the
        # four parts), not on each part (Keras' Adam squares a sparse gradient's parts one by one).
        (np.array([[0, 0], [0, 0], [1, 2], [3, 4], [5, 1]]), 3),
    ],
    ids=["every-row-every-step", "repeated-rows"],
)
def test_used_rows_are_updated_as_by_adam_on_the_dense_gradient(X, epochs):
    y = np.random.RandomState(len(X)).normal(size=(len(X), 6))
    lazy = _table_model(LazyAdam(0.05))
    expected = _adam_reference(lazy.get_weights()[0], X, y, epochs=epochs)
    lazy.fit(X, y, epochs=epochs, batch_size=len(X), verbose=0, shuffle=False)
    np.testing.assert_allclose(lazy.get_weights()[0], expected, rtol=1e-5, atol=1e-6)


def test_unused_rows_and_their_moments_stay_as_they_were():
    X = np.array([[0, 1], [1, 0]])
    y = np.ones((2, 6))
    model = _table_model(LazyAdam(0.05))
    before = model.get_weights()[0].copy()
    model.fit(X, y, epochs=3, batch_size=2, verbose=0)
    after = model.get_weights()[0]
    assert not np.allclose(after[:2], before[:2])
    np.testing.assert_array_equal(after[2:], before[2:])
    moments = [v.numpy() for v in model.optimizer.variables if tuple(v.shape) == (6, 3)]
    assert moments and all(np.all(m[2:] == 0) for m in moments)


def test_amsgrad_is_refused_and_the_optimizer_saves():
    with pytest.raises(ValueError, match="amsgrad"):
        LazyAdam(amsgrad=True)
    config = LazyAdam(0.01).get_config()
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(LazyAdam(**config)))
    assert isinstance(restored, LazyAdam) and float(restored.learning_rate) == pytest.approx(0.01)
