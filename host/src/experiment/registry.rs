//! Every experiment, with the configuration of each size tier, for `engram reproduce` (like the
//! core's scenario registry).

use super::Experiment;
use super::runner::{RunOptions, run};
use super::summary::Outcome;
use crate::signals::Stop;

/// How big a reproduction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Tier {
    /// The smallest settings whose checks still hold: under a minute for everything (tests use it).
    Quick,
    /// The papers' figures at a scale that runs in minutes on a laptop.
    Default,
    /// The papers' own scale: hours; resumable.
    Full,
}

impl Tier {
    /// Every tier.
    pub const ALL: &'static [Tier] = &[Tier::Quick, Tier::Default, Tier::Full];

    /// `quick`, `default`, `full`.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Quick => "quick",
            Tier::Default => "default",
            Tier::Full => "full",
        }
    }
}

/// One registered experiment.
pub struct Entry {
    /// The model family (`collapse`, `hopfield`), what `--only` selects.
    pub family: &'static str,
    /// The experiment's name (its [`Experiment::NAME`]); also its folder in the reproduction.
    pub name: &'static str,
    /// One line: what it reproduces.
    pub about: &'static str,
    /// The tiers it runs at (most experiments: [`Tier::ALL`]; one whose smallest honest size takes
    /// hours: [`Tier::Full`] only).
    pub tiers: &'static [Tier],
    /// The configuration of a tier, as TOML (for provenance and the skip test).
    pub config: fn(Tier) -> anyhow::Result<String>,
    /// Runs the tier into `opts.out`.
    pub run: fn(Tier, &RunOptions, &Stop) -> anyhow::Result<Outcome>,
}

/// Validates `cfg` as experiment `E` and runs it.
pub fn run_config<E: Experiment>(
    cfg: E::Config,
    opts: &RunOptions,
    stop: &Stop,
) -> anyhow::Result<Outcome> {
    let exp = E::new(cfg)?;
    run(&exp, opts, stop)
}

/// The TOML of a configuration after validation (what `config.toml` will hold).
pub fn config_toml<E: Experiment>(cfg: E::Config) -> anyhow::Result<String> {
    let exp = E::new(cfg)?;
    Ok(super::config::to_toml(exp.config())?)
}

impl Entry {
    /// Whether it runs at `tier`.
    pub fn runs_at(&self, tier: Tier) -> bool {
        self.tiers.contains(&tier)
    }
}

/// Declares a registry entry from a family, an experiment type and a `fn(Tier) -> Config`; with
/// `only: [tiers]`, an entry that runs at those tiers only.
#[macro_export]
macro_rules! register {
    ($family:expr, $ty:ty, $about:expr, $tiers:expr) => {
        $crate::register!(
            $family,
            $ty,
            $about,
            $tiers,
            only: $crate::experiment::registry::Tier::ALL
        )
    };
    ($family:expr, $ty:ty, $about:expr, $tiers:expr, only: $only:expr) => {
        $crate::experiment::registry::Entry {
            family: $family,
            name: <$ty as $crate::experiment::Experiment>::NAME,
            about: $about,
            tiers: $only,
            config: |t| $crate::experiment::registry::config_toml::<$ty>(($tiers)(t)),
            run: |t, o, s| $crate::experiment::registry::run_config::<$ty>(($tiers)(t), o, s),
        }
    };
}

/// Every experiment `engram reproduce` runs, in report order.
pub fn registry() -> Vec<Entry> {
    let mut v = Vec::new();
    v.extend(crate::collapse::registry());
    v.extend(crate::hopfield::registry());
    v.extend(crate::rnn::registry());
    v.extend(crate::polysemantic::registry());
    v.extend(crate::scaling::registry());
    v
}
