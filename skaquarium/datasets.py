"""Loaders for the public benchmark datasets used by skaquarium.

Every loader looks for its files in a *data home*: the ``data_home`` argument,
else the ``SKAQUARIUM_DATA`` environment variable, else ``~/skaquarium_data``.
When the files are missing and ``download_if_missing=True``, the official
archive is downloaded with :mod:`urllib`, verified (SHA-256 checksum, or the
documented record counts where no checksum is published) and converted into a
compact cache in the data home:

=========================  ===============================================
dataset                    cache layout inside the data home
=========================  ===============================================
MovieLens 100K             ``ml-100k/`` (the extracted zip: ``u.data``, ...)
MovieLens latest-small     ``ml-latest-small/`` (``ratings.csv``, ...)
TextGCN corpora            ``textgcn/<name>.txt.gz``,
                           ``textgcn/corpus/<name>.txt.gz``
IMDB (aclImdb v1.0)        ``imdb/train.jsonl.gz``, ``imdb/test.jsonl.gz``
=========================  ===============================================

20 Newsgroups is not wrapped: use :func:`sklearn.datasets.fetch_20newsgroups`.

:func:`make_keyword_documents` generates a synthetic corpus (no files) whose label is decided by
one keyword sentence, to check what an explanation method ranks first.

The datasets are third-party data under their own terms (research use,
citation required, no redistribution): see each ``DESCR``.
"""

import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import tarfile
import tempfile
import urllib.request
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils import Bunch

__all__ = [
    "DataIntegrityError",
    "DataNotFoundError",
    "get_data_home",
    "load_imdb",
    "load_movielens",
    "load_text_corpus",
    "make_keyword_documents",
    "make_ratings",
]

logger = logging.getLogger(__name__)

DATA_HOME_ENV = "SKAQUARIUM_DATA"
_DEFAULT_DATA_HOME = os.path.join("~", "skaquarium_data")

# --------------------------------------------------------------------------- #
# Remote files and their checksums
# --------------------------------------------------------------------------- #

_ML_100K_URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
_ML_LATEST_SMALL_URL = "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip"
_ML_1M_URL = "https://files.grouplens.org/datasets/movielens/ml-1m.zip"
_IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
_TEXTGCN_URL = "https://raw.githubusercontent.com/yao8839836/text_gcn/master/data"

# SHA-256 of the downloaded bytes, only where the value is known with
# certainty. The TextGCN corpus values are those of files whose git blob SHA-1
# equals the one in the text_gcn repository tree. The TextGCN meta files
# (``data/<name>.txt``) have no checksum here: they are verified by their
# documented document, train and test counts instead (see _TEXTGCN_COUNTS).
_SHA256 = {
    _ML_100K_URL: "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
    _ML_LATEST_SMALL_URL: "696d65a3dfceac7c45750ad32df2c259311cd5b6fd60c4c31d7b3e4a4d7e5ba1",
    _IMDB_URL: "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
    **{
        f"{_TEXTGCN_URL}/corpus/{name}.txt": sha256
        for name, sha256 in {
            "R8": "c2758703ba8b3e29162e8e9f606e9a1f032c408cd9d76380f02c8ba16422cac7",
            "R52": "926453a3a242f0fe61a1a99ab1d3e4e193daf3bc926f3b61b9fc77718c137efc",
            "mr": "2ce386f81c1ebd45fd2c0d2a41e8702e78f2dbeeb88fc8f3cff680211f303689",
            "ohsumed": "c117cc9f36c3c121793f85955b47fba1bbb58a8eb051c638e3611544f11f5032",
            "20ng": "e56bbbaadc1283e4020d38dff5160381d93da04e68571b8bd0b70c47da9544b2",
            "R8.clean": "5324d029f2b625baca68aab4cfd1ed0353b94f11f7a9dd2ccb5b1fa5b86d6541",
            "mr.clean": "63d474f2a8251d4062697bf81dac5e9fac2a842c946beb1eb2a35729353398f5",
        }.items()
    },
}

# name -> (n_train, n_test, n_classes), from the TextGCN paper and verified on
# the corpora; checked on every download.
_TEXTGCN_COUNTS = {
    "R8": (5485, 2189, 8),
    "R52": (6532, 2568, 52),
    "mr": (7108, 3554, 2),
    "ohsumed": (3357, 4043, 23),
    "20ng": (11314, 7532, 20),
}
_TEXTGCN_CLEAN = ("R8", "mr")
_TEXTGCN_TRAIN_SPLITS = {"train", "training", "20news-bydate-train"}
_TEXTGCN_TEST_SPLITS = {"test", "20news-bydate-test"}

_ML_100K_FOLDS = ("u1", "u2", "u3", "u4", "u5", "ua", "ub")
_ML_100K_FILES = (
    "u.data",
    "u.item",
    "u.user",
    "u.genre",
    "u.occupation",
    *(f"{fold}.{part}" for fold in _ML_100K_FOLDS for part in ("base", "test")),
)
_ML_LATEST_SMALL_FILES = ("ratings.csv", "movies.csv")
_ML_1M_FILES = ("ratings.dat", "users.dat", "movies.dat")
#: A partial copy of MovieLens 1M (ratings without timestamps, movies re-indexed 1..3,706 in the
#: order of their MovieIDs), as some data homes hold instead of ``ratings.dat``.
_ML_1M_PARTIAL_RATINGS = "ratings_user_itemindex_rating.csv.gz"
#: (ratings, users, rated movies) of MovieLens 1M, checked on every read (the archive has no
#: published checksum).
_ML_1M_COUNTS = (1_000_209, 6_040, 3_706)
_ML_1M_AGE_CODES = {
    1: "<18",
    18: "18-24",
    25: "25-34",
    35: "35-44",
    45: "45-49",
    50: "50-55",
    56: "56+",
}
_ML_1M_OCCUPATIONS = [
    "other", "academic/educator", "artist", "clerical/admin", "college/grad student",
    "customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker",
    "K-12 student", "lawyer", "programmer", "retired", "sales/marketing", "scientist",
    "self-employed", "technician/engineer", "tradesman/craftsman", "unemployed", "writer",
]  # fmt: skip
_ML_RATING_COLUMNS = ["user_id", "item_id", "rating", "timestamp"]
# Age groups of the MovieLens 1M documentation, applied to the exact ages of 100K.
_ML_AGE_EDGES = [0, 18, 25, 35, 45, 50, 56, np.inf]
_ML_AGE_LABELS = ["<18", "18-24", "25-34", "35-44", "45-49", "50-55", "56+"]

# --------------------------------------------------------------------------- #
# Descriptions
# --------------------------------------------------------------------------- #

_DESCR_ML_1M = """\
MovieLens 1M
============

1,000,209 ratings (integers 1-5) from 6,040 users (who joined MovieLens in
2000, each with at least 20 ratings) on 3,706 of 3,883 movies, with the
users' gender, age group and occupation and the movies' titles and genres.
There are no official train/test splits; random splits are usual.

Source: https://grouplens.org/datasets/movielens/1m/ (ml-1m.zip).
Licence: research use only, no redistribution, no commercial use; cite
F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets:
History and Context. ACM TiiS 5(4), 19:1-19:19.
"""

_DESCR_ML_100K = """\
MovieLens 100K
==============

100,000 ratings (integers 1-5) from 943 users on 1,682 movies, collected by
the GroupLens Research Project (University of Minnesota) through the MovieLens
web site between September 1997 and April 1998. Every user rated at least 20
movies. Users have age, gender, occupation and zip code; movies have a title,
release date and 19 genre flags (including "unknown").

Official splits: u1..u5 are five 80%/20% train/test splits whose test parts
partition the data; ua and ub hold out exactly 10 ratings per user
(90,570/9,430).

Source: https://files.grouplens.org/datasets/movielens/ml-100k.zip

Licence: research use only; no endorsement claims; no redistribution or
commercial use without permission; acknowledge the data set in publications.

Reference: F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens
Datasets: History and Context. ACM Transactions on Interactive Intelligent
Systems 5(4), 19:1-19:19. https://doi.org/10.1145/2827872
"""

_DESCR_ML_LATEST_SMALL = """\
MovieLens latest-small (September 2018 release)
===============================================

100,836 ratings (0.5-5.0 in half stars) and 3,683 tag applications by 610
users on 9,742 movies (9,724 of them rated), March 1996 - September 2018.
Movies have a title and pipe-separated genres. This is a development data
set: GroupLens may change it over time, so report the release you used.

There are no user features and no official splits.

Source: https://files.grouplens.org/datasets/movielens/ml-latest-small.zip

Licence: research use; no endorsement claims; redistribution only under the
same licence; no commercial use without permission; cite the reference below.

Reference: F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens
Datasets: History and Context. ACM Transactions on Interactive Intelligent
Systems 5(4), 19:1-19:19. https://doi.org/10.1145/2827872
"""

_DESCR_IMDB = """\
IMDB Large Movie Review Dataset v1.0 (labelled part)
====================================================

50,000 highly polar movie reviews from IMDB: 25,000 for training and 25,000
for testing, 12,500 positive (rating >= 7/10, label 1) and 12,500 negative
(rating <= 4/10, label 0) in each. Train and test cover disjoint movies.
Texts are unchanged, including the "<br />" tags. Within each split the
negative reviews come first, by numeric review id, then the positive ones.

Source: https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz

Reference: Andrew L. Maas, Raymond E. Daly, Peter T. Pham, Dan Huang,
Andrew Y. Ng and Christopher Potts. 2011. Learning Word Vectors for Sentiment
Analysis. ACL 2011, pages 142-150.
"""

_TEXTGCN_SOURCES = {
    "R8": (
        "Reuters-21578 (Distribution 1.0, D. D. Lewis), ModApte split, single-topic\n"
        "documents of the 8 most frequent classes, as prepared by Ana\n"
        'Cardoso-Cachopo ("all-terms": lower-case letters and single spaces).\n'
        "Free for research use."
    ),
    "R52": (
        "Reuters-21578 (Distribution 1.0, D. D. Lewis), ModApte split, single-topic\n"
        "documents of 52 classes, as prepared by Ana Cardoso-Cachopo\n"
        '("all-terms": lower-case letters and single spaces). Free for research use.'
    ),
    "mr": (
        "Movie Review sentence polarity dataset v1.0 (Pang & Lee, ACL 2005):\n"
        "one lower-cased, tokenised sentence per document; labels '1' (positive)\n"
        "and '0' (negative), 5,331 each. Free for research use with citation."
    ),
    "ohsumed": (
        "OHSUMED (Hersh et al. 1994): MEDLINE abstracts of the first 20,000 of\n"
        "1991, single-label subset of the 23 cardiovascular disease categories\n"
        "C01..C23 (Joachims' version). Research use."
    ),
    "20ng": (
        '20 Newsgroups "bydate" (Jason Rennie, originally Ken Lang): each message\n'
        "with its newlines replaced by spaces. The same split as scikit-learn's\n"
        "fetch_20newsgroups (which loads this data set with its original text)."
    ),
}

# --------------------------------------------------------------------------- #
# Errors and the data home
# --------------------------------------------------------------------------- #


class DataNotFoundError(FileNotFoundError):
    """Raised when a dataset is not in the data home and cannot be downloaded.

    The message lists the files looked for, the data home and where it came
    from, and how to point a loader at the data (the ``data_home`` argument or
    the ``SKAQUARIUM_DATA`` environment variable).

    Examples
    --------
    >>> import tempfile
    >>> from skaquarium.datasets import DataNotFoundError, load_movielens
    >>> with tempfile.TemporaryDirectory() as tmp_dir:
    ...     try:
    ...         load_movielens(data_home=tmp_dir, download_if_missing=False)
    ...     except DataNotFoundError as exc:
    ...         print(type(exc).__name__, isinstance(exc, FileNotFoundError))
    ...         print("download_if_missing=False" in str(exc))
    DataNotFoundError True
    True
    """


class DataIntegrityError(OSError):
    """Raised when downloaded data fails its SHA-256 checksum or count checks.

    The downloaded file is deleted and nothing is written to the data home.
    Data already in the data home is checked too when it is read.

    Examples
    --------
    A TextGCN corpus whose meta file lists two documents but whose corpus
    file holds only one:

    >>> import gzip, pathlib, tempfile
    >>> from skaquarium.datasets import DataIntegrityError, load_text_corpus
    >>> with tempfile.TemporaryDirectory() as tmp_dir:
    ...     folder = pathlib.Path(tmp_dir, "textgcn")
    ...     (folder / "corpus").mkdir(parents=True)
    ...     meta = b"d0\\ttrain\\tearn\\nd1\\ttest\\tacq\\n"
    ...     _ = (folder / "R8.txt.gz").write_bytes(gzip.compress(meta))
    ...     _ = (folder / "corpus" / "R8.txt.gz").write_bytes(gzip.compress(b"one doc\\n"))
    ...     try:
    ...         load_text_corpus("R8", data_home=tmp_dir, download_if_missing=False)
    ...     except DataIntegrityError as exc:
    ...         print(type(exc).__name__, str(exc).endswith("meta file lists 2."))
    DataIntegrityError True
    """


def get_data_home(data_home=None):
    """Return the folder in which the dataset loaders look for their data.

    The folder is, in this order: the ``data_home`` argument, the
    ``SKAQUARIUM_DATA`` environment variable, or ``~/skaquarium_data``.
    A leading ``~`` is expanded. The folder is not created: the loaders
    create it only when they download something.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder that holds the datasets. ``None`` falls back to the
        ``SKAQUARIUM_DATA`` environment variable, then to
        ``~/skaquarium_data``.

    Returns
    -------
    data_home : str
        The path of the data home.

    See Also
    --------
    load_movielens, load_text_corpus, load_imdb

    Examples
    --------
    >>> from skaquarium.datasets import get_data_home
    >>> get_data_home("/data/benchmarks")
    '/data/benchmarks'
    """
    return str(_resolve_data_home(data_home)[0])


def _resolve_data_home(data_home):
    """Return the data home as a Path and a phrase saying where it came from."""
    if data_home is not None:
        path, source = os.fspath(data_home), "the data_home argument"
    elif os.environ.get(DATA_HOME_ENV):
        path, source = os.environ[DATA_HOME_ENV], f"the {DATA_HOME_ENV} environment variable"
    else:
        path = _DEFAULT_DATA_HOME
        source = (
            f"the default: neither the data_home argument nor the {DATA_HOME_ENV} "
            "environment variable is set"
        )
    return Path(os.path.expanduser(path)), source


def _not_found_message(title, folder, missing, home, source, reason):
    listed = "\n".join(f"  {path}" for path in missing)
    return (
        f"{title} was not found in the data home {home} ({source}).\n"
        f"Looked for these files, which are missing:\n{listed}\n"
        f"{reason}\n"
        f"To use a copy you already have, pass the data_home argument or set the "
        f"{DATA_HOME_ENV} environment variable to the folder that contains '{folder}/'."
    )


def _ensure_files(paths, *, title, folder, home, source, urls, download, download_if_missing):
    """Make sure every path exists, downloading with ``download()`` if allowed."""
    missing = [path for path in paths if not path.is_file()]
    if not missing:
        return
    url_list = ", ".join(urls)
    if not download_if_missing:
        reason = (
            f"Downloading is disabled (download_if_missing=False); with "
            f"download_if_missing=True it would be downloaded from {url_list}."
        )
        raise DataNotFoundError(_not_found_message(title, folder, missing, home, source, reason))
    try:
        home.mkdir(parents=True, exist_ok=True)
        download()
    except DataIntegrityError:
        raise
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        reason = f"Downloading it from {url_list} failed: {exc}"
        raise DataNotFoundError(
            _not_found_message(title, folder, missing, home, source, reason)
        ) from exc
    missing = [path for path in paths if not path.is_file()]
    if missing:
        reason = f"The files downloaded from {url_list} did not contain them."
        raise DataNotFoundError(_not_found_message(title, folder, missing, home, source, reason))


# --------------------------------------------------------------------------- #
# Downloading
# --------------------------------------------------------------------------- #


def _fetch(url, path):
    """Download ``url`` into the file ``path`` with urllib (no checks)."""
    with urllib.request.urlopen(url, timeout=60) as response, open(path, "wb") as file:
        shutil.copyfileobj(response, file, length=1 << 20)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url, directory, filename=None):
    """Fetch ``url`` into ``directory`` and verify its checksum when one is known.

    Files without a known checksum are verified by the caller (counts).
    """
    path = Path(directory) / (filename or url.rsplit("/", 1)[-1])
    logger.info("Downloading %s", url)
    _fetch(url, path)
    expected = _SHA256.get(url)
    if expected is not None:
        actual = _sha256(path)
        if actual != expected:
            path.unlink()
            raise DataIntegrityError(
                f"SHA-256 checksum mismatch for {url}: expected {expected}, got {actual}. "
                "The download is corrupt or the file has changed on the server; it was "
                "deleted and nothing was written to the data home."
            )
    return path


def _write_atomic(path, data, *, compress=False):
    """Write bytes to ``path`` through a temporary file, gzipped if asked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as raw:
        if compress:
            # Like ``gzip -9 -n``: no file name and no time stamp in the header.
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
                gz.write(data)
        else:
            raw.write(data)
    os.replace(tmp, path)


def _extract_zip_folder(archive, folder, target):
    """Copy the regular files of ``folder/`` in a zip archive into ``target``.

    Only members named ``folder/<name>`` are read, so no member can be written
    outside ``target``.
    """
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            parent, _, name = info.filename.partition("/")
            if parent != folder or not name or "/" in name or info.is_dir():
                continue
            _write_atomic(target / name, zf.read(info))


# --------------------------------------------------------------------------- #
# MovieLens
# --------------------------------------------------------------------------- #


def load_movielens(variant="100k", *, data_home=None, download_if_missing=True):
    """Load a MovieLens ratings dataset with user and item side features.

    Parameters
    ----------
    variant : {"100k", "1m", "latest-small"}, default="100k"
        ``"100k"``: MovieLens 100K (100,000 ratings 1-5, 943 users, 1,682
        movies, user demographics, official splits). ``"1m"``: MovieLens 1M
        (1,000,209 ratings 1-5, 6,040 users, 3,706 rated movies, user
        demographics, no official splits). ``"latest-small"``: the
        MovieLens latest-small development set (100,836 half-star ratings,
        610 users, 9,742 movies, no user features, no official splits).
    data_home : str or path-like, default=None
        Folder that holds ``ml-100k/``, ``ml-1m/`` or ``ml-latest-small/``;
        see :func:`get_data_home`.
    download_if_missing : bool, default=True
        Download the official GroupLens zip if the files are missing. The
        archive's SHA-256 checksum is verified before it is extracted.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        ratings : pandas.DataFrame
            One row per rating, in the order of the original file, with
            columns ``user_id`` (int64), ``item_id`` (int64), ``rating``
            (float64) and ``timestamp`` (int64, seconds since 1970-01-01 UTC).
        user_ids : ndarray of int64
            Sorted ids of the users; row ``i`` of ``user_features`` describes
            user ``user_ids[i]``.
        user_features : scipy.sparse.csr_matrix of float32 or None
            100K: one-hot age group (``<18``, ``18-24``, ``25-34``, ``35-44``,
            ``45-49``, ``50-55``, ``56+``), gender and occupation, shape
            ``(943, 30)``. ``None`` for latest-small.
        user_feature_names : ndarray of str or None
            Column names of ``user_features``, such as ``"age=25-34"``,
            ``"gender=F"``, ``"occupation=writer"``.
        item_ids : ndarray of int64
            Sorted ids of every movie in the catalogue, rated or not; row
            ``i`` of ``item_features`` describes movie ``item_ids[i]``.
        item_features : scipy.sparse.csr_matrix of float32
            Multi-hot genres. 100K: the 19 genre flags of ``u.item``
            (including ``unknown``). latest-small: the genres of
            ``movies.csv`` split on ``"|"``, sorted by name;
            ``"(no genres listed)"`` is kept as a column of its own, so every
            movie has at least one feature.
        item_feature_names : ndarray of str
            Column names of ``item_features``, such as ``"genre=Comedy"``.
        item_titles : ndarray of str
            Movie titles, aligned with ``item_ids``.
        folds : dict
            100K: the official splits ``"u1"`` ... ``"u5"``, ``"ua"``,
            ``"ub"``, each a ``(train_index, test_index)`` pair of sorted
            int64 arrays of row positions in ``ratings``. The test parts of
            ``u1`` ... ``u5`` partition the ratings. Empty for latest-small.
        DESCR : str
            Description of the dataset, its licence and its reference.

    Raises
    ------
    DataNotFoundError
        If the files are missing and cannot be downloaded.
    DataIntegrityError
        If the downloaded archive fails its checksum.

    See Also
    --------
    get_data_home

    Warns
    -----
    UserWarning
        For ``"1m"`` when the data home holds the partial copy of MovieLens 1M
        (``ml-1m/ratings_user_itemindex_rating.csv.gz`` instead of
        ``ratings.dat``): its ratings have no timestamps (the column is -1)
        and its movies are numbered 1..3,706 in the order of their MovieIDs,
        so ``item_features`` and ``item_titles`` are None; the warning says so.

    Notes
    -----
    The ``(train_index, test_index)`` pairs can be passed as ``cv`` to
    scikit-learn's model selection tools, e.g.
    ``cv=[data.folds[f"u{k}"] for k in range(1, 6)]``.

    MovieLens 1M has no published checksum: its counts of ratings, users and
    rated movies are checked instead, on every read.

    References
    ----------
    F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets:
    History and Context. ACM Transactions on Interactive Intelligent Systems
    5(4), 19:1-19:19.

    Examples
    --------
    >>> from skaquarium.datasets import load_movielens
    >>> ml = load_movielens("100k")  # doctest: +SKIP
    >>> ml.ratings.shape  # doctest: +SKIP
    (100000, 4)
    >>> ml.user_features.shape, ml.item_features.shape  # doctest: +SKIP
    ((943, 30), (1682, 19))
    >>> train_index, test_index = ml.folds["u1"]  # doctest: +SKIP
    >>> len(train_index), len(test_index)  # doctest: +SKIP
    (80000, 20000)
    """
    variants = {"100k": "ml-100k", "1m": "ml-1m", "latest-small": "ml-latest-small"}
    if variant not in variants:
        raise ValueError(f"variant must be one of {sorted(variants)}; got {variant!r}.")
    if variant == "100k":
        folder, files, url, title = "ml-100k", _ML_100K_FILES, _ML_100K_URL, "MovieLens 100K"
    elif variant == "1m":
        folder, files, url, title = "ml-1m", _ML_1M_FILES, _ML_1M_URL, "MovieLens 1M"
        home, _ = _resolve_data_home(data_home)
        partial = home / folder / _ML_1M_PARTIAL_RATINGS
        if not (home / folder / "ratings.dat").is_file() and partial.is_file():
            files = (_ML_1M_PARTIAL_RATINGS, "users.dat")
    else:
        folder, files, url = "ml-latest-small", _ML_LATEST_SMALL_FILES, _ML_LATEST_SMALL_URL
        title = "MovieLens latest-small"
    home, source = _resolve_data_home(data_home)
    directory = home / folder

    def download():
        with tempfile.TemporaryDirectory(dir=home, prefix=".skaquarium-download-") as tmp:
            archive = _download(url, tmp)
            _extract_zip_folder(archive, folder, directory)

    _ensure_files(
        [directory / name for name in files],
        title=title,
        folder=folder,
        home=home,
        source=source,
        urls=[url],
        download=download,
        download_if_missing=download_if_missing,
    )
    if variant == "100k":
        return _read_ml_100k(directory)
    if variant == "1m":
        return _read_ml_1m(directory)
    return _read_ml_latest_small(directory)


def _read_ml_1m(directory):
    full = (directory / "ratings.dat").is_file()
    columns = _ML_RATING_COLUMNS
    if full:
        ratings = pd.read_csv(
            directory / "ratings.dat", sep="::", engine="python", names=columns, dtype=np.int64
        )
    else:
        warnings.warn(
            f"{directory} holds the partial copy of MovieLens 1M ({_ML_1M_PARTIAL_RATINGS}, no "
            "ratings.dat): the ratings have no timestamps (set to -1) and the movies are "
            "numbered 1..3,706 in the order of their MovieIDs, not by MovieID, so there are no "
            "item features or titles. The official ml-1m.zip has all of them.",
            UserWarning,
            stacklevel=3,
        )
        ratings = pd.read_csv(directory / _ML_1M_PARTIAL_RATINGS, dtype=np.int64)
        ratings.columns = columns[:3]
        ratings["timestamp"] = np.int64(-1)
    ratings["rating"] = ratings["rating"].astype(np.float64)
    counts = (len(ratings), ratings["user_id"].nunique(), ratings["item_id"].nunique())
    if counts != _ML_1M_COUNTS:
        raise DataIntegrityError(
            f"MovieLens 1M in {directory} has {counts[0]} ratings of {counts[1]} users on "
            f"{counts[2]} movies; expected {_ML_1M_COUNTS[0]}, {_ML_1M_COUNTS[1]} and "
            f"{_ML_1M_COUNTS[2]}. The files are incomplete or not MovieLens 1M."
        )
    users = pd.read_csv(
        directory / "users.dat",
        sep="::",
        engine="python",
        names=["user_id", "gender", "age", "occupation", "zip_code"],
        dtype={"user_id": np.int64, "gender": str, "age": np.int64, "occupation": np.int64},
    ).sort_values("user_id", ignore_index=True)
    user_features, user_feature_names = _one_hot(
        [
            ("age", users["age"].map(_ML_1M_AGE_CODES).to_numpy(), _ML_AGE_LABELS),
            ("gender", users["gender"].to_numpy(), ["F", "M"]),
            (
                "occupation",
                users["occupation"].map(dict(enumerate(_ML_1M_OCCUPATIONS))).to_numpy(),
                _ML_1M_OCCUPATIONS,
            ),
        ]
    )
    item_ids = np.unique(ratings["item_id"].to_numpy())
    item_features = item_feature_names = item_titles = None
    if full:
        movies = pd.read_csv(
            directory / "movies.dat",
            sep="::",
            engine="python",
            names=["item_id", "title", "genres"],
            encoding="latin-1",
            dtype={"item_id": np.int64, "title": str, "genres": str},
            keep_default_na=False,
        ).sort_values("item_id", ignore_index=True)
        item_ids = movies["item_id"].to_numpy()
        item_features, vocabulary = _multi_hot(movies["genres"])
        item_feature_names = np.array([f"genre={name}" for name in vocabulary])
        item_titles = movies["title"].to_numpy(dtype=str)
    return Bunch(
        ratings=ratings[columns],
        user_ids=users["user_id"].to_numpy(),
        user_features=user_features,
        user_feature_names=user_feature_names,
        item_ids=item_ids,
        item_features=item_features,
        item_feature_names=item_feature_names,
        item_titles=item_titles,
        folds={},
        DESCR=_DESCR_ML_1M,
    )


def _multi_hot(labels, sep="|"):
    """Multi-hot CSR of ``sep``-separated labels, with the sorted label vocabulary."""
    lists = [value.split(sep) for value in labels]
    vocabulary = sorted({label for labels_ in lists for label in labels_})
    position = {label: i for i, label in enumerate(vocabulary)}
    indices = np.array([position[g] for labels_ in lists for g in labels_], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum([len(labels_) for labels_ in lists])])
    matrix = sp.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), indices, indptr),
        shape=(len(lists), len(vocabulary)),
    )
    matrix.sum_duplicates()
    return matrix, vocabulary


def _read_ml_ratings(path):
    return pd.read_csv(
        path,
        sep="\t",
        names=_ML_RATING_COLUMNS,
        dtype={
            "user_id": np.int64,
            "item_id": np.int64,
            "rating": np.float64,
            "timestamp": np.int64,
        },
    )


def _read_ml_100k(directory):
    ratings = _read_ml_ratings(directory / "u.data")

    # Users: id|age|gender|occupation|zip code.
    users = pd.read_csv(
        directory / "u.user",
        sep="|",
        names=["user_id", "age", "gender", "occupation", "zip_code"],
        dtype={
            "user_id": np.int64,
            "age": np.int64,
            "gender": str,
            "occupation": str,
            "zip_code": str,
        },
    ).sort_values("user_id", ignore_index=True)
    occupations = (directory / "u.occupation").read_text(encoding="latin-1").split()
    age_group = pd.cut(users["age"], _ML_AGE_EDGES, right=False, labels=_ML_AGE_LABELS)
    user_features, user_feature_names = _one_hot(
        [
            ("age", age_group.astype(str).to_numpy(), _ML_AGE_LABELS),
            ("gender", users["gender"].to_numpy(), ["F", "M"]),
            ("occupation", users["occupation"].to_numpy(), occupations),
        ]
    )

    # Movies: id|title|release date|video release date|IMDb URL|19 genre flags.
    genres = [
        line.rsplit("|", 1)[0]
        for line in (directory / "u.genre").read_text(encoding="latin-1").splitlines()
        if line.strip()
    ]
    items = pd.read_csv(
        directory / "u.item",
        sep="|",
        header=None,
        encoding="latin-1",
        dtype={0: np.int64, 1: str},
        keep_default_na=False,
    )
    if items.shape[1] != 5 + len(genres):
        raise DataIntegrityError(
            f"{directory / 'u.item'} has {items.shape[1]} columns; expected "
            f"{5 + len(genres)} (5 fields and one flag per genre of u.genre)."
        )
    items = items.sort_values(0, ignore_index=True)
    flags = items.iloc[:, 5:].to_numpy(dtype=np.float32)
    item_features = sp.csr_matrix(flags)

    # Official splits: match each (user, item) pair to its row in u.data,
    # where pairs are unique.
    n_items = int(max(ratings["item_id"].max(), items[0].max())) + 1
    keys = pd.Index(ratings["user_id"].to_numpy() * n_items + ratings["item_id"].to_numpy())
    if not keys.is_unique:
        raise DataIntegrityError(f"{directory / 'u.data'} has repeated (user, item) pairs.")
    folds = {}
    for fold in _ML_100K_FOLDS:
        pair = []
        for part in ("base", "test"):
            split = _read_ml_ratings(directory / f"{fold}.{part}")
            index = keys.get_indexer(
                split["user_id"].to_numpy() * n_items + split["item_id"].to_numpy()
            )
            if (index < 0).any():
                raise DataIntegrityError(
                    f"{directory / f'{fold}.{part}'} has (user, item) pairs missing from u.data."
                )
            pair.append(np.sort(index).astype(np.int64))
        folds[fold] = tuple(pair)

    return Bunch(
        ratings=ratings,
        user_ids=users["user_id"].to_numpy(),
        user_features=user_features,
        user_feature_names=user_feature_names,
        item_ids=items[0].to_numpy(),
        item_features=item_features,
        item_feature_names=np.array([f"genre={name}" for name in genres]),
        item_titles=items[1].to_numpy(dtype=str),
        folds=folds,
        DESCR=_DESCR_ML_100K,
    )


def _one_hot(columns):
    """One-hot encode ``[(prefix, values, categories), ...]`` side by side into CSR."""
    blocks, names = [], []
    for prefix, values, categories in columns:
        position = {category: i for i, category in enumerate(categories)}
        unknown = sorted(set(values) - set(position))
        if unknown:
            raise DataIntegrityError(f"Unexpected {prefix} values {unknown}; known: {categories}.")
        rows = np.arange(len(values))
        cols = np.array([position[value] for value in values], dtype=np.int64)
        block = sp.csr_matrix(
            (np.ones(len(values), dtype=np.float32), (rows, cols)),
            shape=(len(values), len(categories)),
        )
        blocks.append(block)
        names.extend(f"{prefix}={category}" for category in categories)
    return sp.hstack(blocks, format="csr"), np.array(names)


def _read_ml_latest_small(directory):
    ratings = pd.read_csv(
        directory / "ratings.csv",
        dtype={
            "userId": np.int64,
            "movieId": np.int64,
            "rating": np.float64,
            "timestamp": np.int64,
        },
    ).rename(columns={"userId": "user_id", "movieId": "item_id"})[_ML_RATING_COLUMNS]
    movies = pd.read_csv(
        directory / "movies.csv",
        dtype={"movieId": np.int64, "title": str, "genres": str},
        keep_default_na=False,
    ).sort_values("movieId", ignore_index=True)

    item_features, vocabulary = _multi_hot(movies["genres"])

    return Bunch(
        ratings=ratings,
        user_ids=np.unique(ratings["user_id"].to_numpy()),
        user_features=None,
        user_feature_names=None,
        item_ids=movies["movieId"].to_numpy(),
        item_features=item_features,
        item_feature_names=np.array([f"genre={genre}" for genre in vocabulary]),
        item_titles=movies["title"].to_numpy(dtype=str),
        folds={},
        DESCR=_DESCR_ML_LATEST_SMALL,
    )


# --------------------------------------------------------------------------- #
# TextGCN corpora
# --------------------------------------------------------------------------- #


def load_text_corpus(name, *, clean=False, data_home=None, download_if_missing=True):
    """Load a TextGCN benchmark corpus with TextGCN's exact train/test split.

    The corpora of Yao, Mao & Luo (2019): ``R8`` and ``R52`` (Reuters-21578),
    ``mr`` (movie review sentence polarity), ``ohsumed`` (medical abstracts)
    and ``20ng`` (20 Newsgroups).

    ========  ======  =====  =======
    name      train   test   classes
    ========  ======  =====  =======
    R8        5,485   2,189  8
    R52       6,532   2,568  52
    mr        7,108   3,554  2
    ohsumed   3,357   4,043  23
    20ng      11,314  7,532  20
    ========  ======  =====  =======

    Parameters
    ----------
    name : {"R8", "R52", "mr", "ohsumed", "20ng"}
        The corpus; case-insensitive.
    clean : bool, default=False
        Return TextGCN's preprocessed texts (lower-cased; for R8 also without
        stop words and words seen fewer than 5 times) instead of the raw
        ones. Only available for ``R8`` and ``mr``.
    data_home : str or path-like, default=None
        Folder that holds ``textgcn/``; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        Download the files from the text_gcn repository on GitHub if they
        are missing. Corpus files are verified by SHA-256; the meta files
        (no checksum is published for them) by their document, train, test
        and class counts.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data_train, data_test : list of str
            The documents, in TextGCN's order.
        target_train, target_test : ndarray of str
            The label of each document (for ``mr``: ``"1"`` positive, ``"0"``
            negative).
        target_names : list of str
            The sorted distinct labels.
        DESCR : str
            Description of the corpus, its source and its reference.

    Raises
    ------
    ValueError
        If ``name`` is not one of the corpora, or ``clean=True`` for a
        corpus without a cleaned version.
    DataNotFoundError
        If the files are missing and cannot be downloaded.
    DataIntegrityError
        If downloaded files fail their checksum or count checks, or the meta
        and corpus files disagree.

    See Also
    --------
    sklearn.datasets.fetch_20newsgroups : 20 Newsgroups with its original text.

    Notes
    -----
    The corpora are read as bytes, split on ``b"\\n"`` with a trailing
    ``b"\\r"`` removed, and decoded as Latin-1: ``mr`` is Latin-1 with CRLF
    line ends, and a few ``20ng`` messages contain bare carriage returns that
    universal-newline text mode would split.

    References
    ----------
    Liang Yao, Chengsheng Mao and Yuan Luo. 2019. Graph Convolutional Networks
    for Text Classification. AAAI 2019, 33(01), 7370-7377.

    Examples
    --------
    >>> from skaquarium.datasets import load_text_corpus
    >>> r8 = load_text_corpus("R8")  # doctest: +SKIP
    >>> len(r8.data_train), len(r8.data_test)  # doctest: +SKIP
    (5485, 2189)
    >>> r8.target_names  # doctest: +SKIP
    ['acq', 'crude', 'earn', 'grain', 'interest', 'money-fx', 'ship', 'trade']
    """
    canonical = {key.lower(): key for key in _TEXTGCN_COUNTS}
    if not isinstance(name, str) or name.lower() not in canonical:
        raise ValueError(
            f"Unknown corpus name {name!r}; valid names (case-insensitive) are "
            f"{list(_TEXTGCN_COUNTS)}."
        )
    name = canonical[name.lower()]
    if clean and name not in _TEXTGCN_CLEAN:
        raise ValueError(
            f"clean=True is only available for {list(_TEXTGCN_CLEAN)}: TextGCN's cleaned "
            f"text of {name!r} is not distributed here; got name={name!r}. Load the raw "
            "corpus and preprocess it yourself."
        )
    home, source = _resolve_data_home(data_home)
    directory = home / "textgcn"
    corpus_name = f"{name}.clean" if clean else name
    meta_path = directory / f"{name}.txt.gz"
    corpus_path = directory / "corpus" / f"{corpus_name}.txt.gz"
    meta_url = f"{_TEXTGCN_URL}/{name}.txt"
    corpus_url = f"{_TEXTGCN_URL}/corpus/{corpus_name}.txt"

    def download():
        with tempfile.TemporaryDirectory(dir=home, prefix=".skaquarium-download-") as tmp:
            meta = _download(meta_url, tmp, "meta.txt").read_bytes()
            rows = _textgcn_meta(meta, meta_url)
            _check_textgcn_counts(name, rows, meta_url)
            corpus = _download(corpus_url, tmp, "corpus.txt").read_bytes()
            _textgcn_docs(corpus, len(rows), corpus_url)
            _write_atomic(meta_path, meta, compress=True)
            _write_atomic(corpus_path, corpus, compress=True)

    _ensure_files(
        [meta_path, corpus_path],
        title=f"The TextGCN corpus {corpus_name!r}",
        folder="textgcn",
        home=home,
        source=source,
        urls=[meta_url, corpus_url],
        download=download,
        download_if_missing=download_if_missing,
    )

    rows = _textgcn_meta(_read_gzip(meta_path), meta_path)
    docs = _textgcn_docs(_read_gzip(corpus_path), len(rows), corpus_path)
    data_train, target_train, data_test, target_test = [], [], [], []
    for doc, (_, split, label) in zip(docs, rows):
        if split in _TEXTGCN_TRAIN_SPLITS:
            data_train.append(doc)
            target_train.append(label)
        elif split in _TEXTGCN_TEST_SPLITS:
            data_test.append(doc)
            target_test.append(label)
        else:
            raise DataIntegrityError(f"{meta_path} has an unknown split name {split!r}.")
    variant = "TextGCN's cleaned text" if clean else "raw text"
    descr = (
        f"TextGCN corpus {name} ({variant})\n"
        f"{'=' * len(f'TextGCN corpus {name} ({variant})')}\n\n"
        f"{len(docs):,} documents: {len(data_train):,} train, {len(data_test):,} test, "
        f"{len(set(target_train) | set(target_test))} classes, with TextGCN's split.\n\n"
        f"{_TEXTGCN_SOURCES[name]}\n\n"
        f"Source: https://github.com/yao8839836/text_gcn (data/{name}.txt, "
        f"data/corpus/{corpus_name}.txt)\n\n"
        "Reference: Liang Yao, Chengsheng Mao and Yuan Luo. 2019. Graph Convolutional\n"
        "Networks for Text Classification. AAAI 2019, 33(01), 7370-7377.\n"
    )
    return Bunch(
        data_train=data_train,
        data_test=data_test,
        target_train=np.array(target_train, dtype=str),
        target_test=np.array(target_test, dtype=str),
        target_names=sorted(set(target_train) | set(target_test)),
        DESCR=descr,
    )


def _read_gzip(path):
    with gzip.open(path, "rb") as file:
        return file.read()


def _textgcn_meta(data, origin):
    """Parse a meta file into ``[(doc_name, split, label), ...]``."""
    rows = []
    for line in data.split(b"\n"):
        line = line.rstrip(b"\r")
        if not line:
            continue
        fields = line.decode("latin-1").split("\t")
        if len(fields) != 3:
            raise DataIntegrityError(
                f"{origin}: expected 'doc_name<TAB>split<TAB>label' lines; got {line[:80]!r}."
            )
        rows.append(tuple(fields))
    return rows


def _textgcn_docs(data, n_docs, origin):
    """Split a corpus file into documents and check there is one per meta line."""
    docs = [line.rstrip(b"\r").decode("latin-1") for line in data.split(b"\n")]
    if docs and docs[-1] == "":
        docs.pop()  # mr ends with a newline
    if len(docs) != n_docs:
        raise DataIntegrityError(
            f"{origin} has {len(docs)} documents but its meta file lists {n_docs}."
        )
    return docs


def _check_textgcn_counts(name, rows, origin):
    n_train, n_test, n_classes = _TEXTGCN_COUNTS[name]
    got_train = sum(split in _TEXTGCN_TRAIN_SPLITS for _, split, _ in rows)
    got_test = sum(split in _TEXTGCN_TEST_SPLITS for _, split, _ in rows)
    got_classes = len({label for _, _, label in rows})
    expected = (n_train + n_test, n_train, n_test, n_classes)
    got = (len(rows), got_train, got_test, got_classes)
    if got != expected:
        raise DataIntegrityError(
            f"{origin} does not have the documented counts: expected "
            f"(documents, train, test, classes) = {expected}, got {got}. The download is "
            "corrupt or the file has changed; nothing was written to the data home."
        )


# --------------------------------------------------------------------------- #
# IMDB
# --------------------------------------------------------------------------- #

_IMDB_MEMBER = re.compile(r"aclImdb/(train|test)/(neg|pos)/(\d+)_(\d+)\.txt")


def load_imdb(*, data_home=None, download_if_missing=True):
    """Load the labelled IMDB Large Movie Review Dataset (sentiment polarity).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder that holds ``imdb/``; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        Download ``aclImdb_v1.tar.gz`` (84 MB) from Stanford if the files are
        missing, verify its SHA-256 checksum and convert its labelled reviews
        into ``imdb/train.jsonl.gz`` and ``imdb/test.jsonl.gz``. The 50,000
        unlabelled reviews are not kept.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data_train, data_test : list of str
            25,000 reviews each, unchanged (including ``"<br />"`` tags):
            the negative reviews by numeric id, then the positive ones.
        target_train, target_test : ndarray of int64
            1 for a positive review (rating >= 7/10), 0 for a negative one
            (rating <= 4/10); 12,500 of each per split.
        target_names : list of str
            ``["neg", "pos"]``.
        DESCR : str
            Description of the dataset and its reference.

    Raises
    ------
    DataNotFoundError
        If the files are missing and cannot be downloaded.
    DataIntegrityError
        If the downloaded archive fails its checksum.

    References
    ----------
    Andrew L. Maas, Raymond E. Daly, Peter T. Pham, Dan Huang, Andrew Y. Ng
    and Christopher Potts. 2011. Learning Word Vectors for Sentiment Analysis.
    ACL 2011, 142-150.

    Examples
    --------
    >>> from skaquarium.datasets import load_imdb
    >>> imdb = load_imdb()  # doctest: +SKIP
    >>> len(imdb.data_train), len(imdb.data_test)  # doctest: +SKIP
    (25000, 25000)
    >>> imdb.target_names  # doctest: +SKIP
    ['neg', 'pos']
    """
    home, source = _resolve_data_home(data_home)
    directory = home / "imdb"
    paths = {split: directory / f"{split}.jsonl.gz" for split in ("train", "test")}

    def download():
        with tempfile.TemporaryDirectory(dir=home, prefix=".skaquarium-download-") as tmp:
            archive = _download(_IMDB_URL, tmp)
            _convert_imdb(archive, directory)

    _ensure_files(
        list(paths.values()),
        title="The IMDB Large Movie Review Dataset",
        folder="imdb",
        home=home,
        source=source,
        urls=[_IMDB_URL],
        download=download,
        download_if_missing=download_if_missing,
    )
    data = {}
    for split, path in paths.items():
        texts, labels = [], []
        with gzip.open(path, "rt", encoding="utf-8", newline="\n") as file:
            for line in file:
                if line.strip():
                    row = json.loads(line)
                    texts.append(row["text"])
                    labels.append(row["label"])
        data[split] = (texts, np.array(labels, dtype=np.int64))
    return Bunch(
        data_train=data["train"][0],
        data_test=data["test"][0],
        target_train=data["train"][1],
        target_test=data["test"][1],
        target_names=["neg", "pos"],
        DESCR=_DESCR_IMDB,
    )


def _convert_imdb(archive, directory):
    """Convert the labelled reviews of ``aclImdb_v1.tar.gz`` into the jsonl.gz cache."""
    reviews = {(split, label): {} for split in ("train", "test") for label in ("neg", "pos")}
    readme = None
    # Stream the archive: only regular members with the expected names are read,
    # and nothing is extracted to disk.
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if not member.isfile():
                continue
            if member.name == "aclImdb/README":
                readme = tar.extractfile(member).read()
                continue
            match = _IMDB_MEMBER.fullmatch(member.name)
            if match is None:
                continue
            split, label, review_id = match.group(1), match.group(2), int(match.group(3))
            # The reviews are UTF-8; "replace" only guards against a damaged byte.
            text = tar.extractfile(member).read().decode("utf-8", errors="replace")
            reviews[split, label][review_id] = text
    for split in ("train", "test"):
        lines = []
        for value, label in enumerate(("neg", "pos")):
            by_id = reviews[split, label]
            if not by_id:
                raise DataIntegrityError(f"{archive} has no {split}/{label} reviews.")
            for review_id in sorted(by_id):
                row = {"text": by_id[review_id], "label": value}
                lines.append(json.dumps(row, ensure_ascii=False) + "\n")
        _write_atomic(
            directory / f"{split}.jsonl.gz", "".join(lines).encode("utf-8"), compress=True
        )
    if readme is not None:
        _write_atomic(directory / "README", readme)


# --------------------------------------------------------------------------- #
# Synthetic data
# --------------------------------------------------------------------------- #

_FILLER_WORDS = (
    "the a of market report people city water garden music table window road paper light "
    "river story green quiet early small family office number system morning"
).split()
_KEYWORD_LABELS = {"alpha": "good", "omega": "bad"}


def make_keyword_documents(n_documents=100, *, random_state=None):
    """Documents whose label is decided by a single keyword in one of their sentences.

    Each document has 3 to 6 sentences of 3 to 7 filler words drawn at random from one shared
    list; one sentence, at a random position, also holds the keyword ``"alpha"`` (label
    ``"good"``) or ``"omega"`` (label ``"bad"``), at a random place. Nothing else tells the
    classes apart, so a faithful explanation ranks the keyword sentence first and, within it,
    the keyword. No file is read or written.

    Parameters
    ----------
    n_documents : int, default=100
        Number of documents.
    random_state : int, RandomState instance or None, default=None
        Seed of the generator.

    Returns
    -------
    documents : list of str
        The documents: capitalised sentences ending in ``"."``, joined by a space.
    labels : ndarray of shape (n_documents,), dtype str
        ``"good"`` or ``"bad"``.
    keyword_sentence : ndarray of shape (n_documents,), dtype int
        The position of the keyword sentence in each document (0 is the first sentence).

    Examples
    --------
    >>> from skaquarium.datasets import make_keyword_documents
    >>> documents, labels, keyword_sentence = make_keyword_documents(2, random_state=0)
    >>> len(documents), sorted(set(labels)) <= ["bad", "good"]
    (2, True)
    >>> sentence = documents[0].split(". ")[keyword_sentence[0]].lower()
    >>> ("alpha" in sentence.split()) == (labels[0] == "good")
    True
    """
    from sklearn.utils import check_random_state

    if isinstance(n_documents, bool) or not isinstance(n_documents, (int, np.integer)):
        raise ValueError(f"n_documents must be an integer >= 1; got {n_documents!r}.")
    if n_documents < 1:
        raise ValueError(f"n_documents must be an integer >= 1; got {n_documents!r}.")
    rng = check_random_state(random_state)
    keywords = list(_KEYWORD_LABELS)
    documents, labels, keyword_sentence = [], [], []
    for _ in range(n_documents):
        n_sentences = rng.randint(3, 7)
        sentences = [
            " ".join(rng.choice(_FILLER_WORDS, rng.randint(3, 8))) for _ in range(n_sentences)
        ]
        key = rng.randint(n_sentences)
        keyword = rng.choice(keywords)
        words = sentences[key].split()
        words.insert(rng.randint(len(words) + 1), keyword)
        sentences[key] = " ".join(words)
        documents.append(". ".join(s.capitalize() for s in sentences) + ".")
        labels.append(_KEYWORD_LABELS[keyword])
        keyword_sentence.append(key)
    return documents, np.array(labels), np.array(keyword_sentence, dtype=np.int64)


def make_ratings(
    n_users=1000,
    n_items=500,
    n_ratings=20_000,
    *,
    n_factors=8,
    popularity_exponent=1.0,
    noise=0.5,
    random_state=None,
):
    """Synthetic explicit ratings with power-law item popularity and user activity.

    Each user and item gets ``n_factors`` latent factors and a bias; a rating is
    ``3.5 + user bias + item bias + factors . factors + noise``, rounded and clipped to the stars
    1 to 5. Which (user, item) pairs are rated follows the long tails of real rating data: item
    ``i`` (in a random order) is drawn with probability proportional to
    ``(rank + 1) ** -popularity_exponent``, and user activity likewise, so a few items hold many
    ratings and most hold few. Pairs are distinct. No file is read or written; the memory used is
    proportional to ``n_ratings``, never to ``n_users * n_items``.

    Parameters
    ----------
    n_users, n_items : int, default=1000, 500
        Numbers of user and item ids (``0 .. n - 1``); ids that draw no rating do not appear.
    n_ratings : int, default=20000
        Number of distinct (user, item) ratings; at most ``n_users * n_items / 2``.
    n_factors : int, default=8
        Latent factors per user and item.
    popularity_exponent : float, default=1.0
        Exponent of the power law of item popularity and user activity (0: uniform).
    noise : float, default=0.5
        Standard deviation of the Gaussian noise added before rounding.
    random_state : int, RandomState instance or None, default=None
        Seed of the generator.

    Returns
    -------
    X : ndarray of shape (n_ratings, 2), dtype int64
        User id and item id of each rating, in random order.
    y : ndarray of shape (n_ratings,), dtype float64
        The ratings, whole stars from 1 to 5.

    Examples
    --------
    >>> import numpy as np
    >>> from skaquarium.datasets import make_ratings
    >>> X, y = make_ratings(200, 100, 2000, random_state=0)
    >>> X.shape, sorted(set(y)) == [1.0, 2.0, 3.0, 4.0, 5.0]
    ((2000, 2), True)
    >>> counts = np.bincount(X[:, 1], minlength=100)
    >>> bool(np.sort(counts)[-10:].sum() > 0.25 * len(y))  # the 10% most popular: over a quarter
    True
    """
    from sklearn.utils import check_random_state

    for name, value in (("n_users", n_users), ("n_items", n_items), ("n_ratings", n_ratings)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")
    if n_ratings > n_users * n_items // 2:
        raise ValueError(
            f"n_ratings={n_ratings} is more than half of the {n_users * n_items} possible pairs "
            f"of {n_users} users and {n_items} items; ask for fewer ratings or more ids."
        )
    rng = check_random_state(random_state)

    def long_tail(n):
        weights = (np.arange(n) + 1.0) ** -float(popularity_exponent)
        return rng.permutation(weights / weights.sum())

    item_p, user_p = long_tail(n_items), long_tail(n_users)
    # Draw pairs in rounds until enough are distinct (a popular pair may be drawn twice).
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < n_ratings:
        need = int((n_ratings - len(keys)) * 1.2) + 16
        users = rng.choice(n_users, size=need, p=user_p)
        items = rng.choice(n_items, size=need, p=item_p)
        drawn = users.astype(np.int64) * n_items + items
        keys = np.concatenate([keys, drawn])
        _, first = np.unique(keys, return_index=True)
        keys = keys[np.sort(first)]
    keys = keys[:n_ratings]
    users, items = keys // n_items, keys % n_items
    user_factors = rng.normal(scale=1.0 / np.sqrt(n_factors), size=(n_users, n_factors))
    item_factors = rng.normal(scale=1.0, size=(n_items, n_factors))
    user_bias = rng.normal(scale=0.4, size=n_users)
    item_bias = rng.normal(scale=0.5, size=n_items)
    score = (
        3.5
        + user_bias[users]
        + item_bias[items]
        + np.einsum("ij,ij->i", user_factors[users], item_factors[items])
        + rng.normal(scale=noise, size=n_ratings)
    )
    y = np.clip(np.round(score), 1, 5).astype(np.float64)
    order = rng.permutation(n_ratings)
    return np.column_stack([users, items])[order], y[order]
