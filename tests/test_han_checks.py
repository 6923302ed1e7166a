"""scikit-learn's common estimator checks on HANClassifier, through its 3-D id input.

HANClassifier reads raw documents or a 3-D id array, so scikit-learn yields no check for it (its
tags say two_d_array=False, as CountVectorizer's do). ``TabularHAN`` feeds the checks' 2-D
numeric tables to the unchanged network: each row becomes a document of one sentence whose words
stand for the row's values (feature ``j``'s value falls in one of four quantile bins learned at
``fit``; its word id is ``2 + 4 j + bin``). Everything after that encoding — validation of the
ids, fitting, prediction, cloning, pickling, classes and sample weights — is HANClassifier's own.

Every check passes but the mini-batch and float32 ones every estimator of the package lists. The
checks fit the network about a hundred times (4 minutes on 2 cores), so the module is ``slow``:
``make test`` skips it and ``.ci/run`` runs it on every CI build.
"""

import numpy as np
import pytest
from _checks import FLOAT32_OUTPUTS, STOCHASTIC_TRAINING
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import validate_data
from test_han import PLAIN

from skaquarium import HANClassifier

_BINS = 4


class TabularHAN(HANClassifier):
    """HANClassifier on a 2-D numeric table (test-only; see the module docstring)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = False
        tags.input_tags.string = False
        return tags

    def _encode_X(self, X, *, reset):
        X = validate_data(self, X, reset=reset, dtype=np.float64)
        if reset:
            self.bin_edges_ = np.quantile(X, [0.25, 0.5, 0.75], axis=0).T
        bins = np.stack(
            [np.searchsorted(edges, column) for edges, column in zip(self.bin_edges_, X.T)],
            axis=1,
        )
        ids = (2 + _BINS * np.arange(X.shape[1]) + bins).astype(np.int32)[:, None, :]
        ids = super()._encode_X(ids, reset=reset)
        if reset:  # every bin of every feature has a word, seen at fit or not
            self.vocabulary_size_ = 2 + _BINS * X.shape[1]
        return ids


def make_tabular_han():
    return TabularHAN(
        embedding_dim=8,
        word_units=8,
        sentence_units=4,
        attention_dim=8,
        epochs=4,
        learning_rate=0.02,
        random_state=0,
        # The plain network: these checks test conventions, and the recipe (tested in test_han
        # and test_conformance) would double their time.
        **PLAIN,
    )


EXPECTED_FAILED_CHECKS = {
    **STOCHASTIC_TRAINING,
    **FLOAT32_OUTPUTS,
}


@pytest.mark.slow
@parametrize_with_checks(
    [make_tabular_han()], expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS
)
def test_han_passes_the_common_checks_through_its_id_input(estimator, check):
    check(estimator)
