"""The in-process floor for the vector benchmark: the same vectors in a faiss HNSW index (no
transport, no server), searched one query at a time on one thread.

  python bench/floor.py <vectors.f32> <queries.f32> <dim> <k> <ef> [exact-ids.json]

Reads raw little-endian float32 rows, prints one JSON object: build seconds, p50/p95 ms per query,
recall@k against exact inner-product search (vectors are unit length: cosine), and the ids.
Runs in the project's Milvus venv (scripts/milvus.sh installs faiss-cpu there).
"""
import json
import sys
import time

import faiss
import numpy as np


def main() -> None:
    vec_file, query_file, dim, k, ef = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    faiss.omp_set_num_threads(1)
    xb = np.fromfile(vec_file, dtype="<f4").reshape(-1, dim)
    xq = np.fromfile(query_file, dtype="<f4").reshape(-1, dim)
    t = time.perf_counter()
    index = faiss.IndexHNSWFlat(dim, 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 100
    index.add(xb)
    build_s = time.perf_counter() - t
    index.hnsw.efSearch = ef
    exact = faiss.IndexFlatIP(dim)
    exact.add(xb)
    _, truth = exact.search(xq, k)
    lat, ids = [], []
    for i in range(len(xq)):
        t = time.perf_counter()
        _, found = index.search(xq[i : i + 1], k)
        lat.append((time.perf_counter() - t) * 1000)
        ids.append(found[0].tolist())
    lat.sort()
    recall = float(np.mean([len(set(ids[i]) & set(truth[i].tolist())) / k for i in range(len(xq))]))
    print(json.dumps({
        "engine": f"faiss {faiss.__version__} IndexHNSWFlat M16 efConstruction100 efSearch{ef}, 1 thread",
        "n": int(xb.shape[0]),
        "buildSeconds": round(build_s, 2),
        "p50Ms": round(lat[len(lat) // 2], 4),
        "p95Ms": round(lat[int(len(lat) * 0.95)], 4),
        "recallAt10": round(recall, 4),
        "exactIds": truth.tolist(),
    }))


if __name__ == "__main__":
    main()
