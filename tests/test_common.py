"""scikit-learn's estimator checks over every estimator built on the shared base.

Each estimator's test module provides ``make_common_estimator()`` (a small, fast instance) and
``EXPECTED_FAILED_CHECKS`` (check name -> reason). The test-only estimators of ``_toy.py`` show
that the base itself passes.
"""

import pytest
import test_dual_mf
import test_han
import test_softmax_autoencoder
from _checks import FLOAT32_OUTPUTS, STOCHASTIC_TRAINING
from _toy import LinearRegressor, SoftmaxRegressionClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

_FAST = dict(epochs=3, random_state=0)

_TOY_FAILURES = {
    "SoftmaxRegressionClassifier": {
        **STOCHASTIC_TRAINING,
        **FLOAT32_OUTPUTS,
    },
    "LinearRegressor": {**STOCHASTIC_TRAINING, **FLOAT32_OUTPUTS},
}

# The package's public estimators. HANClassifier reads raw documents or 3-D id arrays: its tags
# say two_d_array=False (as CountVectorizer's do), so scikit-learn yields no check for it; its
# data-free API checks run in test_han.py.
PUBLIC = [test_dual_mf, test_softmax_autoencoder, test_han]

ESTIMATORS = [
    SoftmaxRegressionClassifier(**_FAST),
    LinearRegressor(**_FAST),
    *(module.make_common_estimator() for module in PUBLIC),
]
EXPECTED = {
    **_TOY_FAILURES,
    **{
        type(module.make_common_estimator()).__name__: module.EXPECTED_FAILED_CHECKS
        for module in PUBLIC
    },
}


def _expected_failed_checks(estimator):
    return EXPECTED.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_every_expected_failure_has_a_reason():
    for name, failures in EXPECTED.items():
        for check, reason in failures.items():
            assert check.startswith("check_") and len(reason) > 20, (name, check)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_failures_are_listed_per_estimator(name):
    assert name in {type(e).__name__ for e in ESTIMATORS}
