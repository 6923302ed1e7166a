"""Benchmark of SoftmaxAutoEncoderTransformer on 20 Newsgroups, with peers in the same run.

* Clustering: all 18,846 documents, CountVectorizer(max_features=20000, stop_words="english",
  min_df=5, max_df=0.5) -> codes -> L2 normalisation -> KMeans(20); homogeneity, completeness and
  v-measure, mean over seeds. The autoencoder runs with its defaults
  (``SoftmaxAutoEncoderTransformer()``). Peers: TruncatedSVD(100) on TF-IDF (LSA), NMF(20) on
  TF-IDF and LatentDirichletAllocation(20) on counts, each followed by the same KMeans.
* Retrieval: test documents as queries against train documents; precision of the top 100 by Hamming
  distance of packed binary codes (a hit shares the query's newsgroup), at 16, 32, 64 and 128 bits,
  mean over seeds. The autoencoder with ``activation="binary"``, which gives its ``"auto"``
  parameters the retrieval settings (its other parameters the defaults). Peers: random-projection LSH on TF-IDF, iterative
  quantization (ITQ, Gong & Lazebnik 2011) of LSA (TruncatedSVD of TF-IDF to as many dimensions as
  bits, centred, rotated to minimise the quantisation error, signs), both with the same search; and
  exact TF-IDF cosine (real-valued). The Hamming search is timed against scikit-learn's brute-force
  NearestNeighbors(metric="hamming").
* Fit time against the LDA peer's, in the same process.
* Memory: peak resident memory of a subprocess fitting on the full CountVectorizer() vocabulary.

Usage: ``python benchmarks/softmax_autoencoder.py [--quick]`` (``--quick``: one seed, fewer epochs,
for a smoke run; its figures are not the reported ones). Needs 20 Newsgroups in scikit-learn's
data home (``SCIKIT_LEARN_DATA``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.datasets import fetch_20newsgroups  # noqa: E402
from sklearn.decomposition import NMF, LatentDirichletAllocation, TruncatedSVD  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer  # noqa: E402
from sklearn.metrics import homogeneity_completeness_v_measure  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import machine, versions  # noqa: E402

from skaquarium.softmax_autoencoder import (  # noqa: E402
    SoftmaxAutoEncoderTransformer,
    hamming_search,
)

VECTORIZER = dict(max_features=20000, stop_words="english", min_df=5, max_df=0.5)
#: Retrieval: binary codes; the "auto" parameters then take the retrieval settings (TF-IDF-scaled
#: counts with half the words dropped from each input, each document trained to reconstruct its
#: words mixed with those of its 50 nearest training documents, batches of 256 at learning rate
#: 2e-3, chosen on held-out training documents); everything else the defaults.
SAE = dict(activation="binary")
#: Clustering: the defaults.
SAE_CLUSTER: dict = {}
BITS = (16, 32, 64, 128)
K = 100


def _sae(n_components, seed, epochs, params):
    """The transformer; ``epochs=None`` keeps its default."""
    if n_components is not None:
        params = dict(params, n_components=n_components)
    if epochs is not None:
        params = dict(params, epochs=epochs)
    return SoftmaxAutoEncoderTransformer(random_state=seed, **params)


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def _cluster_scores(codes, labels, seed):
    assigned = KMeans(20, n_init=10, random_state=seed).fit_predict(normalize(codes))
    h, c, v = homogeneity_completeness_v_measure(labels, assigned)
    return {"homogeneity": h, "completeness": c, "v_measure": v}


def clustering(seeds, cluster_epochs):
    news = fetch_20newsgroups(subset="all", download_if_missing=False)
    counts = CountVectorizer(**VECTORIZER).fit_transform(news.data)
    tfidf = TfidfTransformer().fit_transform(counts)
    labels = news.target
    methods = {
        "SoftmaxAutoEncoderTransformer": lambda s: _sae(None, s, cluster_epochs, SAE_CLUSTER).fit(
            counts
        ),
        "TruncatedSVD(100) on TF-IDF": lambda s: TruncatedSVD(100, random_state=s).fit(tfidf),
        "NMF(20) on TF-IDF": lambda s: NMF(20, init="nndsvda", random_state=s, max_iter=300).fit(
            tfidf
        ),
        "LDA(20) on counts": lambda s: LatentDirichletAllocation(20, random_state=s).fit(counts),
    }
    runs = {name: [] for name in methods}
    # Seeds outside, methods inside: the fits being compared run close together in time, so a
    # change in the machine's load (it is shared) affects all of them alike.
    for seed in seeds:
        for name, make in methods.items():
            model, fit_s = _timed(lambda make=make, seed=seed: make(seed))
            X = tfidf if "TF-IDF" in name else counts
            scores = _cluster_scores(model.transform(X), labels, seed)
            runs[name].append({"seed": seed, "fit_s": fit_s, **scores})
            print(f"  {name} seed {seed}: {scores} fit {fit_s:.1f}s", flush=True)
    rows = {}
    for name, method_runs in runs.items():
        rows[name] = {
            "runs": method_runs,
            **{
                key: float(np.mean([r[key] for r in method_runs]))
                for key in ("homogeneity", "completeness", "v_measure")
            },
            "fit_s_median": float(np.median([r["fit_s"] for r in method_runs])),
        }
    return {"n_documents": counts.shape[0], "n_words": counts.shape[1], "methods": rows}


def _precision(neighbours, train_labels, test_labels):
    return float((train_labels[neighbours] == test_labels[:, None]).mean())


def itq_codes(train, test, bits, seed, n_iter=50):
    """Iterative quantization of LSA (Gong & Lazebnik, 2011): packed codes of train and test."""
    svd = TruncatedSVD(bits, random_state=seed).fit(train)
    v_train, v_test = svd.transform(train), svd.transform(test)
    mean = v_train.mean(axis=0)
    v_train, v_test = v_train - mean, v_test - mean
    rotation = np.linalg.qr(np.random.RandomState(seed).normal(size=(bits, bits)))[0]
    for _ in range(n_iter):  # alternate the codes and the rotation (orthogonal Procrustes)
        codes = np.where(v_train @ rotation >= 0, 1.0, -1.0)
        u, _, vt = np.linalg.svd(codes.T @ v_train)
        rotation = (u @ vt).T
    return tuple(np.packbits(v @ rotation > 0, axis=1) for v in (v_train, v_test))


def retrieval(seeds, epochs, bits_list):
    train = fetch_20newsgroups(subset="train", download_if_missing=False)
    test = fetch_20newsgroups(subset="test", download_if_missing=False)
    vectorizer = CountVectorizer(**VECTORIZER)
    c_train, c_test = vectorizer.fit_transform(train.data), vectorizer.transform(test.data)
    tfidf = TfidfTransformer().fit(c_train)
    t_train, t_test = tfidf.transform(c_train), tfidf.transform(c_test)
    y_train, y_test = train.target, test.target
    out = {"n_queries": c_test.shape[0], "n_database": c_train.shape[0], "bits": {}}
    for bits in bits_list:
        runs = []
        for seed in seeds:
            model, fit_s = _timed(_sae(bits, seed, epochs, SAE).fit, c_train)
            codes = model.transform(c_train)
            db, q = model.pack_codes(c_train), model.pack_codes(c_test)
            _, idx = hamming_search(q, db, n_neighbors=K)
            # Peer: random-projection LSH (sign of Gaussian projections of the TF-IDF vectors).
            planes = np.random.RandomState(seed).normal(size=(t_train.shape[1], bits))
            lsh_db = np.packbits(np.asarray(t_train @ planes) > 0, axis=1)
            lsh_q = np.packbits(np.asarray(t_test @ planes) > 0, axis=1)
            _, lsh_idx = hamming_search(lsh_q, lsh_db, n_neighbors=K)
            (itq_db, itq_q), itq_s = _timed(itq_codes, t_train, t_test, bits, seed)
            _, itq_idx = hamming_search(itq_q, itq_db, n_neighbors=K)
            run = {
                "seed": seed,
                "sae_precision_at_100": _precision(idx, y_train, y_test),
                "lsh_precision_at_100": _precision(lsh_idx, y_train, y_test),
                "itq_lsa_precision_at_100": _precision(itq_idx, y_train, y_test),
                "sae_fit_s": fit_s,
                "sae_epochs": int(model.n_iter_),
                "itq_lsa_fit_s": itq_s,
                "sae_units_within_0.05_of_0_or_1": float(np.mean((codes < 0.05) | (codes > 0.95))),
                "sae_bit_balance": float(np.abs((codes > 0.5).mean(axis=0) - 0.5).mean()),
            }
            runs.append(run)
            print(f"  {bits} bits, seed {seed}: {run}", flush=True)
        row = {"runs": runs}
        for key in runs[0]:
            if key != "seed":
                row[key] = float(np.mean([r[key] for r in runs]))
        # Search speed on the last seed's codes: median of 3, against scikit-learn's brute force.
        times = [_timed(hamming_search, q, db, n_neighbors=K)[1] for _ in range(3)]
        bits_db = np.unpackbits(db, axis=1)[:, :bits].astype(bool)
        bits_q = np.unpackbits(q, axis=1)[:, :bits].astype(bool)
        nn = NearestNeighbors(n_neighbors=K, metric="hamming", algorithm="brute").fit(bits_db)
        _, sk_s = _timed(nn.kneighbors, bits_q)
        row["hamming_search_s_median"] = float(np.median(times))
        row["sklearn_bruteforce_hamming_s"] = sk_s
        row["search_speedup_vs_sklearn"] = sk_s / row["hamming_search_s_median"]
        out["bits"][str(bits)] = row
    # Peer: exact cosine on TF-IDF (real-valued), in chunks of queries.
    hits = []
    for start in range(0, t_test.shape[0], 1000):
        sim = (t_test[start : start + 1000] @ t_train.T).toarray()
        top = np.argpartition(-sim, K, axis=1)[:, :K]
        hits.append(y_train[top] == y_test[start : start + 1000, None])
    out["tfidf_cosine_precision_at_100"] = float(np.concatenate(hits).mean())
    print(f"  TF-IDF cosine: {out['tfidf_cosine_precision_at_100']:.4f}", flush=True)
    return out


_MEMORY_SCRIPT = """
import os, resource, sys, time, json
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, {root!r})
from sklearn.datasets import fetch_20newsgroups
from sklearn.feature_extraction.text import CountVectorizer
from skaquarium.softmax_autoencoder import SoftmaxAutoEncoderTransformer
def peak_mb():
    # VmHWM belongs to this process's memory map, fresh at exec; ru_maxrss on Linux can carry
    # the parent's peak over a fork and exec.
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
news = fetch_20newsgroups(subset="all", download_if_missing=False)
X = CountVectorizer().fit_transform(news.data)
before = peak_mb()
start = time.perf_counter()
model = SoftmaxAutoEncoderTransformer(n_components=32, epochs={epochs}, random_state=0, **{sae!r})
codes = model.fit(X).transform(X)
fit_s = time.perf_counter() - start
peak = peak_mb()
print(json.dumps({{"shape": list(X.shape), "dense_gb": X.shape[0] * X.shape[1] * 4 / 1e9,
                  "peak_rss_mb_before_fit": before, "peak_rss_mb": peak, "epochs": {epochs},
                  "fit_and_transform_s": fit_s, "codes_finite": bool((codes == codes).all())}}))
"""


def memory(epochs):
    script = _MEMORY_SCRIPT.format(root=str(ROOT), epochs=epochs, sae=SAE)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"memory subprocess failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {result}", flush=True)
    return result


def _call_args(params):
    """``params`` as Python keyword arguments, strings in double quotes."""
    return ", ".join(
        f'{k}="{v}"' if isinstance(v, str) else f"{k}={v!r}" for k, v in params.items()
    )


def _table(res):
    cl = res["clustering"]["methods"]
    sae = cl["SoftmaxAutoEncoderTransformer"]
    lda = cl["LDA(20) on counts"]
    n_seeds = len(sae["runs"])
    lines = [
        f"### Clustering: 20 Newsgroups, {res['clustering']['n_documents']} documents, "
        f"KMeans(20), mean of {n_seeds} seed(s)",
        "",
        "| method | homogeneity | completeness | v-measure | fit time (s, median) |",
        "|---|---|---|---|---|",
    ]
    for name, row in cl.items():
        label = "SoftmaxAutoEncoderTransformer() (defaults)" if "Softmax" in name else name
        lines.append(
            f"| {label} | {row['homogeneity']:.3f} | {row['completeness']:.3f} | "
            f"{row['v_measure']:.3f} | {row['fit_s_median']:.1f} |"
        )
    lines += [
        "",
        f"Fit time of the autoencoder / LDA peer (same run): "
        f"{sae['fit_s_median'] / lda['fit_s_median']:.2f}",
        "",
        f"### Retrieval: {res['retrieval']['n_queries']} test queries against "
        f"{res['retrieval']['n_database']} train documents, precision@{K}, mean of "
        f"{len(next(iter(res['retrieval']['bits'].values()))['runs'])} seed(s)",
        "",
        f"Autoencoder: `SoftmaxAutoEncoderTransformer(n_components=bits, {_call_args(SAE)})`, "
        "its other parameters the defaults.",
        "",
        "| bits | autoencoder (Hamming) | ITQ on LSA (Hamming) | random-projection LSH on TF-IDF "
        "(Hamming) | autoencoder epochs | code units within 0.05 of 0 or 1 | Hamming search (s, "
        "median of 3) | search speed-up vs scikit-learn brute force |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for bits, row in res["retrieval"]["bits"].items():
        lines.append(
            f"| {bits} | {row['sae_precision_at_100']:.3f} | {row['itq_lsa_precision_at_100']:.3f}"
            f" | {row['lsh_precision_at_100']:.3f} | {row['sae_epochs']:.0f} | "
            f"{row['sae_units_within_0.05_of_0_or_1']:.3f} | "
            f"{row['hamming_search_s_median']:.3f} | {row['search_speedup_vs_sklearn']:.1f}x |"
        )
    lines += [
        "",
        f"Exact TF-IDF cosine (real-valued): {res['retrieval']['tfidf_cosine_precision_at_100']:.3f}",
    ]
    if "memory" in res:
        m = res["memory"]
        lines += [
            "",
            f"### Memory: fit on the full CountVectorizer() vocabulary, {m['shape'][0]} x "
            f"{m['shape'][1]} ({m['dense_gb']:.1f} GB if dense), {m['epochs']} epoch(s)",
            "",
            f"Peak resident memory: {m['peak_rss_mb'] / 1024:.2f} GB "
            f"({m['peak_rss_mb_before_fit'] / 1024:.2f} GB before the fit).",
        ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, few epochs (smoke run)")
    parser.add_argument(
        "--parts",
        default="clustering,retrieval,memory",
        help="comma-separated parts to run; the others are kept from the existing results file",
    )
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    seeds = [0] if args.quick else [0, 1, 2]
    epochs = 2 if args.quick else None  # None: the transformer's default ("auto")
    res = {
        "benchmark": "softmax_autoencoder",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "settings": {
            "vectorizer": VECTORIZER,
            "transformer_retrieval": SAE,
            "transformer_clustering": SAE_CLUSTER,
            "defaults": SoftmaxAutoEncoderTransformer().get_params(),
            "epochs": epochs,
            "k": K,
        },
        "machine": {**machine(), "load_average_at_start": list(os.getloadavg())},
        "versions": versions(),
    }
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    suffix = "_quick" if args.quick else ""
    json_path = out / f"softmax_autoencoder{suffix}.json"
    if json_path.exists():
        previous = json.loads(json_path.read_text())
        for part in {"clustering", "retrieval", "memory"} - parts:
            if part in previous:
                res[part] = previous[part]
    runners = {
        "clustering": lambda: clustering(seeds, epochs),
        "retrieval": lambda: retrieval(seeds, epochs, (32,) if args.quick else BITS),
        "memory": lambda: memory(1),  # the peak comes in the first batches
    }
    for part in ("clustering", "retrieval", "memory"):
        if part in parts:
            print(part, flush=True)
            res[part] = runners[part]()
            res["machine"][f"load_average_after_{part}"] = list(os.getloadavg())
            json_path.write_text(json.dumps(res, indent=2) + "\n")  # keep finished parts
    table = _table(res)
    print(table)
    (out / f"softmax_autoencoder{suffix}.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
