"""The two helpers every estimator's tests share: round trips and seeded reproducibility.

``assert_round_trips`` sends a fitted estimator through pickle, joblib, ``save``/``load`` and a
``save`` loaded by a fresh Python process in another folder, and checks that each copy gives the
original's outputs. ``assert_same_seed_same_output`` fits twice with one seed (same outputs) and
once with another (other outputs).
"""

import json
import pathlib
import pickle
import subprocess
import sys
import textwrap
import zipfile

import joblib
import numpy as np
import scipy.sparse as sp

from skaquarium import load

ROUND_TRIPS = ("pickle", "joblib", "save", "process")
_TESTS = pathlib.Path(__file__).resolve().parent


def round_trip(est, how, folder):
    """``est`` as it comes back through ``how`` ("pickle", "joblib" or "save")."""
    folder = pathlib.Path(folder)
    if how == "pickle":
        return pickle.loads(pickle.dumps(est))
    if how == "joblib":
        joblib.dump(est, folder / "model.joblib")
        return joblib.load(folder / "model.joblib")
    if how == "save":
        path = est.save(folder / "model.skaq")
        with zipfile.ZipFile(path) as zf:  # no absolute path of this machine in the file
            assert all(str(folder).encode() not in zf.read(n) for n in zf.namelist())
        restored = load(path)
        assert type(restored).load(path).get_params().keys() == est.get_params().keys()
        return restored
    raise ValueError(how)


def _dump_input(X, folder):
    if sp.issparse(X):
        sp.save_npz(folder / "X.npz", sp.csr_matrix(X))
        return "scipy.sparse.load_npz(folder + '/X.npz')"
    if isinstance(X, np.ndarray) and X.dtype != object:
        np.save(folder / "X.npy", X, allow_pickle=False)
        return "np.load(folder + '/X.npy', allow_pickle=False)"
    # Documents, or ids of mixed Python types: JSON keeps strings and ints apart.
    (folder / "X.json").write_text(json.dumps(np.asarray(X, dtype=object).tolist()))
    return "np.array(json.load(open(folder + '/X.json')), dtype=object)"


def _output_in_another_process(est, X, method, folder):
    """``est``'s ``method(X)`` computed by a fresh process from a saved copy in another folder."""
    folder = pathlib.Path(folder)
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    est.save(elsewhere / "copy.skaq")
    read_X = _dump_input(X, folder)
    module = type(est).__module__
    # Test-only estimators register when their module is imported; the package's load themselves.
    extra = "" if module.startswith("skaquarium") else f"import {module}"
    script = textwrap.dedent(
        f"""
        import json, sys
        import numpy as np, scipy.sparse
        sys.path.insert(0, {str(_TESTS)!r})
        {extra}
        import skaquarium
        folder = {str(folder)!r}
        est = skaquarium.load("copy.skaq")
        np.save(folder + "/out.npy", np.asarray(est.{method}({read_X})), allow_pickle=True)
        """
    )
    subprocess.run([sys.executable, "-W", "ignore", "-c", script], check=True, cwd=elsewhere)
    return np.load(folder / "out.npy", allow_pickle=True)


def assert_round_trips(est, X, method, folder, *, ways=ROUND_TRIPS, rtol=0.0, check=None):
    """Each way of storing ``est`` gives back an estimator whose ``method(X)`` equals ``est``'s.

    Parameters
    ----------
    est : fitted estimator
    X : input of ``method``
    method : str
        The method compared, e.g. "predict" or "transform".
    folder : path
        An empty folder to write into (pytest's ``tmp_path``).
    ways : tuple of str
        A subset of :data:`ROUND_TRIPS`.
    rtol : float
        0 (the default) demands identical outputs.
    check : callable or None
        ``check(restored)`` runs further assertions on each restored estimator (not for
        "process").

    Returns
    -------
    restored : dict
        Way -> restored estimator (without "process").
    """
    expected = np.asarray(getattr(est, method)(X))
    restored = {}
    for how in ways:
        sub = pathlib.Path(folder) / how
        sub.mkdir()
        if how == "process":
            out = _output_in_another_process(est, X, method, sub)
        else:
            copy = restored[how] = round_trip(est, how, sub)
            assert type(copy) is type(est), how
            assert copy.get_params().keys() == est.get_params().keys()
            out = np.asarray(getattr(copy, method)(X))
            if check is not None:
                check(copy)
        np.testing.assert_allclose(out, expected, rtol=rtol, atol=0, err_msg=how)
    return restored


def assert_same_seed_same_output(make, fit_args, output):
    """``make(random_state=s).fit(*fit_args)``: identical outputs for one seed, not for two."""
    first = np.asarray(output(make(random_state=0).fit(*fit_args)))
    again = np.asarray(output(make(random_state=0).fit(*fit_args)))
    np.testing.assert_array_equal(again, first)
    other = np.asarray(output(make(random_state=1).fit(*fit_args)))
    assert not np.array_equal(other, first), "random_state has no effect"
