"""scikit-learn / kneed reference for autoseg's benchmarks. Run by bench/*.ts through the venv
that bench/reference/setup.sh creates; reads matrices in the format of bench/matrixFile.ts.

  reference.py bench  <job.json>   ms per Lloyd iteration of KMeans at 1 and 2 threads
  reference.py parity <job.json>   KMeans(n_init=10) inertia, silhouette, CH, kneed elbows
  reference.py wide   <job.json>   seconds of KMeans(n_init) + silhouette_score per k (bench/wide.ts)

Both print one JSON document on stdout.
"""
import json
import sys
import time

import numpy as np
import sklearn
import kneed
from kneed import KneeLocator
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, silhouette_score
from threadpoolctl import threadpool_info, threadpool_limits


def read(base):
    with open(base + ".json") as f:
        h = json.load(f)
    assert h["format"] == "autoseg-matrix" and h["version"] == 1 and h["order"] == "row-major"
    dtype = {"float64": "<f8", "int32": "<i4"}[h["dtype"]]
    ext = {"float64": "f64", "int32": "i32"}[h["dtype"]]
    a = np.fromfile(base + "." + ext, dtype=dtype)
    return a.reshape(h["rows"], h["cols"]) if h["cols"] > 1 or h["dtype"] == "float64" else a


def fit_time(X, init, iters, threads):
    """Seconds of KMeans.fit with fixed initial centres, exactly `iters` Lloyd iterations."""
    with threadpool_limits(limits=threads):
        km = KMeans(n_clusters=init.shape[0], init=init, n_init=1, max_iter=iters, tol=0.0, algorithm="lloyd")
        t = time.perf_counter()
        km.fit(X)
        dt = time.perf_counter() - t
    if km.n_iter_ != iters:
        raise SystemExit(f"sklearn converged after {km.n_iter_} < {iters} iterations; use harder data")
    return dt


def bench(job):
    out = {"versions": versions(), "threadpools": threadpool_info(), "results": []}
    for case in job["cases"]:
        X = read(case["matrix"])
        init = read(case["init"])
        lo, hi = job["iterLow"], job["iterHigh"]
        for threads in job["threads"]:
            fit_time(X, init, lo, threads)  # warm-up
            best_lo = best_hi = float("inf")
            for _ in range(job["repeats"]):
                best_lo = min(best_lo, fit_time(X, init, lo, threads))
                best_hi = min(best_hi, fit_time(X, init, hi, threads))
            out["results"].append({"name": case["name"], "threads": threads, "msPerIter": (best_hi - best_lo) / (hi - lo) * 1000})
    return out


def parity(job):
    out = {"versions": versions(), "datasets": []}
    with threadpool_limits(limits=job.get("threads", 2)):
        for ds in job["datasets"]:
            X = read(ds["matrix"])
            res = {"name": ds["name"], "inertia": {}, "silhouette": {}, "calinskiHarabasz": {}, "kneed": {}}
            for k in ds["ks"]:
                km = KMeans(n_clusters=k, n_init=10, random_state=ds.get("seed", 0)).fit(X)
                res["inertia"][str(k)] = float(km.inertia_)
            for ev in ds["labelled"]:
                idx = read(ev["sample"])
                labels = read(ev["labels"])
                Xs = X[idx]
                res["silhouette"][str(ev["k"])] = float(silhouette_score(Xs, labels))
                res["calinskiHarabasz"][str(ev["k"])] = float(calinski_harabasz_score(Xs, labels))
            for name, curve in ds["curves"].items():
                kl = KneeLocator(curve["x"], curve["y"], curve="convex", direction="decreasing")
                res["kneed"][name] = None if kl.knee is None else int(kl.knee)
            out["datasets"].append(res)
    return out


def wide(job):
    """Per thread count: seconds to fit KMeans(k, n_init) and score silhouette_score for each k."""
    X = read(job["matrix"])
    out = {"versions": versions(), "threadpools": threadpool_info(), "results": []}
    for threads in job["threads"]:
        with threadpool_limits(limits=threads):
            fit = sil = 0.0
            scores = {}
            for k in job["ks"]:
                t = time.perf_counter()
                km = KMeans(n_clusters=k, n_init=job["nInit"], random_state=job["seed"]).fit(X)
                t1 = time.perf_counter()
                scores[str(k)] = float(silhouette_score(X, km.labels_))
                t2 = time.perf_counter()
                fit += t1 - t
                sil += t2 - t1
            out["results"].append({"threads": threads, "fitSeconds": fit, "silhouetteSeconds": sil, "silhouette": scores})
    return out


def versions():
    return {"python": sys.version.split()[0], "numpy": np.__version__, "sklearn": sklearn.__version__, "kneed": getattr(kneed, "__version__", "?")}


if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        job = json.load(f)
    print(json.dumps({"bench": bench, "parity": parity, "wide": wide}[mode](job)))
