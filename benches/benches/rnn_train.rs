//! `engram rnn train`: one training step (data generation included) at Ng 128, 256, 1024, Np 512,
//! batch 200, T 20, f32, on 2 threads (`ENGRAM_BENCH_THREADS` to change). Throughput is in FLOP
//! (`TrainConfig::flops_per_step`: forward + backward GEMMs, 2 per multiply-add), so criterion's
//! "elements/s" reads as FLOP/s.
//!
//! `cargo bench -p engram-benches --bench rnn_train`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use engram::rnn::train::step::{DataSource, Net};
use engram::rnn::train::{TrainConfig, par_here};

fn threads() -> usize {
    std::env::var("ENGRAM_BENCH_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2)
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
        let cfg = TrainConfig {
            ng,
            ..TrainConfig::default()
        };
        let src = DataSource::new(&cfg, 0).unwrap();
        let mut net = Net::new(&cfg, 0);
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

criterion_group!(benches, bench_train_step, bench_data);
criterion_main!(benches);
