"""The training loop's built-in Keras callbacks: the divergence guard and weight averaging."""

from __future__ import annotations

import math

import keras
import numpy as np

__all__ = ["DivergenceGuard", "WeightAveraging"]


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training at the first non-finite batch loss and remembers where."""

    def __init__(self):
        super().__init__()
        self.diverged_at = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged_at = self._epoch + 1
            self.model.stop_training = True


class WeightAveraging(keras.callbacks.Callback):
    """Running mean of the weights at the end of every epoch from ``start`` on (1-based).

    ``mean`` and ``count`` start from an earlier fit's state, so that ``partial_fit`` and warm
    starts continue one average.
    """

    def __init__(self, start, mean=None, count=0):
        super().__init__()
        self.start = start
        self.mean = None if mean is None else [np.array(w, copy=True) for w in mean]
        self.count = count

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 < self.start:
            return
        weights = self.model.get_weights()
        if self.mean is None:
            self.mean = [np.array(w, copy=True) for w in weights]
        else:
            for m, w in zip(self.mean, weights):
                if np.issubdtype(m.dtype, np.floating):
                    m += (w - m) / (self.count + 1)
                else:  # not a quantity to average (e.g. a counter): the latest value
                    m[...] = w
        self.count += 1
