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

_FLOAT32_ROWS = (
    "float32 matrix products (oneDNN on x86) may sum a row in a different order depending on "
    "its position in the batch, so reordering or subsetting rows can change an output by 1 ulp "
    "(about 6e-8), above the check's rtol of 1e-7; test_conformance checks both with rtol 1e-5"
)

#: What an estimator whose outputs come from float32 Keras layers may fail, machine-dependently.
FLOAT32_OUTPUTS = {
    "check_methods_sample_order_invariance": _FLOAT32_ROWS,
    "check_methods_subset_invariance": _FLOAT32_ROWS,
}
