"""The package as users install it: a wheel built from the sdist of this tree installs into a fresh
virtual environment, and the installed copy (not this folder) fits the three estimators.

Slow (about a minute: a build and a fresh environment), so ``make test`` skips it; ``.ci/run``
runs it on every CI build. The fresh environments reuse the test environment's dependencies
through a path file instead of downloading TensorFlow again; the package itself is installed
from the built archives only (``--no-deps --no-index``).
"""

import pathlib
import site
import subprocess
import sys
import sysconfig
import textwrap
import venv

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

_SMOKE = textwrap.dedent(
    """
    import pathlib, sys
    import numpy as np
    import skaquarium
    from skaquarium import DualMFRegressor, HANClassifier, SoftmaxAutoEncoderTransformer
    from skaquarium.datasets import make_keyword_documents, make_ratings

    where = pathlib.Path(skaquarium.__file__).resolve()
    assert pathlib.Path(sys.prefix).resolve() in where.parents, where  # the installed copy
    X, y = make_ratings(60, 40, 400, random_state=0)
    assert DualMFRegressor(epochs=1, random_state=0).fit(X, y).predict(X).shape == (400,)
    docs, labels, _ = make_keyword_documents(20, random_state=0)
    han = HANClassifier(epochs=1, embedding_dim=4, word_units=4, sentence_units=4,
                        attention_dim=4, random_state=0).fit(docs, labels)
    assert han.predict_proba(docs).shape == (20, 2)
    counts = np.random.RandomState(0).poisson(0.5, size=(30, 25))
    codes = SoftmaxAutoEncoderTransformer(n_components=2, epochs=1, random_state=0).fit_transform(counts)
    assert codes.shape == (30, 2)
    print("ok", skaquarium.__version__)
    """
)


def _fresh_env(folder):
    """A new virtual environment that sees this environment's installed dependencies."""
    venv.EnvBuilder(with_pip=True).create(folder)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    ours |= set(site.getsitepackages())
    (pathlib.Path(purelib) / "test-deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


@pytest.mark.slow
def test_wheel_built_from_the_sdist_installs_into_a_fresh_environment(tmp_path):
    # `python -m build` makes the sdist, then the wheel from the sdist (not from this tree), so
    # a file missing from the sdist breaks the wheel too.
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("skaquarium-*.whl")
    assert len(list(dist.glob("skaquarium-*.tar.gz"))) == 1
    python = _fresh_env(tmp_path / "env")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    check = subprocess.run(
        [str(python), "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    assert "skaquarium" not in check.stdout, check.stdout  # its requirements are met
    done = subprocess.run(
        [str(python), "-c", _SMOKE], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().startswith("ok ")
