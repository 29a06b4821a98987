"""NumPy reference for the collapse benchmark: the standard sweep with the sufficient-statistics
algorithm (fixed design: the OLS map (XᵀX)⁻¹Xᵀ computed once per chain; accumulate keeps the
running sum of the targets), one thread.

    OPENBLAS_NUM_THREADS=1 python3 benches/numpy/collapse_sweep.py [RUNS]

Runs the sweep RUNS times (default 3) and prints each wall time, then the best and the median
(`baseline_seconds best=… median=…`), and after the first run the mean test error at the last
iteration per d (a sanity check against c·n and c·π²/6). This is the baseline the README's speed-up is measured against.
"""
import sys
import time

import numpy as np


def chain(rng, d, t, sigma, iterations):
    x = rng.standard_normal((t, d))
    w_star = rng.standard_normal(d)
    # Fixed design: the OLS map P = (XᵀX)⁻¹Xᵀ is computed once per chain; accumulate keeps the
    # running sum of the targets (sufficient statistic), so every fit is one mat-vec.
    p = np.linalg.solve(x.T @ x, x.T)
    rep, acc = np.empty(iterations), np.empty(iterations)
    w_rep = w_star.copy()
    w_acc = w_star.copy()
    y_sum = np.zeros(t)
    for n in range(iterations):
        e = sigma * rng.standard_normal(t)
        w_rep = p @ (x @ w_rep + e)
        y_sum += x @ w_acc + e
        w_acc = p @ (y_sum / (n + 1))
        rep[n] = np.sum((w_rep - w_star) ** 2)
        acc[n] = np.sum((w_acc - w_star) ** 2)
    return rep, acc


def sweep(verbose):
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    fits = 0
    for d in (10, 50, 100):
        last = []
        for mult in range(2, 11):
            t = mult * d
            r = np.mean([chain(rng, d, t, 1.0, 50)[0][-1] for _ in range(100)])
            last.append((t, r, 50 * d / (t - d - 1)))
            fits += 100 * 50 * 2
        if verbose:
            print(f"d={d}: " + ", ".join(f"T={t} replace[50]={r:.3f} (theory {th:.3f})" for t, r, th in last))
    elapsed = time.perf_counter() - start
    print(f"numpy standard sweep: {fits} fits in {elapsed:.2f} s ({elapsed / fits * 1e6:.1f} us/fit)")
    return elapsed


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    times = sorted(sweep(i == 0) for i in range(runs))
    print(f"baseline_seconds best={times[0]:.6f} median={times[len(times) // 2]:.6f}")

if __name__ == "__main__":
    main()
