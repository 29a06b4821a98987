//! Where a result came from: enough to re-run it and to compare runs across machines.

use engram_core::rng::Normal;
use serde::{Deserialize, Serialize};

/// Provenance recorded in every results directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// `engram` crate version.
    pub engram_version: String,
    /// Git commit the binary was built from (`+dirty` with uncommitted changes), if known.
    pub git_hash: Option<String>,
    /// The command line.
    pub command: Vec<String>,
    /// Host target triple.
    pub host_triple: String,
    /// Host name.
    pub hostname: Option<String>,
    /// CPU model (from /proc/cpuinfo on Linux).
    pub cpu: Option<String>,
    /// Logical cores available.
    pub cores: usize,
    /// Worker threads used.
    pub threads: usize,
    /// Kernel path taken and the CPU's SIMD features.
    pub simd: String,
    /// The random-stream version and its Gaussian method (`v2: … ziggurat-256`;
    /// docs/rng.md#stream-versions). Empty in summaries written before streams were versioned.
    #[serde(default)]
    pub rng_stream: String,
    /// Start time, UTC, RFC 3339.
    pub started_utc: String,
}

impl Provenance {
    /// Collects provenance for a run on `threads` threads whose kernels are described by `path` and
    /// whose normal draws are made by `normal`.
    pub fn collect(threads: usize, path: &str, normal: Normal) -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        });
        let hostname = std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        Self {
            engram_version: env!("CARGO_PKG_VERSION").to_owned(),
            git_hash: option_env!("ENGRAM_GIT_HASH")
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            command: std::env::args().collect(),
            host_triple: env!("ENGRAM_HOST_TRIPLE").to_owned(),
            hostname,
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            threads,
            simd: format!("{path}; cpu features: {}", cpu_features()),
            rng_stream: rng_stream(normal),
            started_utc: crate::report::utc_now(),
        }
    }
}

/// The stream version line of provenance: `v1: xoshiro256++ keyed streams, N(0,1) by box-muller`.
pub fn rng_stream(normal: Normal) -> String {
    format!(
        "v{}: xoshiro256++ keyed streams, N(0,1) by {}",
        normal.stream_version(),
        normal.name()
    )
}

/// The SIMD features this CPU offers (x86_64), comma-separated.
pub fn cpu_features() -> String {
    #[cfg(target_arch = "x86_64")]
    {
        let mut f = Vec::new();
        if std::arch::is_x86_feature_detected!("avx2") {
            f.push("avx2");
        }
        if std::arch::is_x86_feature_detected!("fma") {
            f.push("fma");
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            f.push("avx512f");
        }
        if f.is_empty() {
            "sse2".to_owned()
        } else {
            f.join(",")
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::env::consts::ARCH.to_owned()
    }
}
