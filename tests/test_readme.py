"""The README's Python examples run verbatim, each in a fresh interpreter, on the real datasets.

Each example fits a model on a full real dataset (minutes on 2 CPU cores), so they are ``slow``:
``make test`` skips them, ``make test-all`` runs them. Only the parsing of the README runs in the
fast suite, so that an example cannot silently disappear from these tests.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks():
    """The README's ```python blocks, each with the heading it sits under."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in _BLOCK.finditer(text):
        headings = re.findall(r"^#+ (.+)$", text[: match.start()], re.MULTILINE)
        blocks.append((headings[-1] if headings else "README", match.group(1)))
    return blocks


def test_readme_has_one_example_per_estimator():
    code = "\n".join(source for _, source in python_blocks())
    for name in ("DualMFRegressor", "SoftmaxAutoEncoderTransformer", "HANClassifier"):
        assert f"from skaquarium import {name}" in code


def _needs_data():
    data = os.environ.get("SKAQUARIUM_DATA")
    if not data or not Path(data, "ml-100k").exists():
        pytest.skip("the README examples need the real datasets under SKAQUARIUM_DATA")


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.parametrize(
    "source", [source for _, source in python_blocks()], ids=[h for h, _ in python_blocks()]
)
def test_readme_example_runs(source, tmp_path):
    _needs_data()
    done = subprocess.run(
        [sys.executable, "-c", source],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-4000:]
