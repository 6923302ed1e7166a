"""Persistence on its own: files saved by earlier versions still load, saves are atomic, and the
registry is importable without TensorFlow."""

import json
import os
import pathlib
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp
from _toy import SoftmaxRegressionClassifier, make_blobs_data

from skaquarium import _persistence, load

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def fitted():
    X, y = make_blobs_data(n=60, sparse=False)
    return SoftmaxRegressionClassifier(epochs=2, random_state=0).fit(X, y), X


# -- files written by earlier versions ----------------------------------------------------------
# The fixtures were saved by main at 56f4337 with the inputs and the outputs they gave then; a
# change to batching, prediction or persistence must keep giving those outputs.


def test_saved_dual_mf_loads_and_predicts_as_when_saved():
    model = load(FIXTURES / "dual_mf.skaq")
    X = np.load(FIXTURES / "dual_mf_X.npy", allow_pickle=False)
    expected = np.load(FIXTURES / "dual_mf_pred.npy", allow_pickle=False)
    np.testing.assert_allclose(model.predict(X), expected, rtol=0, atol=1e-6)


def test_saved_softmax_autoencoder_loads_and_transforms_as_when_saved():
    model = load(FIXTURES / "softmax_autoencoder.skaq")
    X = sp.load_npz(FIXTURES / "softmax_autoencoder_X.npz")
    expected = np.load(FIXTURES / "softmax_autoencoder_Xt.npy", allow_pickle=False)
    np.testing.assert_allclose(model.transform(X), expected, rtol=0, atol=1e-6)


def test_saved_han_loads_and_predicts_as_when_saved():
    model = load(FIXTURES / "han.skaq")
    docs = json.loads((FIXTURES / "han_docs.json").read_text())
    expected = np.load(FIXTURES / "han_proba.npy", allow_pickle=False)
    np.testing.assert_allclose(model.predict_proba(docs), expected, rtol=0, atol=1e-6)


# -- atomic saves -------------------------------------------------------------------------------


def _files(folder):
    return sorted(p.name for p in pathlib.Path(folder).iterdir())


def test_save_replaces_a_file_atomically(fitted, tmp_path):
    est, X = fitted
    path = tmp_path / "model.skaq"
    est.save(path)
    est.save(path)  # overwriting works and leaves no temporary file
    assert _files(tmp_path) == ["model.skaq"]
    np.testing.assert_array_equal(load(path).predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("fail_at", ["arrays.npz", "model.keras"])
def test_failed_save_leaves_the_previous_file_byte_identical(
    fitted, tmp_path, monkeypatch, fail_at
):
    est, X = fitted
    path = tmp_path / "model.skaq"
    est.save(path)
    before = path.read_bytes()

    writestr, write = zipfile.ZipFile.writestr, zipfile.ZipFile.write

    def failing_writestr(self, name, *args, **kwargs):
        name_str = name.filename if isinstance(name, zipfile.ZipInfo) else name
        if name_str == fail_at:
            raise OSError(28, "No space left on device")
        return writestr(self, name, *args, **kwargs)

    def failing_write(self, filename, arcname=None, *args, **kwargs):
        if arcname == fail_at:
            raise OSError(28, "No space left on device")
        return write(self, filename, arcname, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    monkeypatch.setattr(zipfile.ZipFile, "write", failing_write)
    with pytest.raises(OSError, match="No space left"):
        est.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["model.skaq"]
    np.testing.assert_array_equal(load(path).predict_proba(X), est.predict_proba(X))


def test_failed_first_save_leaves_nothing_behind(fitted, tmp_path, monkeypatch):
    est, _ = fitted

    def no_keras(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(est.model_, "save", no_keras)
    with pytest.raises(KeyboardInterrupt):
        est.save(tmp_path / "model.skaq")
    assert _files(tmp_path) == []


def test_save_into_a_missing_folder_fails_clearly(fitted, tmp_path):
    est, _ = fitted
    with pytest.raises(FileNotFoundError):
        est.save(tmp_path / "missing" / "model.skaq")


# -- its own room -------------------------------------------------------------------------------


def test_persistence_and_text_import_without_tensorflow():
    code = (
        "import sys, skaquarium._persistence, skaquarium.text; "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith(('tensorflow', 'keras')))[:5]; "
        "assert 'HierarchicalTokenizer' in skaquarium._persistence._REGISTRY"
    )
    env = {**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parents[1])}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)


def test_estimators_register_themselves(fitted):
    est, _ = fitted
    assert _persistence._REGISTRY["SoftmaxRegressionClassifier"] is type(est)


def test_saved_file_gets_the_usual_mode_or_keeps_the_replaced_ones(fitted, tmp_path):
    est, _ = fitted
    umask = os.umask(0o022)
    try:
        path = tmp_path / "model.skaq"
        est.save(path)
        assert path.stat().st_mode & 0o777 == 0o644  # not the temporary file's private 0600
        path.chmod(0o640)
        est.save(path)
        assert path.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)
