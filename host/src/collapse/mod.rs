//! `engram collapse`: linear regression iteration (model collapse), replace vs accumulate
//! (docs/collapse.md).
//!
//! A sweep runs every point of d × T × σ × λ for `repeats` independent chains (rayon across
//! repeats and points, each chain single-threaded), reduces them in a fixed order so results do not
//! depend on the thread count, and checks them against theory (`checks`). It is an
//! [`Experiment`]: the shared runner gives it the results directory, checkpoints, resume, shards
//! and merge. Files:
//!
//! | file | contents |
//! | --- | --- |
//! | `config.toml` | the effective configuration (re-run it with `--config`) |
//! | `runs.csv` | d, T, σ, λ, design, σ₀, T₀, mode, iteration, mean, stderr_measured, theory, stderr_test, z |
//! | `summary.json`, `report.md` | provenance, every check, pass/fail counts |
//! | `test_error.svg`, `test_error_normalised.svg` | the paper's figure, log and linear scale |

mod batched;
mod checks;
mod output;
mod plot;
mod run;
mod sweep;

pub use batched::{BatchedScratch, shortcut_batched};
pub use checks::{Row, checks, no_theory_reason, rows, test_stderr, theory_for};
pub use output::RUNS_HEADER;
pub use plot::Scale;
pub use run::{ModeStats, PointResult, run_point, run_subsample};
pub use sweep::{
    DEFAULT_SAMPLES, DesignSel, MAX_SIGMA, ModeSel, Point, Preset, RunMode, SweepConfig,
};

use crate::experiment::{
    ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size,
};

/// The collapse sweep as an [`Experiment`].
#[derive(Debug, Clone)]
pub struct Collapse {
    cfg: SweepConfig,
    points: Vec<Point>,
}

impl Collapse {
    /// The validated configuration's points.
    pub fn sweep_points(&self) -> &[Point] {
        &self.points
    }
}

impl Experiment for Collapse {
    type Config = SweepConfig;
    type Point = Point;
    type Output = PointResult;

    const NAME: &'static str = "collapse";
    const TITLE: &'static str = "linear regression iteration";
    const RESULTS: &'static str = "collapse";
    const UNIT: &'static str = "chains";
    const NORMAL: engram_core::rng::Normal = engram_core::collapse::NORMAL;

    fn presets() -> &'static [(&'static str, &'static str)] {
        Preset::ALL
    }

    fn preset(name: &str) -> Option<SweepConfig> {
        Preset::from_name(name).map(Preset::config)
    }

    fn new(cfg: SweepConfig) -> anyhow::Result<Self> {
        let cfg = cfg.normalised();
        cfg.validate()?;
        let points = cfg.points()?;
        Ok(Collapse { cfg, points })
    }

    fn config(&self) -> &SweepConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "Gerstgrasser et al., arXiv:2404.01413 (docs/collapse.md): replace collapses \
         (E = c·n), accumulate stays bounded (E = c·Σ1/i² ≤ c·π²/6), c = σ²d/(T−d−1). z-tests use \
         |z| < 4 (tolerance = 4 standard errors)."
            .to_owned()
    }

    fn kernels(&self) -> String {
        "f64: exact Bartlett–Wishart shortcut, batched over iterations with runtime SIMD dispatch \
         (bit-identical to engram-core's run_shortcut) for fixed design without ridge; \
         engram-core's literal sufficient-statistics chain otherwise"
            .to_owned()
    }

    fn points(&self) -> Vec<Point> {
        self.points.clone()
    }

    fn label(&self, p: &Point) -> String {
        format!("d={} T={} σ={} λ={}", p.dim, p.samples, p.sigma, p.ridge)
    }

    fn work(&self, _p: &Point) -> u64 {
        self.cfg.repeats as u64
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let c = &self.cfg;
        let modes = c.mode.modes().len() as u64;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        let mut memory = Size::constant(0);
        let mut output = Size::constant(0);
        let mut flops = 0.0f64;
        for p in &self.points {
            let (d, t) = (p.dim as u64, p.samples as u64);
            let t0 = c.samples0.map_or(t, |x| x as u64);
            let n = c.iterations as u64;
            // One chain's working set: X, X₀, Gram, targets, pool (subsample), errors (f64).
            let chain = Size::of("samples", t)
                .times("dim", d)?
                .plus(Size::of("samples0", t0).times("dim", d)?)?
                .plus(Size::of("dim", d).times("dim", d)?.times("", 4)?)?
                .plus(
                    Size::of("samples", t)
                        .times("iterations", n)?
                        .times("", 2)?,
                )?
                .plus(Size::of("iterations", n).times("", 8)?)?
                .times("", 8)?;
            if chain.get() > memory.get() {
                memory = chain;
            }
            let rows = Size::of("iterations", n)
                .times("mode", modes)?
                .times("", 160)?;
            output = output.plus(rows)?;
            let per_fit = if c.uses_shortcut(p) {
                10.0 * (d * d) as f64
            } else {
                (t as f64 + t0 as f64) * (d * d) as f64 + (d * d * d) as f64
            };
            flops += per_fit * n as f64 * c.repeats as f64 * modes as f64;
        }
        Ok(Estimate::new(
            memory.times("", threads)?,
            output,
            flops,
            1e9 * threads as f64,
            "dim/samples/iterations/repeats",
        ))
    }

    fn run_point(&self, p: &Point, ctx: &PointCtx<'_>) -> anyhow::Result<Option<PointResult>> {
        run_point(&self.cfg, p, ctx)
    }

    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<crate::experiment::Check> {
        let results: Vec<&PointResult> = done.iter().map(|d| d.output).collect();
        checks(&self.cfg, &results)
    }

    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        let results: Vec<&PointResult> = done.iter().map(|d| d.output).collect();
        output::write_runs(out, &self.cfg, &results)?;
        let mut files = Files {
            data: vec!["runs.csv".to_owned()],
            plots: Vec::new(),
        };
        if !results.is_empty() {
            for (name, scale) in [
                ("test_error.svg", Scale::Log),
                ("test_error_normalised.svg", Scale::LinearNormalised),
            ] {
                plot::plot(out, name, &self.cfg, &results, scale)?;
                files.plots.push(name.to_owned());
            }
        }
        Ok(files)
    }
}

/// The sweep of each reproduction tier: quick — d = 10, T ∈ {40, 100}, 20 iterations; default —
/// the paper's figure; full — the paper's figure with 1 000 repeats and the benchmark sweep's grid
/// of d and T.
pub fn tier_config(t: crate::experiment::registry::Tier) -> SweepConfig {
    use crate::experiment::registry::Tier;
    match t {
        Tier::Quick => SweepConfig {
            dim: vec![10],
            samples: Some(vec![40, 100]),
            iterations: 20,
            ..Preset::Paper.config()
        },
        Tier::Default => Preset::Paper.config(),
        Tier::Full => SweepConfig {
            repeats: 1000,
            ..Preset::Paper.config()
        },
    }
}

/// The registry entries of the family.
pub fn registry() -> Vec<crate::experiment::registry::Entry> {
    vec![crate::register!(
        "collapse",
        Collapse,
        "replace collapses (c·n), accumulate stays below c·π²/6 — Gerstgrasser et al. 2024",
        tier_config
    )]
}
