//! What a run will cost, known before anything is allocated: peak memory, output size and time,
//! each computed with checked arithmetic ([`Size`]) and naming the flags it grows with. The runner
//! refuses a run that would not fit this machine's memory or disk, or would take more than a week,
//! unless `--yes` is given.

use std::path::Path;

use super::validate::Size;

/// A run's estimated cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Peak memory in bytes (all worker threads together).
    pub memory: Size,
    /// Bytes written into the results directory.
    pub output: Size,
    /// Wall time in seconds on this machine's threads (order of magnitude).
    pub seconds: f64,
    /// The flags the time grows with.
    pub time_fields: String,
}

impl Estimate {
    /// An estimate from its parts; `flops` of work at `rate` per second per thread.
    pub fn new(memory: Size, output: Size, flops: f64, rate: f64, time_fields: &str) -> Self {
        Estimate {
            memory,
            output,
            seconds: flops / rate,
            time_fields: time_fields.to_owned(),
        }
    }
}

/// One week, the longest run accepted without `--yes`.
pub const WEEK_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

/// Bytes of memory available now (Linux `MemAvailable`), if known.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Bytes free on the file system that holds `path` (or its nearest existing ancestor), if known.
pub fn available_disk(path: &Path) -> Option<u64> {
    let mut p = path;
    let existing = loop {
        if p.exists() {
            break p.to_path_buf();
        }
        match p.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => p = parent,
            _ => break std::path::PathBuf::from("."),
        }
    };
    let c = std::ffi::CString::new(existing.as_os_str().as_encoded_bytes()).ok()?;
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized, writable struct;
    // statvfs only writes into it.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    if rc != 0 {
        return None;
    }
    (st.f_bavail as u64).checked_mul(st.f_frsize as u64)
}

/// Bytes in a readable unit.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Seconds in a readable unit.
pub fn human_seconds(s: f64) -> String {
    if !s.is_finite() {
        "forever".to_owned()
    } else if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7200.0 {
        format!("{:.0} minutes", s / 60.0)
    } else if s < 3.0 * 86400.0 {
        format!("{:.1} hours", s / 3600.0)
    } else {
        format!("{:.0} days", s / 86400.0)
    }
}

/// Checks an estimate against this machine: `Err` with one line naming the flags to change.
pub fn check(e: &Estimate, out: &Path) -> anyhow::Result<()> {
    if let Some(avail) = available_memory()
        && e.memory.get() > avail
    {
        anyhow::bail!(
            "{}: the run needs about {} of memory, this machine has {} available: use smaller \
             values (or --yes to try anyway)",
            e.memory.fields(),
            human_bytes(e.memory.get()),
            human_bytes(avail)
        );
    }
    if let Some(free) = available_disk(out)
        && e.output.get() > free
    {
        anyhow::bail!(
            "{}: the run writes about {} into {}, which has {} free: use smaller values or \
             another --out (or --yes to try anyway)",
            e.output.fields(),
            human_bytes(e.output.get()),
            out.display(),
            human_bytes(free)
        );
    }
    if e.seconds.is_nan() || e.seconds > WEEK_SECONDS {
        anyhow::bail!(
            "{}: the run would take about {} here: use smaller values, shard it with --shard i/n \
             across machines, or pass --yes",
            e.time_fields,
            human_seconds(e.seconds)
        );
    }
    Ok(())
}
