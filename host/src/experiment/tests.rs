//! The runner with a toy experiment whose one point is long (like a training run): it saves its
//! state periodically and when asked to stop, and resumes from it to the same result.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::*;
use crate::signals::Stop;

/// Steps of the toy point; its state is (step, accumulator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
struct ToyConfig {
    /// Steps of the long point.
    #[arg(long, default_value_t = 1000)]
    steps: u64,
    /// Save the state every this many steps.
    #[arg(long, default_value_t = 100)]
    every: u64,
}

impl Default for ToyConfig {
    fn default() -> Self {
        defaults()
    }
}

impl ExperimentConfig for ToyConfig {}

struct Toy {
    cfg: ToyConfig,
    /// Stop the run after this many steps of this invocation (0: never).
    stop_after: u64,
    stop: &'static Stop,
    /// Steps actually computed by this invocation.
    computed: AtomicU64,
}

fn step(acc: u64, i: u64) -> u64 {
    acc.wrapping_mul(6364136223846793005).wrapping_add(i | 1)
}

impl Experiment for Toy {
    type Config = ToyConfig;
    type Point = usize;
    type Output = u64;
    const NAME: &'static str = "toy";
    const TITLE: &'static str = "a long point";
    const RESULTS: &'static str = "toy";

    fn new(cfg: ToyConfig) -> anyhow::Result<Self> {
        at_least("every", cfg.every as usize, 1)?;
        Ok(Toy {
            cfg,
            stop_after: 0,
            stop: Box::leak(Box::new(Stop::new())),
            computed: AtomicU64::new(0),
        })
    }
    fn config(&self) -> &ToyConfig {
        &self.cfg
    }
    fn intro(&self) -> String {
        "toy".into()
    }
    fn kernels(&self) -> String {
        "toy".into()
    }
    fn points(&self) -> Vec<usize> {
        vec![0, 1]
    }
    fn label(&self, p: &usize) -> String {
        format!("point {p}")
    }
    fn estimate(&self) -> Result<Estimate, ConfigError> {
        Ok(Estimate::new(
            Size::constant(1),
            Size::constant(1),
            1.0,
            1e9,
            "steps",
        ))
    }
    fn run_point(&self, p: &usize, ctx: &PointCtx<'_>) -> anyhow::Result<Option<u64>> {
        let (mut i, mut acc) = match ctx.load_state()? {
            Some(bytes) => serde_json::from_slice::<(u64, u64)>(&bytes)?,
            None => (0, *p as u64),
        };
        while i < self.cfg.steps {
            if ctx.stopped() {
                ctx.save_state(&serde_json::to_vec(&(i, acc))?)?;
                return Ok(None);
            }
            acc = step(acc, i);
            i += 1;
            let n = self.computed.fetch_add(1, Ordering::SeqCst) + 1;
            if i % self.cfg.every == 0 {
                ctx.save_state(&serde_json::to_vec(&(i, acc))?)?;
            }
            if n == self.stop_after {
                self.stop.request();
            }
        }
        Ok(Some(acc))
    }
    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check> {
        done.iter()
            .map(|d| Check::new(format!("point {}", d.index), Some(*d.output as f64)).at_least(0.0))
            .collect()
    }
    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        let rows: Vec<Vec<String>> = done
            .iter()
            .map(|d| vec![d.index.to_string(), d.output.to_string()])
            .collect();
        out.write_csv("toy.csv", &["point", "value"], &rows)?;
        Ok(Files {
            data: vec!["toy.csv".into()],
            plots: Vec::new(),
        })
    }
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("engram-toy-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn a_long_point_saves_its_state_on_stop_and_resumes_to_the_same_result() {
    let whole = tmp("whole");
    let toy = Toy::new(ToyConfig::default()).unwrap();
    let full = run(&toy, &RunOptions::new(&whole, 1), toy.stop).unwrap();
    assert!(!full.summary.interrupted);
    let expected = std::fs::read(whole.join("toy.csv")).unwrap();

    // Stop in the middle of the first point (one thread: points run one after the other).
    let part = tmp("part");
    let mut toy = Toy::new(ToyConfig::default()).unwrap();
    toy.stop_after = 450;
    let o = run(&toy, &RunOptions::new(&part, 1), toy.stop).unwrap();
    assert!(o.summary.interrupted);
    assert_eq!(o.summary.points_done, 0);
    assert!(
        part.join(".engram/state/point-0.bin").exists(),
        "state saved on stop"
    );

    // Resume: the point continues from step 450 (not from 0) and gives the same bits.
    let toy = Toy::new(ToyConfig::default()).unwrap();
    let mut opts = RunOptions::new(&part, 2);
    opts.resume = true;
    let o = run(&toy, &opts, toy.stop).unwrap();
    assert!(!o.summary.interrupted);
    assert_eq!(toy.computed.load(Ordering::SeqCst), 2 * 1000 - 450);
    assert_eq!(std::fs::read(part.join("toy.csv")).unwrap(), expected);
    assert!(
        !part.join(".engram/state/point-0.bin").exists(),
        "state removed once done"
    );

    // Without --resume an earlier run is protected; with it nothing is left to do.
    let toy = Toy::new(ToyConfig::default()).unwrap();
    let err = run(&toy, &RunOptions::new(&part, 1), toy.stop).unwrap_err();
    assert!(err.to_string().contains("--resume"), "{err}");
}

#[test]
fn defaults_come_from_the_flags() {
    let c = ToyConfig::default();
    assert_eq!((c.steps, c.every), (1000, 100));
    let toml = config::to_toml(&c).unwrap();
    assert_eq!(config::from_toml::<ToyConfig>(&toml, "t").unwrap(), c);
    assert!(config::from_toml::<ToyConfig>("stepz = 3", "t").is_err());
}

#[test]
fn a_truncated_checkpoint_record_is_dropped_and_damage_is_named() {
    let dir = tmp("trunc");
    let toy = Toy::new(ToyConfig::default()).unwrap();
    run(&toy, &RunOptions::new(&dir, 1), toy.stop).unwrap();
    let p = dir.join(".engram").join(dir::CHECKPOINT);
    let bytes = std::fs::read(&p).unwrap();
    assert_eq!(dir::record_lengths(&dir).unwrap().len(), 2);
    std::fs::write(&p, &bytes[..bytes.len() - 3]).unwrap();
    let points: std::collections::BTreeMap<usize, u64> = dir::read_points(&dir).unwrap();
    assert_eq!(points.len(), 1);
    // A flipped byte inside a complete record is damage, named with its offset.
    let mut bad = bytes.clone();
    bad[9] ^= 0x40;
    std::fs::write(&p, &bad).unwrap();
    let e = dir::read_points::<u64>(&dir).unwrap_err();
    assert!(e.to_string().contains("at byte 0"), "{e}");
}

#[test]
fn non_finite_outputs_survive_the_checkpoint() {
    let dir = tmp("nan");
    let d = ResultsDir::open(&dir, "toy", false).unwrap();
    d.append_point(0, &vec![f64::NAN, f64::INFINITY, -0.0, 1e-310])
        .unwrap();
    let back: std::collections::BTreeMap<usize, Vec<f64>> = d.read_points().unwrap();
    let v = &back[&0];
    assert!(v[0].is_nan() && v[1] == f64::INFINITY);
    assert_eq!(
        (v[2].to_bits(), v[3].to_bits()),
        ((-0.0f64).to_bits(), 1e-310f64.to_bits())
    );
}
