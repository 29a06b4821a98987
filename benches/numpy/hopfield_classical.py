"""NumPy reference for the classical Hopfield bench (benches/benches/hopfield.rs): N = 1024 units,
P = 100 patterns, 1000 cues, 5 synchronous steps in the dense f32 form (W = Ξᵀ Ξ with zero diagonal,
S ← sign(S W), a zero field keeps the unit), one BLAS thread.

    OPENBLAS_NUM_THREADS=1 python3 benches/numpy/hopfield_classical.py

Prints the median of 5 runs.
"""
import time

import numpy as np

N, P, CUES, STEPS = 1024, 100, 1000, 5


def run(w, s):
    for _ in range(STEPS):
        h = s @ w
        s = np.where(h > 0, np.float32(1), np.where(h < 0, np.float32(-1), s))
    return s


def main():
    rng = np.random.default_rng(2)
    xi = np.where(rng.random((P, N)) < 0.5, -1, 1).astype(np.float32)
    w = xi.T @ xi
    np.fill_diagonal(w, 0)
    s = xi[np.arange(CUES) % P].copy()
    for row in s:
        row[rng.choice(N, N // 5, replace=False)] *= -1
    try:
        from threadpoolctl import threadpool_info

        for p in threadpool_info():
            print(f"BLAS: {p.get('internal_api')} {p.get('version')} {p.get('architecture')} threads={p.get('num_threads')}")
    except ImportError:
        pass
    run(w, s)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        out = run(w, s)
        times.append(time.perf_counter() - t)
    t = sorted(times)[2]
    overlap = np.mean(np.sum(out * xi[np.arange(CUES) % P], axis=1)) / N
    print(f"numpy classical dense f32 N={N} P={P} cues={CUES} sync steps={STEPS}: {t * 1e3:.1f} ms (mean final overlap {overlap:.4f})")
    print(f"baseline_seconds best={min(times):.6f} median={sorted(times)[2]:.6f}")


if __name__ == "__main__":
    main()
