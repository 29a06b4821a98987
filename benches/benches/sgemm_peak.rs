//! The machine's f32 GEMM (sgemm) peak through faer, on 1 and 2 threads: the denominator of the
//! training benches' "% of peak" (issue 9, "Performance"; the PyTorch baseline
//! `benches/torch/train_step.py` measures NumPy's and torch's in its own run).
//!
//! `cargo bench -p engram-benches --bench sgemm_peak` (run it in the same `cargo bench` as the
//! training bench, e.g. `--bench sgemm_peak --bench <train bench>`, so both see the same machine
//! state).
//!
//! C = A·B with A, B, C row-major n × n f32, `Accum::Replace`, 2n³ FLOP per product; criterion's
//! throughput is in elements = FLOP, so its `Gelem/s` reads as GFLOP/s. n ∈ {1024, 2048}; the
//! 1-thread case is `Par::Seq`, the 2-thread case `Par::rayon(2)` inside a 2-thread rayon pool.
//! The shapes of a training step (BT × Ng by Ng × Np, BT = 4000) are measured too, since faer's
//! blocking may reach a different fraction of the peak on thin products.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use faer::{Accum, MatMut, MatRef, Par};

fn filled(n: usize, seed: u32) -> Vec<f32> {
    // A cheap deterministic fill in [−1, 1): the values do not affect the time of a GEMM.
    let mut s = seed.wrapping_mul(2_654_435_761).max(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32) * 2.0 - 1.0
        })
        .collect()
}

fn gemm(c: &mut [f32], a: &[f32], b: &[f32], (m, k, n): (usize, usize, usize), par: Par) {
    faer::linalg::matmul::matmul(
        MatMut::from_row_major_slice_mut(c, m, n),
        Accum::Replace,
        MatRef::from_row_major_slice(a, m, k),
        MatRef::from_row_major_slice(b, k, n),
        1.0f32,
        par,
    );
}

fn bench_sgemm(c: &mut Criterion) {
    let mut g = c.benchmark_group("sgemm_peak/faer_f32");
    g.sample_size(10);
    g.measurement_time(std::time::Duration::from_secs(5));
    let shapes: [(&str, (usize, usize, usize)); 4] = [
        ("1024^3", (1024, 1024, 1024)),
        ("2048^3", (2048, 2048, 2048)),
        // A training step's readout (BT × Ng · Ng × Np) at Ng 256 and its recurrent-gradient
        // shape (Ng × BT · BT × Ng).
        ("4000x256x512", (4000, 256, 512)),
        ("256x4000x256", (256, 4000, 256)),
    ];
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a rayon pool");
        let par = if threads == 1 {
            Par::Seq
        } else {
            Par::rayon(threads)
        };
        for (name, (m, k, n)) in shapes {
            let (a, b) = (filled(m * k, 1), filled(k * n, 2));
            let mut out = vec![0.0f32; m * n];
            g.throughput(Throughput::Elements((2 * m * k * n) as u64));
            g.bench_with_input(
                BenchmarkId::new(format!("{threads}thr"), name),
                &threads,
                |bch, _| pool.install(|| bch.iter(|| gemm(&mut out, &a, &b, (m, k, n), par))),
            );
        }
    }
    g.finish();
}

criterion_group!(benches, bench_sgemm);
criterion_main!(benches);
