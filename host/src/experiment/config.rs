//! One configuration per experiment, with one set of defaults: the config struct derives its
//! command-line flags (clap `Args`) and its TOML keys (serde, kebab-case) from the same fields, and
//! the defaults are the flags' defaults.
//!
//! Layering: defaults < `--preset` or `--config FILE` < flags given on the command line.

use std::fmt::Debug;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Command, FromArgMatches};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::validate::{ConfigError, bad};

/// Largest configuration file read (a config is a few hundred bytes; `--config /dev/zero` must not
/// read forever).
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// An experiment's configuration: its flags and its TOML keys are the same fields.
///
/// Implementors derive `clap::Args` (with `default_value`s: the one set of defaults), serde with
/// `rename_all = "kebab-case"` and `deny_unknown_fields`, and implement `Default` through
/// [`defaults`].
pub trait ExperimentConfig:
    Args
    + FromArgMatches
    + Serialize
    + DeserializeOwned
    + Clone
    + PartialEq
    + Debug
    + Send
    + Sync
    + 'static
{
    /// Pairs of keys that exclude each other: a flag given on the command line removes its partner
    /// when it comes from a config file or preset (e.g. `samples` and `samples-mult`).
    const EXCLUSIVE: &'static [(&'static str, &'static str)] = &[];
}

/// The configuration every flag's default gives.
///
/// # Panics
/// Only if the config's own clap definition is inconsistent (a required flag without a default),
/// which the experiment's unit tests catch; user input never reaches this.
pub fn defaults<C: Args + FromArgMatches>() -> C {
    let cmd = C::augment_args(Command::new("defaults").no_binary_name(true));
    let parsed = cmd
        .try_get_matches_from(Vec::<String>::new())
        .map_err(|e| e.to_string())
        .and_then(|m| C::from_arg_matches(&m).map_err(|e| e.to_string()));
    match parsed {
        Ok(c) => c,
        Err(e) => panic!("internal: a config's flags have no complete defaults: {e}"),
    }
}

/// The TOML key of a clap argument id (`samples_mult` → `samples-mult`).
pub fn key_of(id: &str) -> String {
    id.replace('_', "-")
}

/// The config's argument ids that were given on the command line.
pub fn explicit_ids<C: Args>(m: &ArgMatches) -> Vec<String> {
    let cmd = C::augment_args(Command::new("ids"));
    cmd.get_arguments()
        .map(|a| a.get_id().as_str().to_owned())
        .filter(|id| {
            m.try_get_raw(id).is_ok() && m.value_source(id) == Some(ValueSource::CommandLine)
        })
        .collect()
}

/// Reads a text file of at most `limit` bytes, naming the path in every error.
pub fn read_limited(path: &Path, limit: u64, what: &str) -> anyhow::Result<String> {
    let f = std::fs::File::open(path)
        .with_context(|| format!("{what} {}: cannot open", path.display()))?;
    let mut bytes = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{what} {}: cannot read", path.display()))?;
    if bytes.len() as u64 > limit {
        bail!(
            "{what} {}: larger than {limit} bytes; is it the right file?",
            path.display()
        );
    }
    String::from_utf8(bytes).map_err(|_| anyhow!("{what} {}: not UTF-8 text", path.display()))
}

/// Parses a TOML configuration, naming the file and the key or line in the error.
pub fn from_toml<C: DeserializeOwned>(text: &str, origin: &str) -> anyhow::Result<C> {
    toml::from_str(text).map_err(|e| {
        anyhow!(
            "{origin}: {}",
            e.to_string()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        )
    })
}

/// Reads and parses a config file (size-limited).
pub fn read_config<C: DeserializeOwned>(path: &Path) -> anyhow::Result<C> {
    let text = read_limited(path, MAX_CONFIG_BYTES, "config")?;
    from_toml(&text, &format!("config {}", path.display()))
}

/// The configuration as TOML. A value TOML cannot hold (an integer above 2⁶³ − 1) is a
/// [`ConfigError`] naming its field, found before anything is written.
pub fn to_toml<C: Serialize>(cfg: &C) -> Result<String, ConfigError> {
    toml::to_string(cfg).map_err(|e| {
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(cfg) {
            for (k, v) in map {
                if toml::Value::try_from(&v).is_err() {
                    return bad(
                        k,
                        format!(
                            "{v} cannot be recorded in config.toml (TOML integers are at most \
                             {}): choose a smaller value",
                            i64::MAX
                        ),
                    );
                }
            }
        }
        bad("config", format!("cannot be written as TOML: {e}"))
    })
}

fn table_of<C: Serialize>(cfg: &C) -> anyhow::Result<toml::Table> {
    let text = to_toml(cfg)?;
    Ok(text.parse::<toml::Table>()?)
}

/// The effective configuration: `base` (defaults, a preset, or `--config FILE` read by the
/// caller) with every flag given on the command line (`matches`) laid over it.
pub fn layer<C: ExperimentConfig>(base: C, matches: &ArgMatches) -> anyhow::Result<C> {
    let explicit = explicit_ids::<C>(matches);
    if explicit.is_empty() {
        return Ok(base);
    }
    let cli = C::from_arg_matches(matches)?;
    let cli_table = table_of(&cli)?;
    let mut table = table_of(&base)?;
    for id in &explicit {
        let key = key_of(id);
        match cli_table.get(&key) {
            Some(v) => {
                table.insert(key.clone(), v.clone());
            }
            None => {
                table.remove(&key);
            }
        }
        for (a, b) in C::EXCLUSIVE {
            if *a == key {
                table.remove(*b);
            } else if *b == key {
                table.remove(*a);
            }
        }
    }
    Ok(table.try_into()?)
}

/// The first field in which two configurations differ: `(key, a's value, b's value)`.
pub fn first_difference<C: Serialize>(a: &C, b: &C) -> Option<(String, String, String)> {
    let (Ok(serde_json::Value::Object(x)), Ok(serde_json::Value::Object(y))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return Some(("config".into(), "?".into(), "?".into()));
    };
    let show =
        |v: Option<&serde_json::Value>| v.map_or_else(|| "(unset)".to_owned(), |v| v.to_string());
    let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .find(|k| x.get(*k) != y.get(*k))
        .map(|k| (k.clone(), show(x.get(k)), show(y.get(k))))
}
