//! `engram rnn train`: one training step (data generation included) at Ng 128, 256, 1024, Np 512,
//! batch 200, T 20, f32, on 2 threads (`ENGRAM_BENCH_THREADS` to change). Throughput is in FLOP
//! (`TrainConfig::flops_per_step`: forward + backward GEMMs, 2 per multiply-add), so criterion's
//! "elements/s" reads as FLOP/s.
//!
//! `cargo bench -p engram-benches --bench rnn_train` — after criterion's groups it prints a summary
//! table: the sgemm peak measured in the same run and each Ng's GFLOP/s as a share of it.

use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use engram::rnn::train::step::{DataSource, Net};
use engram::rnn::train::{TrainConfig, par_here};

fn threads() -> usize {
    std::env::var("ENGRAM_BENCH_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2)
}

/// The `small` recipe at `ng` units: its configuration, data source and a fresh network (seed 0).
fn setup(ng: usize) -> (TrainConfig, DataSource, Net) {
    let cfg = TrainConfig {
        ng,
        ..TrainConfig::default()
    };
    let src = DataSource::new(&cfg, 0).unwrap();
    let net = Net::new(&cfg, 0);
    (cfg, src, net)
}

/// A training step: the next batch generated (trajectories + place-cell targets), forward, loss,
/// BPTT, Adam.
fn bench_train_step(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads())
        .build()
        .unwrap();
    let mut g = c.benchmark_group(format!("rnn_train/step_{}threads", threads()));
    g.sample_size(10);
    for ng in [128usize, 256, 1024] {
        let (cfg, src, mut net) = setup(ng);
        g.throughput(Throughput::Elements(cfg.flops_per_step() as u64));
        g.bench_with_input(BenchmarkId::new("ng", ng), &ng, |bch, _| {
            bch.iter(|| {
                pool.install(|| {
                    let step = net.step;
                    let batch = src.batch(step).unwrap();
                    net.train_step(&src, &batch, par_here()).unwrap()
                })
            })
        });
    }
    g.finish();
}

/// Data generation alone (trajectories + 4.1 M place-code exps at the `small` size).
fn bench_data(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads())
        .build()
        .unwrap();
    let cfg = TrainConfig::default();
    let src = DataSource::new(&cfg, 0).unwrap();
    let mut g = c.benchmark_group(format!("rnn_train/data_{}threads", threads()));
    g.sample_size(10);
    g.throughput(Throughput::Elements(
        (cfg.rows() + cfg.batch) as u64 * cfg.np as u64,
    ));
    let mut k = 0u64;
    g.bench_function("batch_200x20_np512", |bch| {
        bch.iter(|| {
            k += 1;
            pool.install(|| src.batch(k).unwrap().y.len())
        })
    });
    // The place code alone, into a reused buffer (4 200 rows × 512 cells, difference of softmaxes).
    let pos: Vec<f32> = (0..2 * (cfg.rows() + cfg.batch))
        .map(|i| ((i as f32 * 0.618_034).fract() - 0.5) * 2.2)
        .collect();
    let mut out = vec![0.0f32; (cfg.rows() + cfg.batch) * cfg.np];
    g.bench_function("place_code_4200x512", |bch| {
        bch.iter(|| pool.install(|| src.cells.encode_rows(&pos, &mut out)))
    });
    g.finish();
}

/// The summary the issue asks for, measured in this run after the criterion groups: the 2-thread
/// sgemm peak (faer, n = 1024 and 2048, best of 5) and, per Ng, the mean step time over 10 steps
/// with data generation, its GFLOP/s and its share of the peak.
fn summary() {
    let n_threads = threads();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n_threads)
        .build()
        .unwrap();
    let peak = engram_benches::sgemm_peak(n_threads);
    println!(
        "\nsummary ({n_threads} threads): sgemm peak {peak:.0} GFLOP/s (faer, best of n = 1024, 2048)"
    );
    println!("| Ng | ms per step (data included) | steps/s | GFLOP/s | % of peak |");
    println!("| --- | --- | --- | --- | --- |");
    for ng in [128usize, 256, 1024] {
        let (cfg, src, mut net) = setup(ng);
        let reps = 10;
        let dt = pool.install(|| {
            for _ in 0..2 {
                let batch = src.batch(net.step).unwrap();
                net.train_step(&src, &batch, par_here()).unwrap();
            }
            let t0 = Instant::now();
            for _ in 0..reps {
                let batch = src.batch(net.step).unwrap();
                net.train_step(&src, &batch, par_here()).unwrap();
            }
            t0.elapsed().as_secs_f64() / reps as f64
        });
        let gflops = cfg.flops_per_step() / dt / 1e9;
        println!(
            "| {ng} | {:.1} | {:.1} | {gflops:.0} | {:.0} % |",
            dt * 1e3,
            1.0 / dt,
            100.0 * gflops / peak
        );
    }
}

criterion_group!(benches, bench_train_step, bench_data);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if engram_benches::benchmarking() {
        summary();
    }
}
