//! The shared runner: points in parallel, a checkpoint after every point, stop and resume,
//! shards and merge, outputs and provenance — for every [`Experiment`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, anyhow, bail};
use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::config::{self, first_difference};
use super::dir::{ResultsDir, write_atomic};
use super::summary::{self, Outcome, Summary};
use super::{Experiment, estimate};
use crate::provenance::Provenance;
use crate::signals::Stop;

/// `--shard i/n`: this run does points i, i + n, i + 2n, … of the canonical order.
///
/// ```
/// use engram::experiment::Shard;
/// let s: Shard = "1/3".parse().unwrap();
/// assert!(s.owns(4) && !s.owns(3));
/// assert!("3/3".parse::<Shard>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard (0-based).
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// Whether point `i` belongs to this shard.
    pub fn owns(&self, i: usize) -> bool {
        i % self.count == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?} is not i/n (e.g. 0/4)"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("{i:?} is not a whole number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("{n:?} is not a whole number"))?;
        if count == 0 || index >= count {
            return Err(format!("needs 0 <= i < n, got {index}/{count}"));
        }
        Ok(Shard { index, count })
    }
}

/// How a run is executed (nothing here changes its data files).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Results directory.
    pub out: PathBuf,
    /// Worker threads.
    pub threads: usize,
    /// Run only this shard's points.
    pub shard: Option<Shard>,
    /// Continue an earlier run in `out`.
    pub resume: bool,
    /// Show progress bars.
    pub progress: bool,
    /// Run even if the estimate exceeds this machine's memory, disk or a week.
    pub yes: bool,
}

impl RunOptions {
    /// Options for `out` with `threads` threads, no shard, no resume, no progress bar.
    pub fn new(out: impl Into<PathBuf>, threads: usize) -> Self {
        RunOptions {
            out: out.into(),
            threads,
            shard: None,
            resume: false,
            progress: false,
            yes: false,
        }
    }
}

/// A finished point: its index in the canonical order, the point and its output.
pub struct Done<'a, E: Experiment> {
    /// Position in [`Experiment::points`].
    pub index: usize,
    /// The point.
    pub point: &'a E::Point,
    /// What it measured.
    pub output: &'a E::Output,
}

/// What a running point may use: the stop flag, the progress bar, trials in parallel, and a place
/// to save its own state (a long point, e.g. a training run, saves periodically and when asked to
/// stop, and restores on resume).
pub struct PointCtx<'a> {
    stop: &'a Stop,
    abort: &'a AtomicBool,
    bar: &'a ProgressBar,
    state: Option<PathBuf>,
}

impl<'a> PointCtx<'a> {
    /// A context outside the runner (tests, benches): nothing saved, no progress shown.
    pub fn detached(stop: &'a Stop, abort: &'a AtomicBool, bar: &'a ProgressBar) -> Self {
        PointCtx {
            stop,
            abort,
            bar,
            state: None,
        }
    }

    /// Whether the point should stop now (a signal, or another point failed).
    pub fn stopped(&self) -> bool {
        self.stop.requested() || self.abort.load(Ordering::Relaxed)
    }

    /// Reports `n` units of progress.
    pub fn tick(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Runs `f(0..n)` in parallel on the run's pool and returns the results in index order (so
    /// reductions over them do not depend on the thread count), or `Ok(None)` if the run was asked
    /// to stop before all finished. Each finished item ticks the progress bar once.
    pub fn par_map<R: Send>(
        &self,
        n: usize,
        f: impl Fn(usize) -> anyhow::Result<R> + Sync,
    ) -> anyhow::Result<Option<Vec<R>>> {
        let out: Vec<Option<R>> = (0..n)
            .into_par_iter()
            .map(|i| {
                if self.stopped() {
                    return Ok(None);
                }
                let r = f(i)?;
                self.tick(1);
                Ok(Some(r))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(out.into_iter().collect())
    }

    /// The state this point saved before it was stopped, if any.
    pub fn load_state(&self) -> anyhow::Result<Option<Vec<u8>>> {
        match &self.state {
            Some(p) if p.exists() => Ok(Some(
                std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
            )),
            _ => Ok(None),
        }
    }

    /// Saves this point's state (atomically: a kill while saving leaves the previous state).
    pub fn save_state(&self, bytes: &[u8]) -> anyhow::Result<()> {
        let Some(p) = &self.state else {
            return Ok(());
        };
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        write_atomic(p, bytes)
    }
}

fn build_pool(threads: usize) -> anyhow::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| anyhow!("threads: cannot start {threads} worker threads: {e}"))
}

fn collect_done<'a, E: Experiment>(
    points: &'a [E::Point],
    outputs: &'a BTreeMap<usize, E::Output>,
) -> Vec<Done<'a, E>> {
    outputs
        .iter()
        .filter_map(|(&index, output)| {
            points.get(index).map(|point| Done {
                index,
                point,
                output,
            })
        })
        .collect()
}

/// Writes the outputs, checks, summary and report of `outputs` into `dir`.
fn finish<E: Experiment>(
    exp: &E,
    dir: &ResultsDir,
    points: &[E::Point],
    outputs: &BTreeMap<usize, E::Output>,
    mut summary: Summary,
    started: std::time::Instant,
) -> anyhow::Result<Outcome> {
    dir.rewrite_points(outputs)?;
    let done = collect_done::<E>(points, outputs);
    summary.files = exp.write_outputs(dir, &done)?;
    summary.files.data.push("config.toml".to_owned());
    summary.points_done = done.len();
    summary.finished_utc = crate::report::utc_now();
    summary.wall_seconds = started.elapsed().as_secs_f64();
    let summary = summary.with_checks(exp.checks(&done));
    summary::write(dir, &summary)?;
    Ok(Outcome {
        dir: dir.path().to_path_buf(),
        summary,
    })
}

fn new_summary<E: Experiment>(
    exp: &E,
    threads: usize,
    shard: Option<Shard>,
    total: usize,
) -> anyhow::Result<Summary> {
    Ok(Summary {
        experiment: E::NAME.to_owned(),
        title: E::TITLE.to_owned(),
        intro: exp.intro(),
        config: serde_json::to_value(exp.config())?,
        shard,
        points_total: total,
        points_done: 0,
        interrupted: false,
        provenance: Provenance::collect(threads, &exp.kernels(), E::NORMAL),
        finished_utc: String::new(),
        wall_seconds: 0.0,
        checks: Vec::new(),
        passed: 0,
        failed: 0,
        files: super::Files::default(),
        merged_from: Vec::new(),
    })
}

/// Runs an experiment (or one shard of it) into `opts.out`.
///
/// Before anything is created the estimate is checked against this machine (unless `opts.yes`)
/// and the configuration against TOML. Points run in parallel on `opts.threads` threads; each is
/// appended to the checkpoint as it finishes. When `stop` is raised, points under way stop (or
/// save their state), every finished point is written, and the summary says `interrupted`;
/// `opts.resume` continues, giving data files identical to an uninterrupted run's.
pub fn run<E: Experiment>(exp: &E, opts: &RunOptions, stop: &Stop) -> anyhow::Result<Outcome> {
    let started = std::time::Instant::now();
    let config_text = config::to_toml(exp.config())?;
    if !opts.yes {
        estimate::check(&exp.estimate()?, &opts.out)?;
    }
    let dir = ResultsDir::open(&opts.out, E::NAME, opts.resume)?;
    let mut outputs: BTreeMap<usize, E::Output> = BTreeMap::new();
    if opts.resume {
        if let Some(saved) = super::dir::saved_config_path(dir.path()) {
            let saved: E::Config = config::read_config(&saved)?;
            if let Some((k, a, b)) = first_difference(exp.config(), &saved) {
                bail!(
                    "--resume: {k} is {a} here but {b} in {}/config.toml: resume with the same \
                     configuration (or just --resume --out DIR)",
                    dir.path().display()
                );
            }
        }
        outputs = dir.read_points()?;
    }
    dir.write("config.toml", config_text.as_bytes())?;
    let points = exp.points();
    let owned: Vec<usize> = (0..points.len())
        .filter(|&i| opts.shard.is_none_or(|s| s.owns(i)))
        .collect();
    if let Some((&bad, _)) = outputs.iter().find(|(i, _)| !owned.contains(i)) {
        bail!(
            "--resume: the checkpoint in {} holds point {bad}, which is not part of this run \
             (a different --shard?)",
            dir.path().display()
        );
    }
    let todo: Vec<usize> = owned
        .iter()
        .copied()
        .filter(|i| !outputs.contains_key(i))
        .collect();
    let summary = new_summary(exp, opts.threads, opts.shard, owned.len())?;

    let total_work: u64 = todo
        .iter()
        .filter_map(|&i| points.get(i))
        .map(|p| exp.work(p))
        .sum();
    let bar = crate::report::progress_bar(opts.progress, total_work, E::UNIT);
    let pool = build_pool(opts.threads)?;
    let abort = AtomicBool::new(false);
    let new: Mutex<BTreeMap<usize, E::Output>> = Mutex::new(BTreeMap::new());
    let first_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    pool.install(|| {
        todo.par_iter().for_each(|&i| {
            if stop.requested() || abort.load(Ordering::Relaxed) {
                return;
            }
            let Some(point) = points.get(i) else { return };
            let ctx = PointCtx {
                stop,
                abort: &abort,
                bar: &bar,
                state: Some(dir.state_path(i)),
            };
            let r = exp
                .run_point(point, &ctx)
                .with_context(|| format!("{} {}", E::NAME, exp.label(point)))
                .and_then(|o| match o {
                    Some(out) => {
                        dir.append_point(i, &out)?;
                        if let Ok(mut n) = new.lock() {
                            n.insert(i, out);
                        }
                        let _ = std::fs::remove_file(dir.state_path(i));
                        Ok(())
                    }
                    None => Ok(()),
                });
            if let Err(e) = r {
                abort.store(true, Ordering::Relaxed);
                if let Ok(mut fe) = first_error.lock() {
                    fe.get_or_insert(e);
                }
            }
        });
    });
    bar.finish_and_clear();
    outputs.extend(
        new.into_inner()
            .map_err(|_| anyhow!("internal: lock poisoned"))?,
    );
    let mut summary = summary;
    summary.interrupted = outputs.len() < owned.len();
    let outcome = finish(exp, &dir, &points, &outputs, summary, started)?;
    if let Some(e) = first_error
        .into_inner()
        .map_err(|_| anyhow!("internal: lock poisoned"))?
    {
        return Err(e.context(format!(
            "finished points are kept in {}",
            dir.path().display()
        )));
    }
    Ok(outcome)
}

/// Combines shard directories of one run into `out`: data files identical to an unsharded run's,
/// checks, plots and a summary naming the shards. Fails, naming the shard, on differing
/// configurations, overlapping shards or missing points.
pub fn merge<E: Experiment>(dirs: &[PathBuf], out: &Path) -> anyhow::Result<Outcome> {
    let started = std::time::Instant::now();
    let Some(first) = dirs.first() else {
        bail!("merge needs at least one shard directory");
    };
    let read_cfg = |d: &Path| -> anyhow::Result<E::Config> {
        if ResultsDir::inspect(d, E::NAME)? != super::dir::Found::EarlierRun {
            bail!(
                "{}: not an engram {} results directory",
                d.display(),
                E::NAME
            );
        }
        let p = super::dir::saved_config_path(d)
            .ok_or_else(|| anyhow!("{}: has no config.toml", d.display()))?;
        config::read_config(&p)
    };
    let cfg = read_cfg(first)?;
    let mut outputs: BTreeMap<usize, E::Output> = BTreeMap::new();
    let mut from: BTreeMap<usize, PathBuf> = BTreeMap::new();
    for d in dirs {
        let c = read_cfg(d)?;
        if let Some((k, a, b)) = first_difference(&c, &cfg) {
            bail!(
                "{}: {k} is {a} there but {b} in {}: shards of different runs",
                d.display(),
                first.display()
            );
        }
        for (i, o) in super::dir::read_points::<E::Output>(d)? {
            if let Some(other) = from.get(&i) {
                bail!(
                    "{}: point {i} is also in {} (overlapping shards)",
                    d.display(),
                    other.display()
                );
            }
            from.insert(i, d.clone());
            outputs.insert(i, o);
        }
    }
    let exp = E::new(cfg)?;
    let points = exp.points();
    let missing: Vec<String> = (0..points.len())
        .filter(|i| !outputs.contains_key(i))
        .filter_map(|i| points.get(i).map(|p| exp.label(p)))
        .collect();
    if !missing.is_empty() {
        bail!(
            "{} point(s) missing from the shards (a shard not run, or interrupted: finish it with \
             --resume): {}",
            missing.len(),
            missing
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let dir = ResultsDir::open(out, E::NAME, false)?;
    dir.write("config.toml", config::to_toml(exp.config())?.as_bytes())?;
    let mut summary = new_summary(&exp, 1, None, points.len())?;
    summary.provenance.simd = "merge of shard outputs".to_owned();
    summary.merged_from = dirs.iter().map(|d| d.display().to_string()).collect();
    finish(&exp, &dir, &points, &outputs, summary, started)
}
