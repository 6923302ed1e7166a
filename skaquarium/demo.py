"""The demo: fit the package's estimators on real data and print a scoreboard beside peers.

Run it with ``make demo`` (or ``python -m skaquarium.demo [--quick] [--offline]``). It looks for
the data in the data home (``SKAQUARIUM_DATA``, else ``~/skaquarium_data``; see
:mod:`skaquarium.datasets`) and for 20 Newsgroups in scikit-learn's data home
(``SCIKIT_LEARN_DATA``). A dataset that is missing is downloaded from its official source and
verified by checksum, unless ``--offline`` is given or there is no network; an estimator whose
data cannot be had runs on a small embedded synthetic default instead (clearly labelled), so the
demo always shows something. It exits with a non-zero status only when a fit fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from . import datasets

__all__ = ["main", "available_datasets"]


def available_datasets(download=False):
    """Check which demo datasets can be loaded (downloading the missing ones if asked).

    Parameters
    ----------
    download : bool, default=False
        Download a missing dataset from its official source (checksummed) before giving up.

    Returns
    -------
    found : dict
        Dataset name -> ``(True, description)`` or ``(False, what is missing and how to get
        it)``.

    Examples
    --------
    >>> from skaquarium.demo import available_datasets
    >>> sorted(available_datasets())
    ['20 Newsgroups', 'IMDB', 'MovieLens 100K', 'R8']
    """
    checks = {
        "MovieLens 100K": lambda: datasets.load_movielens("100k", download_if_missing=download),
        "R8": lambda: datasets.load_text_corpus("R8", download_if_missing=download),
        "IMDB": lambda: datasets.load_imdb(download_if_missing=download),
        "20 Newsgroups": lambda: _load_20newsgroups(download=download),
    }
    found = {}
    for name, loader in checks.items():
        try:
            bunch = loader()
        except OSError as exc:
            found[name] = (False, str(exc))
        else:
            found[name] = (True, _describe(bunch))
    return found


def _load_20newsgroups(subset="all", download=False):
    from sklearn.datasets import fetch_20newsgroups

    home = os.environ.get("SCIKIT_LEARN_DATA")
    try:
        return fetch_20newsgroups(subset=subset, download_if_missing=download)
    except OSError as exc:
        raise OSError(
            f"20 Newsgroups is not in scikit-learn's data home ({home or '~/scikit_learn_data'}). "
            "Set SCIKIT_LEARN_DATA to the folder holding 20news-bydate_py3.pkz, or run "
            "sklearn.datasets.fetch_20newsgroups() once with network access."
        ) from exc


def _describe(bunch):
    if "ratings" in bunch:
        r = bunch.ratings
        return f"{len(r):,} ratings, {r.user_id.nunique():,} users, {r.item_id.nunique():,} items"
    if "data_train" in bunch:
        return f"{len(bunch.data_train):,} train / {len(bunch.data_test):,} test documents"
    return f"{len(bunch.data):,} documents"


def _print_table(rows):
    header = ("estimator", "dataset", "metric", "value", "peer", "peer value", "fit s")
    table = [header] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")


def _parts():
    """The demo parts of the estimators, in order, and the synthetic stand-ins by estimator."""
    from . import _demo_parts

    return _demo_parts.PARTS, _demo_parts.SYNTHETIC_PARTS


def main(argv=None):
    """Run the demo.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments (``--quick`` for the short version).

    Returns
    -------
    status : int
        0 when every part whose data was found ran.

    Examples
    --------
    Running the demo takes minutes; here only its command line is shown.
    ``--help`` prints the usage and exits with status 0:

    >>> import contextlib, io
    >>> from skaquarium.demo import main
    >>> out = io.StringIO()
    >>> with contextlib.redirect_stdout(out):
    ...     try:
    ...         main(["--help"])
    ...     except SystemExit as exc:
    ...         code = exc.code
    >>> code, "--quick" in out.getvalue()
    (0, True)
    """
    parser = argparse.ArgumentParser(prog="python -m skaquarium.demo", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short fits (about 2 minutes)")
    parser.add_argument("--offline", action="store_true", help="never download a missing dataset")
    args = parser.parse_args(argv)

    print("skaquarium demo: datasets")
    found = available_datasets(download=not args.offline)
    for name, (ok, text) in found.items():
        print(f"  [{'found' if ok else 'missing'}] {name}: {text}")
    print()

    parts, synthetic = _parts()
    rows = []
    for part in parts:
        if args.quick and part.quick is not None:
            part = part.quick
        missing = [d for d in part.datasets if not found[d][0]]
        if missing:
            print(f"== {part.title}: missing data: {', '.join(missing)}")
            stand_in = synthetic.get(part.title.split()[0])
            if stand_in is None:
                print("   skipped (no embedded default for this estimator)\n")
                continue
            part = stand_in
        print(f"== {part.title}")
        start = time.perf_counter()
        rows.extend(part.run(quick=args.quick))
        print(f"   ({time.perf_counter() - start:.0f} s)\n")
    print("Scoreboard")
    _print_table(rows)
    if any("synthetic" in row[1] for row in rows):
        print(
            "\nRows on synthetic data show the estimators at work, not how they compare on real "
            "data: put the datasets in the data home (see the messages above) for those."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
