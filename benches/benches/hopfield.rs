//! Hopfield host fast paths against the core reference and NumPy.
//!
//! `cargo bench -p engram-benches --bench hopfield` — after criterion's groups it prints a summary
//! (issue 12): the sgemm peak measured in the same run with the modern retrieval's share of it, on
//! 2 and 1 threads (each peak measured right before its retrieval), and the classical workload's
//! default host path on 1 thread, to compare with `benches/numpy/hopfield_classical.py` run right
//! after the bench.
//!
//! - `hopfield/modern_f32`: batched modern retrieval, M = 4096 patterns of d = 256, B = 1024
//!   queries, 3 steps on 2 threads: 3 · 4·B·M·d = 12.9 GFLOP; throughput in elements = FLOP, so
//!   criterion's `Gelem/s` is GFLOP/s. Reference: `benches/numpy/hopfield_modern.py`.
//! - `hopfield/classical_sync`: N = 1024, P = 100, 1000 cues, 5 synchronous steps. The host's
//!   default path (`sync_steps`: bit-packed states, integer full fields, incremental fields after
//!   the second step) on 1 and 2 threads — `host_packed_1_thread` is the figure — and the
//!   host dense form as an `f32` GEMM (1 thread). Printed before the groups: the same with full
//!   fields every step, and the core's pattern and dense forms (`sync_step` per cue). The tables
//!   (pattern bytes, couplings C = ΞᵀΞ) are built once per pattern set, like NumPy's W, outside the
//!   timing; their build time is printed. Reference: `benches/numpy/hopfield_classical.py`.

use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group};
use engram::hopfield::binary::{BitPatterns, to_u64};
use engram::hopfield::retrieval::{Batched, RowInfo};
use engram::hopfield::sync::{Fields, sync_steps, sync_steps_with};
use engram_benches::sgemm_peak;
use engram_core::hopfield::{
    BinaryMemory, DenseForm, PatternForm, fill_random, flip_exactly, hebbian_packed,
    normalize_rows, sync_step, words_for,
};
use engram_core::rng::Rng;
use faer::{Accum, MatMut, MatRef, Par};

const M: usize = 4096;
const D: usize = 256;
const B: usize = 1024;
const STEPS: usize = 3;

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

fn modern_setup() -> (Vec<f32>, Vec<f32>) {
    let mut rng = Rng::seed_from_u64(1);
    let mut x = vec![0.0f32; M * D];
    rng.fill_normal(&mut x);
    normalize_rows(&mut x, M, D).expect("normalize");
    let mut q = vec![0.0f32; B * D];
    rng.fill_normal(&mut q);
    for (i, row) in q.chunks_exact_mut(D).enumerate() {
        for (v, &t) in row.iter_mut().zip(&x[(i % M) * D..]) {
            *v = t + 0.03 * *v;
        }
    }
    (x, q)
}

fn modern_run(net: &Batched<'_, f32>, q: &[f32], a: &mut Vec<f32>, info: &mut [RowInfo]) {
    a.copy_from_slice(q);
    let mut b = vec![0.0f32; q.len()];
    for _ in 0..STEPS {
        net.step(a, &mut b, info).expect("step");
        std::mem::swap(a, &mut b);
    }
}

fn bench_modern(c: &mut Criterion) {
    let (x, q) = modern_setup();
    let net = Batched::modern(&x, M, D, 16.0).expect("net");
    let flops = (STEPS * 4 * B * M * D) as u64;
    let p2 = pool(2);
    let mut a = vec![0.0f32; q.len()];
    let mut info = vec![RowInfo::default(); B];
    // A plain timing first, printed as GFLOP/s (median of 5).
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            p2.install(|| modern_run(&net, &q, &mut a, &mut info));
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "hopfield modern f32 M={M} d={D} B={B} steps={STEPS} on 2 threads: {:.1} ms, {:.1} GFLOP/s",
        times[2] * 1e3,
        flops as f64 / times[2] / 1e9
    );
    let mut g = c.benchmark_group("hopfield/modern_f32");
    g.sample_size(10);
    g.throughput(Throughput::Elements(flops));
    g.bench_function("host_batched_2_threads", |bch| {
        bch.iter(|| p2.install(|| modern_run(&net, &q, &mut a, &mut info)))
    });
    g.finish();
}

const N: usize = 1024;
const P: usize = 100;
const CUES: usize = 1000;
const SYNC: usize = 5;

struct Classical {
    xi: Vec<u32>,
    cues: Vec<Vec<u32>>,
    w: Vec<i32>,
    wf: Vec<f32>,
}

fn classical_setup() -> Classical {
    let mut rng = Rng::seed_from_u64(2);
    let wd = words_for(N);
    let mut xi = vec![0u32; P * wd];
    for row in xi.chunks_exact_mut(wd) {
        fill_random(row, N, &mut rng).expect("fill");
    }
    let cues = (0..CUES)
        .map(|c| {
            let mut s = xi[(c % P) * wd..(c % P + 1) * wd].to_vec();
            flip_exactly(&mut s, N, N / 5, &mut rng).expect("flip");
            s
        })
        .collect();
    let mut w = vec![0i32; N * N];
    hebbian_packed(&xi, P, N, &mut w).expect("hebbian");
    let wf = w.iter().map(|&v| v as f32).collect();
    Classical { xi, cues, w, wf }
}

/// The dense form as one batched `f32` GEMM per step (S W, exact: integers below 2²⁴), 1 thread.
fn dense_gemm(wf: &[f32], s: &mut [f32], h: &mut [f32]) {
    for _ in 0..SYNC {
        faer::linalg::matmul::matmul(
            MatMut::from_row_major_slice_mut(h, CUES, N),
            Accum::Replace,
            MatRef::from_row_major_slice(s, CUES, N),
            MatRef::from_row_major_slice(wf, N, N),
            1.0f32,
            Par::Seq,
        );
        for (sv, &hv) in s.iter_mut().zip(h.iter()) {
            if hv > 0.0 {
                *sv = 1.0;
            } else if hv < 0.0 {
                *sv = -1.0;
            }
        }
    }
}

fn bench_classical(c: &mut Criterion) {
    let cl = classical_setup();
    let host = BitPatterns::from_u32(&cl.xi, P, N).expect("patterns");
    let states0: Vec<u64> = cl
        .cues
        .iter()
        .flat_map(|s| to_u64(s, N).expect("pack"))
        .collect();
    let core = PatternForm::new(&cl.xi, P, N).expect("core");
    let dense = DenseForm::new(&cl.w, N).expect("dense");
    let signs0: Vec<f32> = cl
        .cues
        .iter()
        .flat_map(|s| {
            (0..N).map(move |i| {
                if (s[i / 32] >> (i % 32)) & 1 == 1 {
                    1.0
                } else {
                    -1.0
                }
            })
        })
        .collect();
    let (p1, p2) = (pool(1), pool(2));
    let t0 = Instant::now();
    host.sync_tables();
    let tables = t0.elapsed().as_secs_f64();
    let time = |f: &mut dyn FnMut()| {
        let mut t: Vec<f64> = (0..5)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed().as_secs_f64()
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[2]
    };
    let packed1 = time(&mut || {
        let mut st = states0.clone();
        p1.install(|| sync_steps(&host, &mut st, SYNC))
            .expect("sync");
    });
    let full1 = time(&mut || {
        let mut st = states0.clone();
        p1.install(|| sync_steps_with(&host, &mut st, SYNC, Fields::Full))
            .expect("sync");
    });
    let packed2 = time(&mut || {
        let mut st = states0.clone();
        p2.install(|| sync_steps(&host, &mut st, SYNC))
            .expect("sync");
    });
    let dense_f32 = time(&mut || {
        let mut s = signs0.clone();
        let mut h = vec![0.0f32; CUES * N];
        dense_gemm(&cl.wf, &mut s, &mut h);
    });
    let run_core = |mem: &dyn Fn(&mut [u32])| {
        for cue in &cl.cues {
            let mut s = cue.clone();
            mem(&mut s);
        }
    };
    let core_pattern = time(&mut || {
        run_core(&|s: &mut [u32]| {
            let mut m = vec![0i32; P];
            core.init_cache(s, &mut m).expect("init");
            for _ in 0..SYNC {
                sync_step(&core, s, &mut m, &mut [0u32; N / 32]).expect("step");
            }
        })
    });
    let core_dense = time(&mut || {
        run_core(&|s: &mut [u32]| {
            let mut h = vec![0i32; N];
            dense.init_cache(s, &mut h).expect("init");
            for _ in 0..SYNC {
                sync_step(&dense, s, &mut h, &mut [0u32; N / 32]).expect("step");
            }
        })
    });
    println!(
        "hopfield classical N={N} P={P} cues={CUES} sync steps={SYNC}:\n  \
         host default (incremental fields), 1 thread: {:.2} ms\n  \
         host default (incremental fields), 2 threads: {:.2} ms\n  \
         host full fields every step, 1 thread: {:.2} ms\n  \
         host tables (pattern bytes, couplings), built once: {:.2} ms\n  \
         host dense form (f32 GEMM, 1 thread): {:.2} ms  (packed 1 thread is {:.1}x faster)\n  \
         core dense form (sync_step): {:.1} ms  ({:.0}x)\n  \
         core pattern form (sync_step): {:.1} ms  ({:.0}x)",
        packed1 * 1e3,
        packed2 * 1e3,
        full1 * 1e3,
        tables * 1e3,
        dense_f32 * 1e3,
        dense_f32 / packed1,
        core_dense * 1e3,
        core_dense / packed1,
        core_pattern * 1e3,
        core_pattern / packed1,
    );
    let mut g = c.benchmark_group("hopfield/classical_sync");
    g.sample_size(10);
    g.throughput(Throughput::Elements((CUES * SYNC) as u64));
    g.bench_function("host_packed_1_thread", |bch| {
        bch.iter(|| {
            let mut st = states0.clone();
            p1.install(|| sync_steps(&host, &mut st, SYNC))
                .expect("sync");
            st[0]
        })
    });
    g.bench_function("host_packed_2_threads", |bch| {
        bch.iter(|| {
            let mut st = states0.clone();
            p2.install(|| sync_steps(&host, &mut st, SYNC))
                .expect("sync");
            st[0]
        })
    });
    g.bench_function("host_dense_f32_gemm_1_thread", |bch| {
        bch.iter(|| {
            let mut s = signs0.clone();
            let mut h = vec![0.0f32; CUES * N];
            dense_gemm(&cl.wf, &mut s, &mut h);
            s[0]
        })
    });
    g.finish();
}

/// The figures, measured after the criterion groups, side by side: for T = 2 threads (the
/// issue's figure) and 1, three rounds of the sgemm peak on T threads (faer, best of n = 1024,
/// 2048) followed by 5 modern retrievals on T threads; the peak and the retrieval are each the best
/// over the rounds (the same statistic for both, so a quiet moment favours neither), the median
/// retrieval is printed too; then NumPy's modern retrieval on 2 BLAS threads. Then the classical
/// workload's default host path on 1 thread (best and median of 11) and NumPy's dense form on 1
/// thread right after it.
fn summary() {
    let (x, q) = modern_setup();
    let net = Batched::modern(&x, M, D, 16.0).expect("net");
    let flops = (STEPS * 4 * B * M * D) as f64;
    let mut a = vec![0.0f32; q.len()];
    let mut info = vec![RowInfo::default(); B];
    println!(
        "\nsummary on {} (measured in this run; peak and retrieval alternate, best of each):",
        engram_benches::machine()
    );
    println!(
        "| modern retrieval M={M} d={D} B={B}, {STEPS} steps | best ms | median ms | GFLOP/s (best) \
         | sgemm peak GFLOP/s | share of peak |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    let mut share2 = None;
    for threads in [2usize, 1] {
        let p = pool(threads);
        p.install(|| modern_run(&net, &q, &mut a, &mut info));
        let (mut peak, mut times) = (0.0f64, Vec::new());
        for _ in 0..3 {
            peak = peak.max(sgemm_peak(threads));
            for _ in 0..5 {
                let t = Instant::now();
                p.install(|| modern_run(&net, &q, &mut a, &mut info));
                times.push(t.elapsed().as_secs_f64());
            }
        }
        times.sort_by(f64::total_cmp);
        let (best, med) = (times[0], times[times.len() / 2]);
        println!(
            "| {threads} thread{} | {:.1} | {:.1} | {:.0} | {peak:.0} | {:.0} % |",
            if threads == 1 { "" } else { "s" },
            best * 1e3,
            med * 1e3,
            flops / best / 1e9,
            100.0 * flops / best / 1e9 / peak
        );
        if threads == 2 {
            share2 = Some((best, 100.0 * flops / best / 1e9 / peak));
        }
    }
    if let Some((best, share)) = share2 {
        println!(
            "{}",
            engram_benches::verdict(
                "modern retrieval, 2 threads, share of the sgemm peak",
                share,
                80.0,
                " %"
            )
        );
        match engram_benches::numpy_baseline("hopfield_modern.py", 2) {
            Ok(b) => println!(
                "NumPy modern, 2 threads: best {:.1} ms, median {:.1} ms; engram is {:.2}× (best / best)",
                b.best * 1e3,
                b.median * 1e3,
                b.best / best
            ),
            Err(e) => println!("{e}"),
        }
    }
    let cl = classical_setup();
    let host = BitPatterns::from_u32(&cl.xi, P, N).expect("patterns");
    host.sync_tables();
    let states0: Vec<u64> = cl
        .cues
        .iter()
        .flat_map(|s| to_u64(s, N).expect("pack"))
        .collect();
    let p1 = pool(1);
    let mut times: Vec<f64> = (0..11)
        .map(|_| {
            let mut st = states0.clone();
            let t = Instant::now();
            p1.install(|| sync_steps(&host, &mut st, SYNC))
                .expect("sync");
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "classical N={N} P={P} cues={CUES} sync steps={SYNC}, default host path, 1 thread: best {:.2} ms, \
         median {:.2} ms",
        times[0] * 1e3,
        times[5] * 1e3
    );
    match engram_benches::numpy_baseline("hopfield_classical.py", 1) {
        Ok(b) => {
            println!(
                "NumPy dense f32, 1 thread: best {:.1} ms, median {:.1} ms",
                b.best * 1e3,
                b.median * 1e3
            );
            println!(
                "{}",
                engram_benches::verdict(
                    "classical, 1 thread, speed-up over NumPy's dense form (best / best)",
                    b.best / times[0],
                    20.0,
                    "×"
                )
            );
        }
        Err(e) => println!("{e}"),
    }
}

criterion_group!(benches, bench_modern, bench_classical);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if engram_benches::benchmarking() {
        summary();
    }
}
