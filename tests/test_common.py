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
from sklearn.utils.estimator_checks import (
    _get_check_estimator_ids,
    estimator_checks_generator,
    parametrize_with_checks,
)

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


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_expected_failures_are_listed_per_estimator(estimator):
    # Every check listed as an expected failure of an estimator is one that scikit-learn runs on
    # that estimator: a renamed or retired check, or an entry under the wrong estimator, fails
    # here instead of silently excusing nothing.
    listed = _expected_failed_checks(estimator)
    # Named as parametrize_with_checks names them: "check_x(keyword=value)".
    run = {_get_check_estimator_ids(check) for _, check in estimator_checks_generator(estimator)}
    assert set(listed) <= run, sorted(set(listed) - run)


# -- the shared training parameters, declared once -----------------------------------------------


@pytest.mark.parametrize("module", PUBLIC, ids=lambda m: m.__name__)
def test_training_parameters_are_declared_once_and_reach_every_estimator(module):
    import inspect

    from skaquarium._base import SkaquariumEstimator
    from skaquarium._parameters import TRAINING_PARAMETERS

    cls = type(module.make_common_estimator())
    signature = inspect.signature(cls.__init__).parameters
    doc = cls.__doc__
    assert "{training_parameters}" not in doc
    # An estimator may extend a parameter (e.g. epochs="auto"), documenting it its own way.
    overrides = getattr(cls, "_training_parameter_docs", {})
    for param in TRAINING_PARAMETERS:
        assert param.name in signature, (cls.__name__, param.name)
        default = signature[param.name].default
        shown = f'"{default}"' if isinstance(default, str) else repr(default)
        kind = overrides[param.name][0] if param.name in overrides else param.type
        assert f"    {param.name} : {kind}, default={shown}\n" in doc, param.name
        assert doc.count(f"\n    {param.name} : ") == 1, param.name  # written out once
        assert SkaquariumEstimator._parameter_constraints[param.name] is param.constraints
        if param.name in overrides:
            # Extended: the shared constraints still hold, alongside the extension.
            own = cls._parameter_constraints[param.name]
            assert all(any(c is o for o in own) for c in param.constraints), param.name
        else:
            # The constraints are the shared ones, not a copy that could drift.
            assert cls._parameter_constraints[param.name] is param.constraints
    assert f"training {cls._samples}" in doc


def test_unused_scikeras_members_are_not_reachable():
    for module in PUBLIC:
        est = module.make_common_estimator()
        hidden = ("current_epoch", "feature_encoder", "initialized_", "scorer", "target_encoder")
        for name in hidden:
            assert not hasattr(est, name), (type(est).__name__, name)
