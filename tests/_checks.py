"""Reasons for the scikit-learn estimator checks that every estimator of the package fails."""

#: scikeras' base class still defines the pre-1.6 tag method.
TAGS_RENAMED = {
    "check_estimator_tags_renamed": (
        "scikeras 0.13's BaseWrapper, a parent class, still defines the pre-1.6 `_more_tags`; "
        "the package's base defines `__sklearn_tags__` and hides `_more_tags`, and test_base "
        "checks that the tags are right"
    ),
}

_MINI_BATCH = (
    "mini-batch gradient descent sees a repeated sample in a different batch than a weight of 2, "
    "so the two fits agree only approximately"
)

#: What an estimator trained by mini-batch gradient descent with sample weights fails.
STOCHASTIC_TRAINING = {
    **TAGS_RENAMED,
    "check_sample_weight_equivalence_on_dense_data": _MINI_BATCH,
    "check_sample_weight_equivalence_on_sparse_data": _MINI_BATCH,
}
