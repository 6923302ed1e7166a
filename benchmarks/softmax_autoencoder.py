"""Benchmark of SoftmaxAutoEncoderTransformer on 20 Newsgroups, with peers in the same run.

* Clustering: all 18,846 documents, CountVectorizer(max_features=20000, stop_words="english",
  min_df=5, max_df=0.5) -> codes -> L2 normalisation -> KMeans(20); homogeneity, completeness and
  v-measure, mean over seeds. Peers: TruncatedSVD(100) on TF-IDF (LSA), NMF(20) on TF-IDF and
  LatentDirichletAllocation(20) on counts, each followed by the same KMeans.
* Retrieval: test documents as queries against train documents; precision of the top 100 by Hamming
  distance of packed binary codes (a hit shares the query's newsgroup), at 32 and 64 bits. Peers:
  random-projection LSH on TF-IDF (same bits, same search) and exact TF-IDF cosine. The Hamming
  search is timed against scikit-learn's brute-force NearestNeighbors(metric="hamming").
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
#: The transformer's settings in every part of the benchmark (n_components set per part).
#: Retrieval: binary codes of 32 and 64 bits.
SAE = dict(hidden_layer_sizes=(256,), activation="binary", input_scaling="tfidf", batch_size=256)
#: Clustering: 64 tanh codes (L2-normalised before KMeans). Batches of 512 halve the number of
#: optimizer steps (each updates the 20,000-word input and output layers) at a doubled learning
#: rate: 5 epochs take about half the time of 6 epochs of 256, at a similar v-measure.
SAE_CLUSTER = dict(SAE, activation="tanh", input_scaling="log", batch_size=512, learning_rate=4e-3)
CLUSTER_COMPONENTS = 64
CLUSTER_EPOCHS = 5
EPOCHS = 8
K = 100


def _sae(n_components, seed, epochs, params):
    return SoftmaxAutoEncoderTransformer(
        n_components=n_components, epochs=epochs, random_state=seed, **params
    )


def _timed(fn):
    start = time.perf_counter()
    out = fn()
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
        "SoftmaxAutoEncoderTransformer": lambda s: _sae(
            CLUSTER_COMPONENTS, s, cluster_epochs, SAE_CLUSTER
        ).fit(counts),
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


def retrieval(epochs, seed=0):
    train = fetch_20newsgroups(subset="train", download_if_missing=False)
    test = fetch_20newsgroups(subset="test", download_if_missing=False)
    vectorizer = CountVectorizer(**VECTORIZER)
    c_train, c_test = vectorizer.fit_transform(train.data), vectorizer.transform(test.data)
    tfidf = TfidfTransformer().fit(c_train)
    t_train, t_test = tfidf.transform(c_train), tfidf.transform(c_test)
    y_train, y_test = train.target, test.target
    out = {"n_queries": c_test.shape[0], "n_database": c_train.shape[0], "bits": {}}
    for bits in (32, 64):
        model, fit_s = _timed(lambda bits=bits: _sae(bits, seed, epochs, SAE).fit(c_train))
        db, q = model.pack_codes(c_train), model.pack_codes(c_test)
        times = []
        for _ in range(3):
            (_, idx), search_s = _timed(lambda q=q, db=db: hamming_search(q, db, n_neighbors=K))
            times.append(search_s)
        sae_p = _precision(idx, y_train, y_test)
        # Peer: random-projection LSH (sign of Gaussian projections of L2-normalised TF-IDF).
        rng = np.random.RandomState(seed)
        planes = rng.normal(size=(t_train.shape[1], bits)).astype(np.float32)
        lsh_db = np.packbits(np.asarray(t_train @ planes) > 0, axis=1)
        lsh_q = np.packbits(np.asarray(t_test @ planes) > 0, axis=1)
        _, lsh_idx = hamming_search(lsh_q, lsh_db, n_neighbors=K)
        # Speed peer: scikit-learn's brute-force Hamming neighbours on the unpacked bits.
        bits_db = np.unpackbits(db, axis=1)[:, :bits].astype(bool)
        bits_q = np.unpackbits(q, axis=1)[:, :bits].astype(bool)
        nn = NearestNeighbors(n_neighbors=K, metric="hamming", algorithm="brute").fit(bits_db)
        _, sk_s = _timed(lambda nn=nn, bits_q=bits_q: nn.kneighbors(bits_q))
        out["bits"][str(bits)] = {
            "sae_precision_at_100": sae_p,
            "lsh_precision_at_100": _precision(lsh_idx, y_train, y_test),
            "sae_fit_s": fit_s,
            "hamming_search_s_median": float(np.median(times)),
            "sklearn_bruteforce_hamming_s": sk_s,
            "search_speedup_vs_sklearn": sk_s / float(np.median(times)),
        }
        print(f"  {bits} bits: {out['bits'][str(bits)]}", flush=True)
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
        label = (
            f"SoftmaxAutoEncoderTransformer ({CLUSTER_COMPONENTS} tanh codes)"
            if "Softmax" in (name)
            else name
        )
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
        f"{res['retrieval']['n_database']} train documents, precision@{K}",
        "",
        "| bits | autoencoder (Hamming) | random-projection LSH on TF-IDF (Hamming) | "
        "Hamming search (s, median of 3) | search speed-up vs scikit-learn brute force |",
        "|---|---|---|---|---|",
    ]
    for bits, row in res["retrieval"]["bits"].items():
        lines.append(
            f"| {bits} | {row['sae_precision_at_100']:.3f} | {row['lsh_precision_at_100']:.3f} | "
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
    epochs = 2 if args.quick else EPOCHS
    res = {
        "benchmark": "softmax_autoencoder",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "settings": {
            "vectorizer": VECTORIZER,
            "transformer_retrieval": SAE,
            "transformer_clustering": {**SAE_CLUSTER, "n_components": CLUSTER_COMPONENTS},
            "epochs": epochs,
            "clustering_epochs": 2 if args.quick else CLUSTER_EPOCHS,
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
        "clustering": lambda: clustering(seeds, 2 if args.quick else CLUSTER_EPOCHS),
        "retrieval": lambda: retrieval(epochs),
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
