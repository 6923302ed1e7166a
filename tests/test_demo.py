"""The README's main command: the demo runs on any machine, with or without data and network."""

import re
import urllib.error

import pytest

from skaquarium import datasets
from skaquarium.demo import main


def _scoreboard(out):
    """Scoreboard rows as {(estimator, dataset): (value, peer value)}."""
    rows = {}
    for line in out.split("Scoreboard", 1)[1].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and re.fullmatch(r"[\d.]+", cells[3]):
            rows[cells[0], cells[1]] = (float(cells[3]), float(cells[5]))
    return rows


def test_demo_without_data_or_network_runs_the_embedded_default(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SKAQUARIUM_DATA", str(tmp_path / "no-data"))
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "no-sklearn-data"))

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("no network (test)")

    # Both downloaders find no network: the package's loaders and scikit-learn's 20 Newsgroups.
    monkeypatch.setattr(datasets, "_fetch", no_network)
    monkeypatch.setattr("sklearn.datasets._twenty_newsgroups._fetch_remote", no_network)
    assert main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert out.count("[missing]") == 4
    rows = _scoreboard(out)
    (dual_key,) = [k for k in rows if k[0] == "DualMFRegressor"]
    (han_key,) = [k for k in rows if k[0] == "HANClassifier"]
    assert "synthetic" in dual_key[1] and "synthetic" in han_key[1]
    rmse, baseline = rows[dual_key]
    assert rmse < baseline  # the towers learn the synthetic factors the biases cannot
    accuracy, _ = rows[han_key]
    assert accuracy > 0.9
    assert "synthetic data show the estimators at work" in out


def test_demo_help_names_the_offline_switch(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0 and "--offline" in capsys.readouterr().out
