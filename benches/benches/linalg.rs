//! Core reference linear-algebra kernels (scalar, sequential summation order).
//!
//! `cargo bench -p engram-benches --bench linalg`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use engram_core::linalg;
use engram_core::rng::Rng;

fn random(n: usize, seed: u64) -> Vec<f64> {
    let mut v = vec![0.0; n];
    Rng::seed_from_u64(seed).fill_normal(&mut v);
    v
}

fn bench_dot(c: &mut Criterion) {
    let mut g = c.benchmark_group("core/dot_f64");
    for n in [64usize, 1024, 16384] {
        let (a, b) = (random(n, 1), random(n, 2));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |bch, _| {
            bch.iter(|| linalg::dot(std::hint::black_box(&a), std::hint::black_box(&b)))
        });
    }
    g.finish();
}

fn bench_gram_cholesky(c: &mut Criterion) {
    let mut g = c.benchmark_group("core/gram_cholesky_solve_f64");
    for (rows, cols) in [(32usize, 8usize), (320, 32), (1000, 100)] {
        let x = random(rows * cols, 3);
        let y = random(rows, 4);
        let mut gm = vec![0.0; cols * cols];
        let mut w = vec![0.0; cols];
        g.throughput(Throughput::Elements((rows * cols * cols) as u64));
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{rows}x{cols}")),
            &rows,
            |bch, _| {
                bch.iter(|| {
                    linalg::gram(&x, rows, cols, &mut gm).unwrap();
                    linalg::cholesky(&mut gm, cols).unwrap();
                    linalg::matvec_t(&x, rows, cols, &y, &mut w).unwrap();
                    linalg::cholesky_solve(&gm, cols, &mut w).unwrap();
                    w[0]
                })
            },
        );
    }
    g.finish();
}

fn bench_matmul(c: &mut Criterion) {
    let mut g = c.benchmark_group("core/matmul_f32");
    for n in [16usize, 64, 128] {
        let a: Vec<f32> = random(n * n, 5).into_iter().map(|v| v as f32).collect();
        let b: Vec<f32> = random(n * n, 6).into_iter().map(|v| v as f32).collect();
        let mut out = vec![0.0f32; n * n];
        g.throughput(Throughput::Elements((2 * n * n * n) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |bch, _| {
            bch.iter(|| linalg::matmul(&a, n, n, &b, n, &mut out).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench_dot, bench_gram_cholesky, bench_matmul);
criterion_main!(benches);
