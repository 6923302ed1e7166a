"""Tests for skaquarium.datasets.

Behaviour (data home, errors, download, checksum, conversion) is tested on tiny
archives built in ``tmp_path`` with the fetch function replaced: these tests never
touch the network. Tests marked ``realdata`` check the documented counts on the
real datasets found in ``SKAQUARIUM_DATA`` or ``<repo>/../shared/data``.
"""

import gzip
import hashlib
import io
import json
import os
import tarfile
import urllib.error
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from skaquarium import datasets
from skaquarium.datasets import (
    DataIntegrityError,
    DataNotFoundError,
    get_data_home,
    load_imdb,
    load_movielens,
    load_text_corpus,
)

REPO = Path(__file__).resolve().parents[1]


def _real_data_home():
    """Where the real datasets are: SKAQUARIUM_DATA, else <repo>/../shared/data."""
    env = os.environ.get("SKAQUARIUM_DATA")
    if env:
        return Path(env)
    fallback = REPO.parent / "shared" / "data"
    return fallback if fallback.is_dir() else None


REAL_DATA_HOME = _real_data_home()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Fail any test that would download for real."""

    def refuse(url, path):
        raise AssertionError(f"tests must not download ({url})")

    monkeypatch.setattr(datasets, "_fetch", refuse)


def _load_real(loader, *args, **kwargs):
    if REAL_DATA_HOME is None:
        pytest.skip("real data not available: set SKAQUARIUM_DATA or provide <repo>/../shared/data")
    try:
        return loader(*args, data_home=REAL_DATA_HOME, download_if_missing=False, **kwargs)
    except DataNotFoundError as exc:
        pytest.skip(f"dataset not in the real data home {REAL_DATA_HOME}: {exc}")


# --------------------------------------------------------------------------- #
# Data home
# --------------------------------------------------------------------------- #


def test_data_home_argument_wins_over_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SKAQUARIUM_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert get_data_home(tmp_path / "arg") == str(tmp_path / "arg")


def test_data_home_environment_wins_over_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("SKAQUARIUM_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert get_data_home() == str(tmp_path / "env")


@pytest.mark.parametrize("env_value", [None, ""])
def test_data_home_defaults_to_home_folder(monkeypatch, tmp_path, env_value):
    if env_value is None:
        monkeypatch.delenv("SKAQUARIUM_DATA", raising=False)
    else:
        monkeypatch.setenv("SKAQUARIUM_DATA", env_value)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert get_data_home() == str(tmp_path / "home" / "skaquarium_data")
    assert not (tmp_path / "home").exists()  # resolving never creates folders


def test_data_home_expands_user(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home("~/data") == str(tmp_path / "data")


# --------------------------------------------------------------------------- #
# Missing data and failed downloads
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "load, missing",
    [
        (lambda **kw: load_movielens("100k", **kw), "ml-100k/u.data"),
        (lambda **kw: load_movielens("latest-small", **kw), "ml-latest-small/ratings.csv"),
        (lambda **kw: load_text_corpus("R8", **kw), "textgcn/corpus/R8.txt.gz"),
        (lambda **kw: load_imdb(**kw), "imdb/train.jsonl.gz"),
    ],
    ids=["ml-100k", "ml-latest-small", "textgcn", "imdb"],
)
def test_missing_data_error_message(tmp_path, load, missing):
    with pytest.raises(DataNotFoundError) as info:
        load(data_home=tmp_path, download_if_missing=False)
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert str(tmp_path / missing) in message
    assert "SKAQUARIUM_DATA" in message
    assert "data_home argument" in message
    assert "download_if_missing=False" in message
    assert not any(tmp_path.iterdir())  # nothing created


def test_missing_data_error_names_environment_source(monkeypatch, tmp_path):
    monkeypatch.setenv("SKAQUARIUM_DATA", str(tmp_path))
    with pytest.raises(DataNotFoundError, match=r"\(the SKAQUARIUM_DATA environment variable\)"):
        load_imdb(download_if_missing=False)


def test_failed_download_raises_data_not_found(monkeypatch, tmp_path):
    def offline(url, path):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(datasets, "_fetch", offline)
    with pytest.raises(DataNotFoundError) as info:
        load_movielens("100k", data_home=tmp_path)
    message = str(info.value)
    assert "https://files.grouplens.org/datasets/movielens/ml-100k.zip" in message
    assert "no network" in message
    assert "SKAQUARIUM_DATA" in message and "data_home" in message
    assert isinstance(info.value.__cause__, urllib.error.URLError)
    assert [p.name for p in tmp_path.iterdir()] == []  # temporary files cleaned up


def test_invalid_names():
    with pytest.raises(ValueError, match=r"'R8', 'R52', 'mr', 'ohsumed', '20ng'"):
        load_text_corpus("R9")
    with pytest.raises(ValueError, match="only available for"):
        load_text_corpus("R52", clean=True)
    with pytest.raises(ValueError, match="variant must be one of"):
        load_movielens("10m")


# --------------------------------------------------------------------------- #
# Download path with fake archives
# --------------------------------------------------------------------------- #


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _serve(monkeypatch, files):
    """Replace the fetch function by one serving ``{url: local path}``; return the calls."""
    calls = []

    def fake_fetch(url, path):
        calls.append(url)
        Path(path).write_bytes(Path(files[url]).read_bytes())

    monkeypatch.setattr(datasets, "_fetch", fake_fetch)
    return calls


def _fake_ml_100k_zip(path):
    """A tiny archive with the layout and formats of ml-100k.zip."""
    ratings = [  # user, item, rating, timestamp
        (2, 1, 4, 881250949),
        (1, 2, 3, 891717742),
        (3, 1, 5, 878887116),
        (1, 1, 2, 880606923),
        (2, 3, 1, 886397596),
        (3, 2, 4, 884182806),
    ]

    def lines(rows):
        return "".join("\t".join(map(str, row)) + "\n" for row in rows)

    genres = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime"]
    genres += ["Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery"]
    genres += ["Romance", "Sci-Fi", "Thriller", "War", "Western"]
    flags = {1: {"Animation", "Children's", "Comedy"}, 2: {"Action"}, 3: {"Drama"}}
    titles = {1: "Toy Story (1995)", 2: "GoldenEye (1995)", 3: "Misérables, Les (1995)"}
    u_item = "".join(
        f"{i}|{titles[i]}|01-Jan-1995||http://us.imdb.com/M/title-exact?x|"
        + "|".join("1" if g in flags[i] else "0" for g in genres)
        + "\n"
        for i in (1, 2, 3)
    )
    files = {
        "u.data": lines(ratings).encode(),
        "u.item": u_item.encode("latin-1"),
        "u.user": b"1|24|M|technician|85711\n2|53|F|other|94043\n3|17|M|writer|32067\n",
        "u.genre": "".join(f"{g}|{i}\n" for i, g in enumerate(genres)).encode() + b"\n",
        "u.occupation": b"other\ntechnician\nwriter\n",
        "README": b"fake MovieLens 100K\n",
    }
    # Test part k of u1..u5 is rating k (mod 5); ua/ub hold out one rating per user.
    for k in range(1, 6):
        test = [r for j, r in enumerate(ratings) if j % 5 == k - 1]
        base = [r for j, r in enumerate(ratings) if j % 5 != k - 1]
        files[f"u{k}.base"], files[f"u{k}.test"] = lines(base).encode(), lines(test).encode()
    for name, held_out in (("ua", {0, 1, 5}), ("ub", {2, 3, 4})):
        test = [r for j, r in enumerate(ratings) if j in held_out]
        base = [r for j, r in enumerate(ratings) if j not in held_out]
        files[f"{name}.base"], files[f"{name}.test"] = lines(base).encode(), lines(test).encode()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ml-100k/", b"")
        for name, data in files.items():
            zf.writestr(f"ml-100k/{name}", data)
        zf.writestr("../outside.txt", b"must not be extracted")
    return path


def test_fake_ml_100k_download(monkeypatch, tmp_path):
    archive = _fake_ml_100k_zip(tmp_path / "ml-100k.zip")
    url = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
    monkeypatch.setitem(datasets._SHA256, url, _sha256(archive))
    calls = _serve(monkeypatch, {url: archive})
    home = tmp_path / "home"

    ml = load_movielens("100k", data_home=home)

    assert calls == [url]
    assert (home / "ml-100k" / "u.data").is_file()
    assert not (tmp_path / "outside.txt").exists()
    assert sorted(p.name for p in home.iterdir()) == ["ml-100k"]  # no temporary leftovers
    assert list(ml.ratings.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert ml.ratings.shape == (6, 4)
    assert ml.ratings["rating"].tolist() == [4, 3, 5, 2, 1, 4]
    np.testing.assert_array_equal(ml.user_ids, [1, 2, 3])
    np.testing.assert_array_equal(ml.item_ids, [1, 2, 3])
    assert ml.item_titles[2] == "Misérables, Les (1995)"  # u.item is Latin-1

    assert sp.issparse(ml.item_features) and ml.item_features.format == "csr"
    assert ml.item_features.shape == (3, 19)
    names = list(ml.item_feature_names)
    toy_story = {names[j] for j in ml.item_features[0].indices}
    assert toy_story == {"genre=Animation", "genre=Children's", "genre=Comedy"}
    assert ml.user_features.shape == (3, 7 + 2 + 3)
    user3 = {ml.user_feature_names[j] for j in ml.user_features[2].indices}
    assert user3 == {"age=<18", "gender=M", "occupation=writer"}
    user2 = {ml.user_feature_names[j] for j in ml.user_features[1].indices}
    assert user2 == {"age=50-55", "gender=F", "occupation=other"}

    assert set(ml.folds) == {"u1", "u2", "u3", "u4", "u5", "ua", "ub"}
    train, test = ml.folds["ua"]
    np.testing.assert_array_equal(test, [0, 1, 5])
    np.testing.assert_array_equal(train, [2, 3, 4])
    tests = np.sort(np.concatenate([ml.folds[f"u{k}"][1] for k in range(1, 6)]))
    np.testing.assert_array_equal(tests, np.arange(6))
    assert "MovieLens 100K" in ml.DESCR

    # The cache is used from now on: no second download.
    assert load_movielens("100k", data_home=home).ratings.shape == (6, 4)
    assert calls == [url]


def test_checksum_mismatch(monkeypatch, tmp_path):
    archive = _fake_ml_100k_zip(tmp_path / "ml-100k.zip")
    url = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
    _serve(monkeypatch, {url: archive})  # the real checksum stays expected
    home = tmp_path / "home"
    with pytest.raises(DataIntegrityError) as info:
        load_movielens("100k", data_home=home)
    message = str(info.value)
    assert "SHA-256 checksum mismatch" in message
    assert url in message
    assert "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229" in message
    assert _sha256(archive) in message
    assert list(home.iterdir()) == []  # nothing extracted, the download deleted


def test_fake_ml_latest_small_download(monkeypatch, tmp_path):
    archive = tmp_path / "ml-latest-small.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(
            "ml-latest-small/ratings.csv",
            "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n"
            "5,1,0.5,847434962\n",
        )
        zf.writestr(
            "ml-latest-small/movies.csv",
            'movieId,title,genres\n3,"American President, The (1995)",Comedy|Drama|Romance\n'
            "1,Toy Story (1995),Adventure|Comedy\n2,Nothing (2010),(no genres listed)\n",
        )
    url = "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip"
    monkeypatch.setitem(datasets._SHA256, url, _sha256(archive))
    calls = _serve(monkeypatch, {url: archive})

    ml = load_movielens("latest-small", data_home=tmp_path / "home")

    assert calls == [url]
    assert ml.ratings["rating"].tolist() == [4.0, 4.5, 0.5]
    assert list(ml.ratings.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert ml.user_features is None and ml.user_feature_names is None
    np.testing.assert_array_equal(ml.user_ids, [1, 5])
    np.testing.assert_array_equal(ml.item_ids, [1, 2, 3])
    assert ml.item_titles[2] == "American President, The (1995)"
    assert list(ml.item_feature_names) == [
        "genre=(no genres listed)",
        "genre=Adventure",
        "genre=Comedy",
        "genre=Drama",
        "genre=Romance",
    ]
    np.testing.assert_array_equal(
        ml.item_features.toarray(),
        [[0, 1, 1, 0, 0], [1, 0, 0, 0, 0], [0, 0, 1, 1, 1]],
    )
    assert ml.folds == {}


def _fake_imdb_tar(path):
    reviews = {
        ("train", "neg", 10): "Bad.<br /><br />Very bad.",
        ("train", "neg", 2): "Dull film, caf\u00e9 scene aside.",
        ("train", "pos", 0): "Great!",
        ("test", "neg", 0): "Awful.",
        ("test", "pos", 7): "Loved it.",
        ("test", "pos", 3): "Superb.",
    }
    with tarfile.open(path, "w:gz") as tar:

        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        add("aclImdb/README", b"Large Movie Review Dataset v1.0\n")
        for (split, label, review_id), text in reviews.items():
            add(
                f"aclImdb/{split}/{label}/{review_id}_{8 if label == 'pos' else 2}.txt",
                text.encode(),
            )
        add("aclImdb/train/unsup/0_0.txt", b"unlabelled")
        add("aclImdb/train/labeledBow.feat", b"0 0:1\n")
    return path


def test_fake_imdb_download(monkeypatch, tmp_path):
    archive = _fake_imdb_tar(tmp_path / "aclImdb_v1.tar.gz")
    url = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
    monkeypatch.setitem(datasets._SHA256, url, _sha256(archive))
    calls = _serve(monkeypatch, {url: archive})
    home = tmp_path / "home"

    imdb = load_imdb(data_home=home)

    assert calls == [url]
    # Negative reviews first, then positive, each by numeric id (2 before 10).
    assert imdb.data_train == [
        "Dull film, caf\u00e9 scene aside.",
        "Bad.<br /><br />Very bad.",
        "Great!",
    ]
    assert imdb.target_train.tolist() == [0, 0, 1]
    assert imdb.data_test == ["Awful.", "Superb.", "Loved it."]
    assert imdb.target_test.tolist() == [0, 1, 1]
    assert imdb.target_names == ["neg", "pos"]
    with gzip.open(home / "imdb" / "train.jsonl.gz", "rt", encoding="utf-8") as file:
        first = json.loads(file.readline())
    assert first == {"text": "Dull film, caf\u00e9 scene aside.", "label": 0}
    assert (home / "imdb" / "README").read_bytes().startswith(b"Large Movie Review")


def _textgcn_files(tmp_path):
    meta = b"0\ttrain\tacq\n1\ttest\tearn\n2\ttrain\tearn"
    corpus = b"first doc\nsecond doc\nthird doc"
    (tmp_path / "R8.txt").write_bytes(meta)
    (tmp_path / "corpus_R8.txt").write_bytes(corpus)
    base = "https://raw.githubusercontent.com/yao8839836/text_gcn/master/data"
    return {
        f"{base}/R8.txt": tmp_path / "R8.txt",
        f"{base}/corpus/R8.txt": tmp_path / "corpus_R8.txt",
    }


def test_fake_textgcn_download(monkeypatch, tmp_path):
    files = _textgcn_files(tmp_path)
    corpus_url = next(url for url in files if "/corpus/" in url)
    monkeypatch.setitem(datasets._SHA256, corpus_url, _sha256(files[corpus_url]))
    monkeypatch.setitem(datasets._TEXTGCN_COUNTS, "R8", (2, 1, 2))
    calls = _serve(monkeypatch, files)
    home = tmp_path / "home"

    r8 = load_text_corpus("r8", data_home=home)  # names are case-insensitive

    assert sorted(calls) == sorted(files)
    with gzip.open(home / "textgcn" / "R8.txt.gz") as file:
        assert (
            file.read() == files[next(u for u in files if u.endswith("data/R8.txt"))].read_bytes()
        )
    assert (home / "textgcn" / "corpus" / "R8.txt.gz").is_file()
    assert r8.data_train == ["first doc", "third doc"]
    assert r8.data_test == ["second doc"]
    assert r8.target_train.tolist() == ["acq", "earn"]
    assert r8.target_test.tolist() == ["earn"]
    assert r8.target_names == ["acq", "earn"]


def test_textgcn_download_with_wrong_counts(monkeypatch, tmp_path):
    files = _textgcn_files(tmp_path)  # 3 documents where R8 has 7,674
    _serve(monkeypatch, files)
    home = tmp_path / "home"
    with pytest.raises(DataIntegrityError, match="documented counts"):
        load_text_corpus("R8", data_home=home)
    assert list(home.iterdir()) == []


def test_textgcn_reads_bytes(tmp_path):
    """mr is Latin-1 with CRLF line ends; 20ng messages may hold bare carriage returns."""
    root = tmp_path / "textgcn"
    (root / "corpus").mkdir(parents=True)

    def write(path, data):
        with gzip.open(path, "wb") as file:
            file.write(data)

    write(root / "mr.txt.gz", b"0\ttrain\t1\r\n1\ttest\t0\r\n")
    write(root / "corpus" / "mr.txt.gz", b"un caf\xe9 fort\r\nbad\rly made\r\n")
    mr = load_text_corpus("MR", data_home=tmp_path, download_if_missing=False)
    assert mr.data_train == ["un caf\u00e9 fort"]
    assert mr.data_test == ["bad\rly made"]
    assert mr.target_names == ["0", "1"]

    write(root / "corpus" / "mr.txt.gz", b"only one line\r\n")
    with pytest.raises(DataIntegrityError, match="1 documents but its meta file lists 2"):
        load_text_corpus("mr", data_home=tmp_path, download_if_missing=False)


# --------------------------------------------------------------------------- #
# Real data: the verified counts of shared/data/README.md
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def ml_100k():
    return _load_real(load_movielens, "100k")


@pytest.fixture(scope="module")
def ml_latest_small():
    return _load_real(load_movielens, "latest-small")


@pytest.fixture(scope="module")
def imdb():
    return _load_real(load_imdb)


@pytest.mark.realdata
def test_real_ml_100k_ratings(ml_100k):
    ratings = ml_100k.ratings
    assert ratings.shape == (100_000, 4)
    assert ratings["user_id"].nunique() == 943
    assert ratings["item_id"].nunique() == 1682
    assert ratings["rating"].mean() == pytest.approx(3.52986, abs=1e-5)
    assert ratings["rating"].value_counts().sort_index().tolist() == [
        6110,
        11370,
        27145,
        34174,
        21201,
    ]


@pytest.mark.realdata
def test_real_ml_100k_features(ml_100k):
    assert ml_100k.item_features.shape == (1682, 19)
    assert len(ml_100k.item_feature_names) == 19
    np.testing.assert_array_equal(ml_100k.item_ids, np.arange(1, 1683))
    assert len(ml_100k.item_titles) == 1682
    assert ml_100k.item_titles[542] == "Misérables, Les (1995)"
    assert ml_100k.user_features.shape[0] == 943
    np.testing.assert_array_equal(ml_100k.user_ids, np.arange(1, 944))
    assert ml_100k.user_features.shape[1] == len(ml_100k.user_feature_names) == 7 + 2 + 21
    # One age group, one gender and one occupation per user.
    np.testing.assert_array_equal(ml_100k.user_features.sum(axis=1).A1, 3)
    assert "MovieLens 100K" in ml_100k.DESCR


@pytest.mark.realdata
def test_real_ml_100k_folds(ml_100k):
    n = len(ml_100k.ratings)
    train, test = ml_100k.folds["u1"]
    assert (len(train), len(test)) == (80_000, 20_000)
    assert np.intersect1d(train, test).size == 0
    for name in ("ua", "ub"):
        train, test = ml_100k.folds[name]
        assert (len(train), len(test)) == (90_570, 9_430)
        assert np.intersect1d(train, test).size == 0
        # Exactly ten held-out ratings per user.
        assert (ml_100k.ratings["user_id"].iloc[test].value_counts() == 10).all()
    tests = np.concatenate([ml_100k.folds[f"u{k}"][1] for k in range(1, 6)])
    np.testing.assert_array_equal(np.sort(tests), np.arange(n))
    for k in range(2, 6):
        train, test = ml_100k.folds[f"u{k}"]
        assert np.union1d(train, test).size == n

    # The indices point at the rows of the official files.
    columns = ["user_id", "item_id", "rating", "timestamp"]
    official = pd.read_csv(Path(REAL_DATA_HOME) / "ml-100k" / "u1.test", sep="\t", names=columns)
    selected = ml_100k.ratings.iloc[ml_100k.folds["u1"][1]]
    key = ["user_id", "item_id"]
    pd.testing.assert_frame_equal(
        selected.sort_values(key, ignore_index=True),
        official.sort_values(key, ignore_index=True),
        check_dtype=False,
    )


@pytest.mark.realdata
def test_real_ml_latest_small(ml_latest_small):
    ratings = ml_latest_small.ratings
    assert ratings.shape == (100_836, 4)
    assert ratings["user_id"].nunique() == 610
    assert ratings["item_id"].nunique() == 9_724
    assert ratings["rating"].mean() == pytest.approx(3.501557, abs=1e-6)
    assert ml_latest_small.user_features is None
    assert len(ml_latest_small.user_ids) == 610
    assert ml_latest_small.item_features.shape[0] == len(ml_latest_small.item_ids) == 9_742
    assert len(ml_latest_small.item_titles) == 9_742
    assert np.isin(ratings["item_id"], ml_latest_small.item_ids).all()
    assert ml_latest_small.item_features.sum(axis=1).min() >= 1
    assert ml_latest_small.folds == {}


@pytest.mark.realdata
@pytest.mark.parametrize(
    "name, n_train, n_test, n_classes",
    [
        ("R8", 5_485, 2_189, 8),
        ("R52", 6_532, 2_568, 52),
        ("mr", 7_108, 3_554, 2),
        ("ohsumed", 3_357, 4_043, 23),
        ("20ng", 11_314, 7_532, 20),
    ],
)
def test_real_text_corpus(name, n_train, n_test, n_classes):
    corpus = _load_real(load_text_corpus, name)
    assert (len(corpus.data_train), len(corpus.data_test)) == (n_train, n_test)
    assert (len(corpus.target_train), len(corpus.target_test)) == (n_train, n_test)
    assert len(corpus.target_names) == n_classes
    assert corpus.target_names == sorted(set(corpus.target_train) | set(corpus.target_test))
    assert all(isinstance(doc, str) and "\n" not in doc for doc in corpus.data_train)
    assert not any(doc.endswith("\r") for doc in corpus.data_test)
    assert name in corpus.DESCR


@pytest.mark.realdata
@pytest.mark.parametrize("name, n_train, n_test", [("R8", 5_485, 2_189), ("mr", 7_108, 3_554)])
def test_real_clean_text_corpus(name, n_train, n_test):
    corpus = _load_real(load_text_corpus, name, clean=True)
    assert (len(corpus.data_train), len(corpus.data_test)) == (n_train, n_test)


@pytest.mark.realdata
def test_real_imdb(imdb):
    assert (len(imdb.data_train), len(imdb.data_test)) == (25_000, 25_000)
    for target in (imdb.target_train, imdb.target_test):
        assert np.bincount(target).tolist() == [12_500, 12_500]
        # Negative reviews first, then positive.
        np.testing.assert_array_equal(target, np.repeat([0, 1], 12_500))
    assert imdb.target_names == ["neg", "pos"]
    assert any("<br />" in text for text in imdb.data_train[:100])


@pytest.mark.realdata
@pytest.mark.parametrize("name, clean", [("R8", False), ("R8", True), ("mr", False), ("mr", True)])
def test_real_textgcn_files_pass_download_checks(monkeypatch, tmp_path, name, clean):
    """The real files pass the download path's checksums and counts unpatched."""
    reference = _load_real(load_text_corpus, name, clean=clean)
    corpus_name = f"{name}.clean" if clean else name
    source = Path(REAL_DATA_HOME) / "textgcn"
    files = {}
    for remote, local in (
        (f"{name}.txt", f"{name}.txt.gz"),
        (f"corpus/{corpus_name}.txt", f"corpus/{corpus_name}.txt.gz"),
    ):
        raw = tmp_path / remote.replace("/", "_")
        raw.write_bytes(gzip.open(source / local).read())
        files[f"{datasets._TEXTGCN_URL}/{remote}"] = raw
    calls = _serve(monkeypatch, files)
    corpus = load_text_corpus(name, clean=clean, data_home=tmp_path / "home")
    assert sorted(calls) == sorted(files)
    assert corpus.data_train == reference.data_train
    assert corpus.data_test == reference.data_test
    np.testing.assert_array_equal(corpus.target_train, reference.target_train)


# -- synthetic data --------------------------------------------------------------------------


def test_make_keyword_documents_puts_the_deciding_keyword_in_the_given_sentence():
    from skaquarium.datasets import make_keyword_documents

    docs, labels, key = make_keyword_documents(50, random_state=0)
    assert len(docs) == len(labels) == len(key) == 50
    assert set(labels) == {"good", "bad"}
    for doc, label, k in zip(docs, labels, key):
        sentences = [s.lower().split() for s in doc.rstrip(".").split(". ")]
        assert 3 <= len(sentences) <= 6
        keyword = "alpha" if label == "good" else "omega"
        holders = [i for i, s in enumerate(sentences) if {"alpha", "omega"} & set(s)]
        assert holders == [k] and keyword in sentences[k]
    again = make_keyword_documents(50, random_state=0)
    assert again[0] == docs and (again[2] == key).all()
    assert make_keyword_documents(50, random_state=1)[0] != docs


@pytest.mark.parametrize("n", [0, -1, 2.5, True, "3"])
def test_make_keyword_documents_rejects_a_bad_count(n):
    from skaquarium.datasets import make_keyword_documents

    with pytest.raises(ValueError, match="n_documents"):
        make_keyword_documents(n)


# -- the synthetic rating generator --------------------------------------------------------------


def test_make_ratings_is_seeded_distinct_and_long_tailed():
    X, y = datasets.make_ratings(300, 200, 6000, random_state=0)
    X2, y2 = datasets.make_ratings(300, 200, 6000, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(datasets.make_ratings(300, 200, 6000, random_state=1)[0], X)
    assert X.shape == (6000, 2) and X.dtype == np.int64 and y.shape == (6000,)
    assert X[:, 0].max() < 300 and X[:, 1].max() < 200 and X.min() >= 0
    assert len(np.unique(X[:, 0] * 200 + X[:, 1])) == 6000  # distinct pairs
    assert set(np.unique(y)) <= {1.0, 2.0, 3.0, 4.0, 5.0} and 3.0 < y.mean() < 4.0
    # Power-law popularity: the top 10% of items hold far more than 10% of the ratings; with
    # popularity_exponent=0 the items are about equally popular.
    share = np.sort(np.bincount(X[:, 1], minlength=200))[-20:].sum() / len(y)
    flat_X, _ = datasets.make_ratings(300, 200, 6000, popularity_exponent=0, random_state=0)
    flat = np.sort(np.bincount(flat_X[:, 1], minlength=200))[-20:].sum() / len(y)
    assert share > 0.3 and flat < 0.15


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_users=0), "n_users must be an integer >= 1"),
        (dict(n_ratings=2.5), "n_ratings must be an integer >= 1"),
        (dict(n_users=10, n_items=10, n_ratings=60), "more than half"),
    ],
)
def test_make_ratings_rejects_impossible_requests(kwargs, message):
    with pytest.raises(ValueError, match=message):
        datasets.make_ratings(**kwargs)


def _fake_ml_1m_zip(path):
    """A tiny archive with the layout and formats of ml-1m.zip ('::'-separated, Latin-1)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "ml-1m/ratings.dat",
            "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n",
        )
        zf.writestr("ml-1m/users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n")
        zf.writestr(
            "ml-1m/movies.dat",
            "661::James and the Giant Peach (1996)::Animation|Children's|Musical\n"
            "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n"
            "5::Misérables, Les (1995)::Drama\n".encode("latin-1"),
        )
    return path


def test_fake_ml_1m_download(monkeypatch, tmp_path):
    archive = _fake_ml_1m_zip(tmp_path / "ml-1m.zip")
    url = "https://files.grouplens.org/datasets/movielens/ml-1m.zip"
    calls = _serve(monkeypatch, {url: archive})
    with pytest.raises(datasets.DataIntegrityError, match="expected 1000209"):
        load_movielens("1m", data_home=tmp_path / "home")
    assert calls == [url]
    monkeypatch.setattr(datasets, "_ML_1M_COUNTS", (3, 2, 2))  # the fake archive's counts
    ml = load_movielens("1m", data_home=tmp_path / "home")
    assert calls == [url]  # the files were kept; no second download
    assert ml.ratings["rating"].tolist() == [5.0, 3.0, 4.0]
    assert ml.ratings["timestamp"].tolist() == [978300760, 978302109, 978298413]
    np.testing.assert_array_equal(ml.item_ids, [5, 661, 1193])
    assert ml.item_titles[0] == "Misérables, Les (1995)"
    assert list(ml.item_feature_names) == [
        "genre=Animation",
        "genre=Children's",
        "genre=Drama",
        "genre=Musical",
    ]
    names = list(ml.user_feature_names)
    row = dict(zip(names, ml.user_features.toarray()[0]))
    assert row["age=<18"] == row["gender=F"] == row["occupation=K-12 student"] == 1.0
    assert ml.user_features.toarray()[1][names.index("occupation=self-employed")] == 1.0


def test_partial_ml_1m_copy_is_read_with_a_warning(monkeypatch, tmp_path):
    folder = tmp_path / "ml-1m"
    folder.mkdir()
    (folder / "ratings_user_itemindex_rating.csv.gz").write_bytes(
        gzip.compress(b"user_id,item_index,rating\n1,1,5\n2,1,4\n1,2,3\n")
    )
    (folder / "users.dat").write_text("1::F::1::10::48067\n2::M::56::16::70072\n")
    monkeypatch.setattr(datasets, "_ML_1M_COUNTS", (3, 2, 2))
    with pytest.warns(UserWarning, match="partial copy of MovieLens 1M.*no timestamps"):
        ml = load_movielens("1m", data_home=tmp_path, download_if_missing=False)
    assert ml.ratings.shape == (3, 4) and (ml.ratings["timestamp"] == -1).all()
    assert ml.item_features is None and ml.item_titles is None
    np.testing.assert_array_equal(ml.item_ids, [1, 2])


@pytest.mark.realdata
def test_real_ml_1m_counts():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the shared copy is the partial one
        ml = load_movielens("1m", download_if_missing=False)
    assert len(ml.ratings) == 1_000_209 and ml.user_features.shape == (6040, 30)
    assert abs(ml.ratings["rating"].mean() - 3.581564) < 1e-6
