//! A collapse sweep: its configuration (CLI flags or TOML), validation, presets, the product of
//! parameter points, and sharding.

use std::fmt;
use std::str::FromStr;

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

/// Every parameter of a sweep. The numeric lists sweep their product.
///
/// ```
/// use engram::collapse::SweepConfig;
/// let cfg = SweepConfig::from_toml("dim = [10, 50]\nsamples-mult = 3\nsigma = 1.0").unwrap();
/// cfg.validate().unwrap();
/// assert_eq!(cfg.points().len(), 2);
/// assert!(SweepConfig::from_toml("dims = 3").is_err()); // unknown key
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct SweepConfig {
    /// d values.
    #[serde(deserialize_with = "one_or_many")]
    pub dim: Vec<usize>,
    /// T values (exclusive with `samples_mult`).
    #[serde(
        deserialize_with = "opt_one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub samples: Option<Vec<usize>>,
    /// T as multiples of d, rounded to the nearest integer (exclusive with `samples`).
    #[serde(
        deserialize_with = "opt_one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub samples_mult: Option<Vec<f64>>,
    /// σ values: the noise standard deviation (not the variance).
    #[serde(deserialize_with = "one_or_many")]
    pub sigma: Vec<f64>,
    /// Fits per chain.
    pub iterations: usize,
    /// Independent chains per point.
    pub repeats: usize,
    /// Master seed.
    pub seed: u64,
    /// Modes to run.
    pub mode: ModeSel,
    /// Fixed or fresh design.
    pub design: DesignSel,
    /// Ridge penalties λ ≥ 0.
    #[serde(deserialize_with = "one_or_many")]
    pub ridge: Vec<f64>,
    /// σ₀ of the synthetic rounds (default: σ).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sigma0: Option<f64>,
    /// T₀ of the synthetic rounds (default: T).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples0: Option<usize>,
}

impl Default for SweepConfig {
    fn default() -> Self {
        Self {
            dim: vec![32],
            samples: Some(vec![100]),
            samples_mult: None,
            sigma: vec![1.0],
            iterations: 50,
            repeats: 100,
            seed: 0,
            mode: ModeSel::Both,
            design: DesignSel::Fixed,
            ridge: vec![0.0],
            sigma0: None,
            samples0: None,
        }
    }
}

/// Named parameter sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// Gerstgrasser et al.'s figure: d = 32, T ∈ {100, 316, 1000}, σ² ∈ {0.01, 0.1, 1, 10, 100},
    /// 50 iterations, replace and accumulate.
    Paper,
    /// The benchmark sweep: d ∈ {10, 50, 100}, T = 2..10 × d, σ = 1, 50 iterations, 100 repeats,
    /// both modes (270 000 fits).
    Standard,
}

impl Preset {
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

/// A bad sweep configuration: names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {why}")]
pub struct ConfigError {
    /// The offending field (`--flag` name / TOML key).
    pub field: &'static str,
    /// What is wrong with it.
    pub why: String,
}

fn bad(field: &'static str, why: impl Into<String>) -> ConfigError {
    ConfigError {
        field,
        why: why.into(),
    }
}

impl SweepConfig {
    /// Parses a TOML configuration (unknown keys are errors; a file that gives neither `samples`
    /// nor `samples-mult` gets the default T = 100).
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        let table: toml::Table = text.parse()?;
        let gives_samples = table.contains_key("samples");
        let mut c: SweepConfig = table.try_into()?;
        // A file with only `samples-mult` must not inherit the default `samples`.
        if !gives_samples && c.samples_mult.is_some() {
            c.samples = None;
        }
        Ok(c)
    }

    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.dim.is_empty() {
            return Err(bad("dim", "needs at least one value"));
        }
        if let Some(d) = self.dim.iter().find(|&&d| d == 0) {
            return Err(bad("dim", format!("{d} is not >= 1")));
        }
        match (&self.samples, &self.samples_mult) {
            (Some(_), Some(_)) => {
                return Err(bad("samples", "give samples or samples-mult, not both"));
            }
            (None, None) => return Err(bad("samples", "give samples or samples-mult")),
            (Some(ts), None) if ts.is_empty() => {
                return Err(bad("samples", "needs at least one value"));
            }
            (None, Some(ms)) if ms.is_empty() => {
                return Err(bad("samples-mult", "needs at least one value"));
            }
            (None, Some(ms)) => {
                if let Some(m) = ms.iter().find(|m| !m.is_finite() || **m <= 0.0) {
                    return Err(bad("samples-mult", format!("{m} is not a positive number")));
                }
            }
            _ => {}
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
        if self.ridge.is_empty() {
            return Err(bad("ridge", "needs at least one value"));
        }
        if let Some(r) = self.ridge.iter().find(|r| !r.is_finite() || **r < 0.0) {
            return Err(bad("ridge", format!("{r} must be finite and >= 0")));
        }
        if self.iterations == 0 {
            return Err(bad("iterations", "must be >= 1"));
        }
        if self.repeats == 0 {
            return Err(bad("repeats", "must be >= 1"));
        }
        if let Some(s0) = self.sigma0
            && (!s0.is_finite() || s0 < 0.0)
        {
            return Err(bad("sigma0", format!("{s0} must be finite and >= 0")));
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
        for p in self.points() {
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
            self.chain(&p, Mode::Replace)
                .validate()
                .map_err(|e| bad("config", e.to_string()))?;
        }
        Ok(())
    }

    /// The T values for dimension `d`.
    pub fn samples_for(&self, d: usize) -> Vec<usize> {
        match (&self.samples, &self.samples_mult) {
            (Some(ts), _) => ts.clone(),
            (None, Some(ms)) => ms.iter().map(|m| (m * d as f64).round() as usize).collect(),
            (None, None) => Vec::new(),
        }
    }

    /// Every point of the product d × T × σ × λ, in canonical order (d outermost).
    pub fn points(&self) -> Vec<Point> {
        let mut out = Vec::new();
        for &d in &self.dim {
            for t in self.samples_for(d) {
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
        out
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

/// `--shard i/n`: this run takes the points whose index ≡ i (mod n), 0 ≤ i < n.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// i, from 0.
    pub index: usize,
    /// n ≥ 1.
    pub count: usize,
}

impl Shard {
    /// Whether this shard runs point `p`.
    pub fn owns(&self, p: &Point) -> bool {
        p.index % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = ConfigError;

    /// ```
    /// use engram::collapse::Shard;
    /// assert_eq!("1/4".parse::<Shard>().unwrap(), Shard { index: 1, count: 4 });
    /// assert!("4/4".parse::<Shard>().is_err());
    /// assert!("x".parse::<Shard>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || {
            bad(
                "shard",
                format!("{s:?} is not i/n with integers 0 <= i < n (e.g. --shard 0/4)"),
            )
        };
        let (i, n) = s.split_once('/').ok_or_else(err)?;
        let index: usize = i.trim().parse().map_err(|_| err())?;
        let count: usize = n.trim().parse().map_err(|_| err())?;
        if count == 0 || index >= count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_preset_is_270000_fits() {
        let c = Preset::Standard.config();
        c.validate().unwrap();
        let fits = c.points().len() * c.repeats * c.iterations * c.mode.modes().len();
        assert_eq!(fits, 270_000);
    }

    #[test]
    fn paper_preset_grid() {
        let c = Preset::Paper.config();
        c.validate().unwrap();
        assert_eq!(c.points().len(), 15);
        assert!((c.sigma[1] * c.sigma[1] - 0.1).abs() < 1e-15);
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
            ..SweepConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "repeats");
        let c = SweepConfig {
            sigma: vec![f64::NAN],
            ..SweepConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "sigma");
    }

    #[test]
    fn shards_partition_the_points() {
        let c = Preset::Standard.config();
        let pts = c.points();
        for n in 1..5 {
            let mut owned = vec![0; pts.len()];
            for i in 0..n {
                let s = Shard { index: i, count: n };
                for p in &pts {
                    if s.owns(p) {
                        owned[p.index] += 1;
                    }
                }
            }
            assert!(owned.iter().all(|&k| k == 1));
        }
    }
}
