//! Model collapse: the standard sweep end to end (what `engram collapse` runs), the per-fit cost
//! of the core scalar shortcut, the host's batched shortcut and the literal chain, and the cost of
//! one N(0, 1) draw by each of the core's two methods (the sweep draws ~10⁴ per chain at d = 100).
//!
//! `cargo bench -p engram-benches --bench collapse` — after criterion's groups it prints a summary
//! (issue 12): the standard sweep on all cores (best and median of 7, the library call that
//! `engram collapse --preset standard` makes), then `benches/numpy/collapse_sweep.py` on one BLAS
//! thread right after it (best of 3), and the ratio of the best times beside the ≥ 60× target.

use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use engram::collapse::{BatchedScratch, Collapse, Preset, shortcut_batched};
use engram::experiment::{Experiment, RunOptions, run};
use engram::signals::Stop;
use engram_core::collapse::{
    ChainConfig, Mode, run_chain, run_shortcut, scratch_len, shortcut_scratch_len,
};
use engram_core::rng::{Normal, Rng};

fn standard_sweep(c: &mut Criterion) {
    let mut g = c.benchmark_group("collapse/standard_sweep");
    g.sample_size(10);
    // 27 points × 100 repeats × 50 iterations × 2 modes.
    g.throughput(Throughput::Elements(270_000));
    let root = std::env::temp_dir().join(format!("engram-bench-{}", std::process::id()));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut k = 0u64;
    g.bench_function(format!("end_to_end_{threads}_threads"), |b| {
        b.iter(|| {
            k += 1;
            standard_sweep_once(&root.join(k.to_string()), threads);
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(root);
}

/// One `--preset standard` run into `out` (removed afterwards), its checks asserted.
fn standard_sweep_once(out: &std::path::Path, threads: usize) {
    let exp = Collapse::new(Preset::Standard.config()).unwrap();
    let outcome = run(&exp, &RunOptions::new(out, threads), &Stop::new()).unwrap();
    assert_eq!(outcome.summary.failed, 0);
    let _ = std::fs::remove_dir_all(out);
}

/// One chain of 50 iterations in both modes = 100 fits.
fn per_fit(c: &mut Criterion) {
    let mut g = c.benchmark_group("collapse/chain_50x2_fits");
    for (d, t) in [(4usize, 40usize), (10, 100), (100, 1000)] {
        g.throughput(Throughput::Elements(100));
        let mut scratch = vec![0.0f64; shortcut_scratch_len(d)];
        let (mut rep, mut acc) = (vec![0.0; 50], vec![0.0; 50]);
        let mut seed = 0u64;
        g.bench_function(
            BenchmarkId::new("core_shortcut_scalar", format!("d{d}_T{t}")),
            |b| {
                b.iter(|| {
                    seed += 1;
                    run_shortcut(
                        d,
                        t,
                        1.0,
                        &mut Rng::seed_from_u64(seed),
                        &mut scratch,
                        &mut rep,
                        &mut acc,
                    )
                    .unwrap();
                })
            },
        );
        let mut ws = BatchedScratch::default();
        g.bench_function(
            BenchmarkId::new("host_shortcut_batched", format!("d{d}_T{t}")),
            |b| {
                b.iter(|| {
                    seed += 1;
                    shortcut_batched(
                        d,
                        t,
                        1.0,
                        &mut Rng::seed_from_u64(seed),
                        &mut ws,
                        &mut rep,
                        &mut acc,
                    )
                    .unwrap();
                })
            },
        );
    }
    g.finish();
    let mut g = c.benchmark_group("collapse/literal_chain_10_fits");
    g.sample_size(20);
    for (d, t) in [(10usize, 100usize), (100, 1000)] {
        g.throughput(Throughput::Elements(10));
        let cfg = ChainConfig::new(d, t, 1.0f64, 10, Mode::Accumulate);
        let mut scratch = vec![0.0; scratch_len(&cfg)];
        let mut errors = vec![0.0; 10];
        let mut seed = 0u64;
        g.bench_function(
            BenchmarkId::new("core_literal", format!("d{d}_T{t}")),
            |b| {
                b.iter(|| {
                    seed += 1;
                    run_chain(
                        &cfg,
                        &mut Rng::seed_from_u64(seed),
                        &mut scratch,
                        &mut errors,
                    )
                    .unwrap();
                })
            },
        );
    }
    g.finish();
}

/// 10 000 f64 draws by Box–Muller (stream v1) and by the ziggurat (stream v2, the collapse family's).
fn normals(c: &mut Criterion) {
    let mut g = c.benchmark_group("rng/normal_f64_10k");
    g.throughput(Throughput::Elements(10_000));
    let mut z = vec![0.0f64; 10_000];
    for method in [Normal::BoxMuller, Normal::Ziggurat] {
        let mut rng = Rng::seed_from_u64(1);
        g.bench_function(method.name(), |b| {
            b.iter(|| {
                rng.fill_normal_with(method, &mut z);
                std::hint::black_box(&z);
            })
        });
    }
    g.finish();
}

/// The ratio, measured side by side: the standard sweep here, then NumPy's right after.
fn summary() {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let root = std::env::temp_dir().join(format!("engram-bench-summary-{}", std::process::id()));
    let mut times: Vec<f64> = (0..7)
        .map(|k| {
            let t = Instant::now();
            standard_sweep_once(&root.join(k.to_string()), threads);
            t.elapsed().as_secs_f64()
        })
        .collect();
    let _ = std::fs::remove_dir_all(root);
    times.sort_by(f64::total_cmp);
    println!("\nsummary on {}:", engram_benches::machine());
    println!(
        "standard collapse sweep (270 000 fits), {threads} threads: best {:.0} ms, median {:.0} ms",
        times[0] * 1e3,
        times[3] * 1e3
    );
    match engram_benches::numpy_baseline("collapse_sweep.py", 1) {
        Ok(b) => {
            println!(
                "NumPy, 1 thread: best {:.2} s, median {:.2} s",
                b.best, b.median
            );
            println!(
                "{}",
                engram_benches::verdict("speed-up (best / best)", b.best / times[0], 60.0, "×")
            );
        }
        Err(e) => println!("{e}"),
    }
}

criterion_group!(benches, standard_sweep, per_fit, normals);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
    if engram_benches::benchmarking() {
        summary();
    }
}
