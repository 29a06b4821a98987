"""NumPy reference for the batched modern Hopfield retrieval bench (benches/benches/hopfield.rs):
M = 4096 unit-norm patterns of d = 256, B = 1024 queries, 3 updates ξ ← Xᵀ softmax(β X ξ), f32,
two BLAS threads (the engram bench uses 2 threads too).

    OPENBLAS_NUM_THREADS=2 python3 benches/numpy/hopfield_modern.py

FLOP count as in the Rust bench: per step 2·B·M·d (logits) + 2·B·M·d (P X) = 4·B·M·d; exp and the
normalisation are not counted. Prints the median of 5 runs.
"""
import time

import numpy as np

M, D, B, STEPS, BETA = 4096, 256, 1024, 3, np.float32(16.0)


def run(x, q):
    for _ in range(STEPS):
        z = (q @ x.T) * BETA
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        q = z @ x
    return q


def main():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((M, D), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = x[np.arange(B) % M] + np.float32(0.03) * rng.standard_normal((B, D), dtype=np.float32)
    try:
        from threadpoolctl import threadpool_info

        for p in threadpool_info():
            print(f"BLAS: {p.get('internal_api')} {p.get('version')} {p.get('architecture')} threads={p.get('num_threads')}")
    except ImportError:
        pass
    run(x, q)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        run(x, q)
        times.append(time.perf_counter() - t)
    t = sorted(times)[2]
    flops = STEPS * 4 * B * M * D
    print(f"numpy modern f32 M={M} d={D} B={B} steps={STEPS}: {t * 1e3:.1f} ms, {flops / t / 1e9:.1f} GFLOP/s")
    print(f"baseline_seconds best={min(times):.6f} median={sorted(times)[2]:.6f}")


if __name__ == "__main__":
    main()
