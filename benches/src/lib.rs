//! Shared helpers for the criterion benches.

use std::time::Instant;

/// The machine's sgemm peak through faer on `threads` threads, measured now (GFLOP/s): C = A·B
/// with row-major n × n `f32` matrices, n ∈ {1024, 2048}, `Accum::Replace`, 2n³ FLOP per product,
/// the best of 5 runs of each. Benches that report a share of the peak call it in the same run,
/// so both figures see the same machine state (see `sgemm_peak.rs` for the criterion version).
pub fn sgemm_peak(threads: usize) -> f64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool");
    let par = if threads == 1 {
        faer::Par::Seq
    } else {
        faer::Par::rayon(threads)
    };
    let mut peak = 0.0f64;
    for n in [1024usize, 2048] {
        let a = vec![0.5f32; n * n];
        let b = vec![0.25f32; n * n];
        let mut c = vec![0.0f32; n * n];
        for _ in 0..5 {
            let t0 = Instant::now();
            pool.install(|| {
                faer::linalg::matmul::matmul(
                    faer::MatMut::from_row_major_slice_mut(&mut c, n, n),
                    faer::Accum::Replace,
                    faer::MatRef::from_row_major_slice(&a, n, n),
                    faer::MatRef::from_row_major_slice(&b, n, n),
                    1.0f32,
                    par,
                )
            });
            peak = peak.max(2.0 * (n * n * n) as f64 / t0.elapsed().as_secs_f64() / 1e9);
        }
    }
    peak
}

/// A NumPy baseline's timing, parsed from the `baseline_seconds best=… median=…` line its script
/// prints last.
#[derive(Clone, Copy, Debug)]
pub struct Baseline {
    /// Fastest run, seconds.
    pub best: f64,
    /// Median run, seconds.
    pub median: f64,
}

/// Runs `python3 benches/numpy/<script>` with its BLAS limited to `threads` threads (the limit is
/// set in the environment before Python starts: `OPENBLAS_NUM_THREADS`, `OMP_NUM_THREADS`,
/// `MKL_NUM_THREADS`), echoes its output, and returns its timing. The error is one line saying why
/// the baseline is missing (no `python3`, no NumPy, or a script that printed no timing), so a bench
/// run on a machine without Python still prints its own figures.
pub fn numpy_baseline(script: &str, threads: usize) -> Result<Baseline, String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("numpy").join(script);
    let n = threads.to_string();
    let out = std::process::Command::new("python3")
        .arg(&path)
        .env("OPENBLAS_NUM_THREADS", &n)
        .env("OMP_NUM_THREADS", &n)
        .env("MKL_NUM_THREADS", &n)
        .output()
        .map_err(|e| format!("baseline {}: cannot run python3: {e}", path.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in stdout.lines() {
        println!("  [numpy] {line}");
    }
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("no output");
        return Err(format!(
            "baseline {} failed ({}): {last} (pip install numpy threadpoolctl)",
            path.display(),
            out.status
        ));
    }
    parse_baseline(&stdout)
        .ok_or_else(|| format!("baseline {}: no `baseline_seconds` line", path.display()))
}

/// Parses `baseline_seconds best=<s> median=<s>` (the last such line).
fn parse_baseline(stdout: &str) -> Option<Baseline> {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("baseline_seconds "))?;
    let field = |key: &str| -> Option<f64> {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))?
            .parse()
            .ok()
    };
    Some(Baseline {
        best: field("best")?,
        median: field("median")?,
    })
}

/// The machine, for the tables: the CPU model (`/proc/cpuinfo`), the logical CPUs this process may
/// use, and whether AVX-512F is present.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':').map(|x| x.1))
        .map_or("unknown CPU", str::trim)
        .to_string();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    #[cfg(target_arch = "x86_64")]
    let avx512 = std::arch::is_x86_feature_detected!("avx512f");
    #[cfg(not(target_arch = "x86_64"))]
    let avx512 = false;
    format!(
        "{model}, {cpus} logical CPUs{}",
        if avx512 { ", AVX-512F" } else { "" }
    )
}

/// One line comparing a measured ratio with its target: `ratio ≥ target → PASS`.
pub fn verdict(what: &str, ratio: f64, target: f64, unit: &str) -> String {
    format!(
        "{what}: {ratio:.1}{unit} (target ≥ {target}{unit}) {}",
        if ratio >= target { "PASS" } else { "FAIL" }
    )
}

/// True when the bench binary runs as a benchmark (`cargo bench` passes `--bench`; `cargo test`
/// runs each bench once without it): the summaries, which take tens of seconds, run only then.
pub fn benchmarking() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--list")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_last_timing_line() {
        let out = "d=10: ...\nbaseline_seconds best=1.5 median=2\nbaseline_seconds best=7.25 median=8.5\n";
        let b = parse_baseline(out).unwrap();
        assert_eq!((b.best, b.median), (7.25, 8.5));
        assert!(parse_baseline("numpy: 3 s\n").is_none());
        assert!(parse_baseline("baseline_seconds best=x median=1\n").is_none());
    }

    #[test]
    fn verdict_compares_with_the_target() {
        assert!(verdict("a", 61.0, 60.0, "×").ends_with("PASS"));
        assert!(verdict("a", 59.9, 60.0, "×").ends_with("FAIL"));
    }
}
