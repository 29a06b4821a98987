//! A collapse sweep: its configuration (CLI flags or TOML), validation, presets, the product of
//! parameter points, and sharding.

use engram_core::collapse::{ChainConfig, Design, Mode, Synthetic};
use engram_core::rng::key_str;
use serde::{Deserialize, Serialize};

/// Which modes a sweep runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ModeSel {
    /// Train on the newest batch only.
    Replace,
    /// Train on every batch so far (sufficient statistics).
    Accumulate,
    /// Each fit on T rows drawn without replacement from the pooled nT rows (fixed compute).
    AccumulateSubsample,
    /// Replace and accumulate.
    Both,
    /// Replace, accumulate and accumulate-subsample.
    All,
}

/// A mode as run (including the host-only subsampling mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunMode {
    /// See [`Mode::Replace`].
    Replace,
    /// See [`Mode::Accumulate`].
    Accumulate,
    /// See [`ModeSel::AccumulateSubsample`].
    AccumulateSubsample,
}

impl RunMode {
    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            RunMode::Replace => "replace",
            RunMode::Accumulate => "accumulate",
            RunMode::AccumulateSubsample => "accumulate-subsample",
        }
    }

    /// Parses [`name`](Self::name).
    pub fn from_name(s: &str) -> Option<Self> {
        [
            RunMode::Replace,
            RunMode::Accumulate,
            RunMode::AccumulateSubsample,
        ]
        .into_iter()
        .find(|m| m.name() == s)
    }

    /// The core mode, for the two that the core implements.
    pub fn core(self) -> Option<Mode> {
        match self {
            RunMode::Replace => Some(Mode::Replace),
            RunMode::Accumulate => Some(Mode::Accumulate),
            RunMode::AccumulateSubsample => None,
        }
    }
}

impl ModeSel {
    /// The modes to run, in output order.
    pub fn modes(self) -> Vec<RunMode> {
        match self {
            ModeSel::Replace => vec![RunMode::Replace],
            ModeSel::Accumulate => vec![RunMode::Accumulate],
            ModeSel::AccumulateSubsample => vec![RunMode::AccumulateSubsample],
            ModeSel::Both => vec![RunMode::Replace, RunMode::Accumulate],
            ModeSel::All => vec![
                RunMode::Replace,
                RunMode::Accumulate,
                RunMode::AccumulateSubsample,
            ],
        }
    }
}

/// Fixed or fresh design, as a CLI/TOML value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum DesignSel {
    /// One X per chain (the theorems' setting).
    Fixed,
    /// A new X every iteration.
    Fresh,
}

impl DesignSel {
    /// The core design.
    pub fn core(self) -> Design {
        match self {
            DesignSel::Fixed => Design::Fixed,
            DesignSel::Fresh => Design::Fresh,
        }
    }
}

/// A value or a list of values (TOML accepts `sigma = 1.0` and `sigma = [0.1, 1.0]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> From<OneOrMany<T>> for Vec<T> {
    fn from(v: OneOrMany<T>) -> Self {
        match v {
            OneOrMany::One(x) => vec![x],
            OneOrMany::Many(xs) => xs,
        }
    }
}

fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    OneOrMany::<T>::deserialize(d).map(Into::into)
}

fn opt_one_or_many<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<OneOrMany<T>>::deserialize(d).map(|o| o.map(Into::into))
}

/// Every parameter of a sweep: the `engram collapse` flags and the TOML keys are these fields
/// (one set of defaults, the flags'). The numeric lists sweep their product.
///
/// ```
/// use engram::collapse::SweepConfig;
/// use engram::experiment::config::from_toml;
/// let cfg: SweepConfig = from_toml("dim = [10, 50]\nsamples-mult = 3\nsigma = 1.0", "example").unwrap();
/// let cfg = cfg.normalised();
/// cfg.validate().unwrap();
/// assert_eq!(cfg.points().unwrap().len(), 2);
/// assert!(from_toml::<SweepConfig>("dims = 3", "example").is_err()); // unknown key
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct SweepConfig {
    /// Input dimension d (list).
    #[arg(long, value_delimiter = ',', default_value = "32")]
    #[serde(deserialize_with = "one_or_many")]
    pub dim: Vec<usize>,
    /// Samples per round T (list) [default: 100 unless --samples-mult is given].
    #[arg(long, value_delimiter = ',', conflicts_with = "samples_mult")]
    #[serde(
        default,
        deserialize_with = "opt_one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub samples: Option<Vec<usize>>,
    /// Samples per round as a multiple of d (list; T = round(mult·d)).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    #[serde(
        default,
        deserialize_with = "opt_one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub samples_mult: Option<Vec<f64>>,
    /// Noise standard deviation σ, not the variance (list).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1",
        allow_negative_numbers = true
    )]
    #[serde(deserialize_with = "one_or_many")]
    pub sigma: Vec<f64>,
    /// Fits per chain (iteration 1 is the real-data fit).
    #[arg(long, default_value_t = 50)]
    pub iterations: usize,
    /// Independent chains per point.
    #[arg(long, default_value_t = 100)]
    pub repeats: usize,
    /// Master seed; results depend only on (config, seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Which modes to run.
    #[arg(long, value_enum, default_value_t = ModeSel::Both)]
    pub mode: ModeSel,
    /// Fixed design (one X per chain, the theorems' setting) or a fresh X every iteration.
    #[arg(long, value_enum, default_value_t = DesignSel::Fixed)]
    pub design: DesignSel,
    /// Ridge penalty λ ≥ 0 (list).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0",
        allow_negative_numbers = true
    )]
    #[serde(deserialize_with = "one_or_many")]
    pub ridge: Vec<f64>,
    /// σ₀ of the synthetic rounds n ≥ 2 [default: σ].
    #[arg(long, allow_negative_numbers = true)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma0: Option<f64>,
    /// T₀ of the synthetic rounds n ≥ 2 [default: T].
    #[arg(long)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples0: Option<usize>,
}

impl Default for SweepConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for SweepConfig {
    const EXCLUSIVE: &'static [(&'static str, &'static str)] = &[("samples", "samples-mult")];
}

/// The default T when neither `samples` nor `samples-mult` is given.
pub const DEFAULT_SAMPLES: usize = 100;

/// Named parameter sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Gerstgrasser et al.'s figure: d = 32, T ∈ {100, 316, 1000}, σ² ∈ {0.01, 0.1, 1, 10, 100},
    /// 50 iterations, replace and accumulate.
    Paper,
    /// The benchmark sweep: d ∈ {10, 50, 100}, T = 2..10 × d, σ = 1, 50 iterations, 100 repeats,
    /// both modes (270 000 fits).
    Standard,
}

impl Preset {
    /// Every preset: (name, description).
    pub const ALL: &'static [(&'static str, &'static str)] = &[
        (
            "paper",
            "Gerstgrasser et al.'s figure: d = 32, T ∈ {100, 316, 1000}, σ² ∈ {0.01…100}",
        ),
        (
            "standard",
            "the benchmark sweep: d ∈ {10, 50, 100}, T = 2..10 × d (270 000 fits)",
        ),
    ];

    /// The preset of a name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "paper" => Some(Preset::Paper),
            "standard" => Some(Preset::Standard),
            _ => None,
        }
    }

    /// The preset's configuration.
    pub fn config(self) -> SweepConfig {
        match self {
            Preset::Paper => SweepConfig {
                dim: vec![32],
                samples: Some(vec![100, 316, 1000]),
                samples_mult: None,
                // σ = √σ² for the paper's σ² grid.
                sigma: [0.01f64, 0.1, 1.0, 10.0, 100.0]
                    .iter()
                    .map(|v| v.sqrt())
                    .collect(),
                ..SweepConfig::default()
            },
            Preset::Standard => SweepConfig {
                dim: vec![10, 50, 100],
                samples: None,
                samples_mult: Some((2..=10).map(f64::from).collect()),
                sigma: vec![1.0],
                ..SweepConfig::default()
            },
        }
    }
}

/// One parameter point of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Position in the sweep's canonical order.
    pub index: usize,
    /// d.
    pub dim: usize,
    /// T.
    pub samples: usize,
    /// σ.
    pub sigma: f64,
    /// λ.
    pub ridge: f64,
}

use crate::experiment::{ConfigError, bad, count_from_f64, distinct};

/// Largest σ (and σ₀) accepted: σ² · d · n and the sums of squared errors stay finite in f64.
pub const MAX_SIGMA: f64 = 1e100;

impl SweepConfig {
    /// The configuration with the default T filled in when neither `samples` nor `samples-mult`
    /// is given.
    pub fn normalised(mut self) -> Self {
        if self.samples.is_none() && self.samples_mult.is_none() {
            self.samples = Some(vec![DEFAULT_SAMPLES]);
        }
        self
    }

    /// Checks every field; the error names the first bad one. Size arithmetic is checked: a T
    /// that does not fit, or a sweep that repeats a point, is refused here.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.dim.is_empty() {
            return Err(bad("dim", "needs at least one value"));
        }
        if let Some(d) = self.dim.iter().find(|&&d| d == 0) {
            return Err(bad("dim", format!("{d} is not >= 1")));
        }
        distinct("dim", &self.dim)?;
        match (&self.samples, &self.samples_mult) {
            (Some(_), Some(_)) => {
                return Err(bad("samples", "give samples or samples-mult, not both"));
            }
            (None, None) => return Err(bad("samples", "give samples or samples-mult")),
            (Some(ts), None) if ts.is_empty() => {
                return Err(bad("samples", "needs at least one value"));
            }
            (Some(ts), None) => distinct("samples", ts)?,
            (None, Some(ms)) if ms.is_empty() => {
                return Err(bad("samples-mult", "needs at least one value"));
            }
            (None, Some(ms)) => {
                if let Some(m) = ms.iter().find(|m| !m.is_finite() || **m <= 0.0) {
                    return Err(bad("samples-mult", format!("{m} is not a positive number")));
                }
            }
        }
        if self.sigma.is_empty() {
            return Err(bad("sigma", "needs at least one value"));
        }
        if let Some(s) = self.sigma.iter().find(|s| !s.is_finite() || **s < 0.0) {
            return Err(bad(
                "sigma",
                format!("{s} must be a finite standard deviation >= 0"),
            ));
        }
        // σ² must stay far from overflow: the test errors are ~σ²·d·n and their squares are summed.
        if let Some(s) = self.sigma.iter().find(|s| **s > MAX_SIGMA) {
            return Err(bad(
                "sigma",
                format!(
                    "{s} is so large that the test errors overflow f64 (at most {MAX_SIGMA:e})"
                ),
            ));
        }
        distinct("sigma", &self.sigma)?;
        if self.ridge.is_empty() {
            return Err(bad("ridge", "needs at least one value"));
        }
        if let Some(r) = self.ridge.iter().find(|r| !r.is_finite() || **r < 0.0) {
            return Err(bad("ridge", format!("{r} must be finite and >= 0")));
        }
        distinct("ridge", &self.ridge)?;
        if self.iterations == 0 {
            return Err(bad("iterations", "must be >= 1"));
        }
        if self.repeats == 0 {
            return Err(bad("repeats", "must be >= 1"));
        }
        if let Some(s0) = self.sigma0
            && (!s0.is_finite() || !(0.0..=MAX_SIGMA).contains(&s0))
        {
            return Err(bad(
                "sigma0",
                format!("{s0} must be finite, >= 0 and at most {MAX_SIGMA:e}"),
            ));
        }
        if self.samples0 == Some(0) {
            return Err(bad("samples0", "must be >= 1"));
        }
        let subsample = self.mode.modes().contains(&RunMode::AccumulateSubsample);
        if subsample && self.design == DesignSel::Fresh {
            return Err(bad(
                "mode",
                "accumulate-subsample is implemented for --design fixed only",
            ));
        }
        if subsample && (self.sigma0.is_some() || self.samples0.is_some()) {
            return Err(bad(
                "mode",
                "accumulate-subsample does not take sigma0/samples0",
            ));
        }
        let points = self.points()?;
        for (i, p) in points.iter().enumerate() {
            if let Some(q) = points.iter().skip(i + 1).find(|q| {
                q.dim == p.dim && q.samples == p.samples && q.sigma == p.sigma && q.ridge == p.ridge
            }) {
                return Err(bad(
                    "samples-mult",
                    format!(
                        "two values give T = {} at d = {} (point d={} T={} σ={} λ={} twice): \
                         remove one",
                        q.samples, q.dim, q.dim, q.samples, q.sigma, q.ridge
                    ),
                ));
            }
            if p.samples < p.dim && p.ridge == 0.0 {
                return Err(bad(
                    "samples",
                    format!(
                        "T = {} < d = {}: least squares needs T >= d (or set ridge > 0)",
                        p.samples, p.dim
                    ),
                ));
            }
            let t0 = self.samples0.unwrap_or(p.samples);
            if t0 < p.dim && p.ridge == 0.0 && self.mode.modes().contains(&RunMode::Replace) {
                return Err(bad(
                    "samples0",
                    format!(
                        "T0 = {t0} < d = {}: replace needs T0 >= d (or ridge > 0)",
                        p.dim
                    ),
                ));
            }
            self.chain(p, Mode::Replace)
                .validate()
                .map_err(|e| bad("config", e.to_string()))?;
        }
        Ok(())
    }

    /// The T values for dimension `d` (checked: a T that does not fit is an error naming the flag).
    pub fn samples_for(&self, d: usize) -> Result<Vec<usize>, ConfigError> {
        match (&self.samples, &self.samples_mult) {
            (Some(ts), _) => Ok(ts.clone()),
            (None, Some(ms)) => ms
                .iter()
                .map(|m| count_from_f64("samples-mult", (m * d as f64).round()))
                .collect(),
            (None, None) => Ok(vec![DEFAULT_SAMPLES]),
        }
    }

    /// Every point of the product d × T × σ × λ, in canonical order (d outermost).
    pub fn points(&self) -> Result<Vec<Point>, ConfigError> {
        let mut out = Vec::new();
        for &d in &self.dim {
            for t in self.samples_for(d)? {
                for &sigma in &self.sigma {
                    for &ridge in &self.ridge {
                        out.push(Point {
                            index: out.len(),
                            dim: d,
                            samples: t,
                            sigma,
                            ridge,
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// The core chain configuration of a point in one mode.
    pub fn chain(&self, p: &Point, mode: Mode) -> ChainConfig<f64> {
        let mut c = ChainConfig::new(p.dim, p.samples, p.sigma, self.iterations, mode);
        c.design = self.design.core();
        c.ridge = p.ridge;
        if self.sigma0.is_some() || self.samples0.is_some() {
            c.synthetic = Some(Synthetic {
                sigma: self.sigma0.unwrap_or(p.sigma),
                samples: self.samples0.unwrap_or(p.samples),
            });
        }
        c
    }

    /// Whether a point runs through the exact O(d²) shortcut (fixed design, no ridge, same σ/T).
    pub fn uses_shortcut(&self, p: &Point) -> bool {
        self.design == DesignSel::Fixed
            && p.ridge == 0.0
            && self.sigma0.is_none()
            && self.samples0.is_none()
    }

    /// The random-stream key of a point's repeat: (seed, point parameters, repeat). It leaves out
    /// the iteration count and the modes, so a longer run extends a shorter one, and the modes share
    /// their draws (common random numbers).
    pub fn stream_key(&self, p: &Point, repeat: usize) -> [u64; 9] {
        [
            key_str("engram/collapse/v1"),
            p.dim as u64,
            p.samples as u64,
            p.sigma.to_bits(),
            p.ridge.to_bits(),
            match self.design {
                DesignSel::Fixed => 0,
                DesignSel::Fresh => 1,
            },
            self.sigma0.map_or(u64::MAX, f64::to_bits),
            self.samples0.map_or(u64::MAX, |t| t as u64),
            repeat as u64,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_preset_is_270000_fits() {
        let c = Preset::Standard.config();
        c.validate().unwrap();
        let fits = c.points().unwrap().len() * c.repeats * c.iterations * c.mode.modes().len();
        assert_eq!(fits, 270_000);
    }

    #[test]
    fn paper_preset_grid() {
        let c = Preset::Paper.config();
        c.validate().unwrap();
        assert_eq!(c.points().unwrap().len(), 15);
        assert!((c.sigma[1] * c.sigma[1] - 0.1).abs() < 1e-15);
    }

    #[test]
    fn defaults_are_the_flags_defaults() {
        let c = SweepConfig::default().normalised();
        assert_eq!(c.dim, vec![32]);
        assert_eq!(c.samples, Some(vec![100]));
        assert_eq!((c.iterations, c.repeats, c.seed), (50, 100, 0));
        c.validate().unwrap();
    }

    #[test]
    fn errors_name_the_field() {
        let mut c = SweepConfig {
            samples: Some(vec![5]),
            dim: vec![10],
            ..SweepConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "samples");
        c.ridge = vec![0.1];
        c.validate().unwrap();
        c.sigma = vec![-1.0];
        assert_eq!(c.validate().unwrap_err().field, "sigma");
        let c = SweepConfig {
            repeats: 0,
            ..SweepConfig::default().normalised()
        };
        assert_eq!(c.validate().unwrap_err().field, "repeats");
        let c = SweepConfig {
            sigma: vec![f64::NAN],
            ..SweepConfig::default().normalised()
        };
        assert_eq!(c.validate().unwrap_err().field, "sigma");
    }

    #[test]
    fn absurd_sizes_and_duplicates_are_refused() {
        let base = SweepConfig::default().normalised();
        let c = SweepConfig {
            samples: None,
            samples_mult: Some(vec![1e300]),
            ..base.clone()
        };
        assert_eq!(c.validate().unwrap_err().field, "samples-mult");
        let c = SweepConfig {
            dim: vec![4, 4],
            ..base.clone()
        };
        assert_eq!(c.validate().unwrap_err().field, "dim");
        let c = SweepConfig {
            dim: vec![10],
            samples: None,
            samples_mult: Some(vec![3.0, 3.04]),
            ..base.clone()
        };
        assert_eq!(c.validate().unwrap_err().field, "samples-mult");
        let c = SweepConfig {
            sigma: vec![1e153],
            ..base
        };
        assert_eq!(c.validate().unwrap_err().field, "sigma");
    }
}
