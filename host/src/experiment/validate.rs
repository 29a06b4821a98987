//! The one validation vocabulary: a bad value names its field (the `--flag`, which is also the TOML
//! key), and size arithmetic is checked so that an absurd value is refused instead of overflowing.

/// A bad configuration value: names the field (the `--flag` / TOML key) and what is wrong.
///
/// ```
/// use engram::experiment::{ConfigError, at_least};
/// let e: ConfigError = at_least("repeats", 0, 1).unwrap_err();
/// assert_eq!(e.to_string(), "repeats: 0 must be >= 1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {why}")]
pub struct ConfigError {
    /// The offending field.
    pub field: String,
    /// What is wrong with it.
    pub why: String,
}

/// Shorthand for a [`ConfigError`].
pub fn bad(field: impl Into<String>, why: impl Into<String>) -> ConfigError {
    ConfigError {
        field: field.into(),
        why: why.into(),
    }
}

/// `field` must be a finite number > 0.
pub fn positive(field: &str, v: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(bad(field, format!("{v} must be a finite number > 0")))
    }
}

/// `field` must be a finite number ≥ 0.
pub fn non_negative(field: &str, v: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(bad(field, format!("{v} must be a finite number >= 0")))
    }
}

/// `field` must lie in `[lo, hi]` (and be finite).
pub fn in_range(field: &str, v: f64, lo: f64, hi: f64) -> Result<(), ConfigError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(bad(field, format!("{v} must be in [{lo}, {hi}]")))
    }
}

/// `field` must be ≥ `min`.
pub fn at_least(field: &str, v: usize, min: usize) -> Result<(), ConfigError> {
    if v >= min {
        Ok(())
    } else {
        Err(bad(field, format!("{v} must be >= {min}")))
    }
}

/// `field` must be ≤ `max` (the largest size the experiment supports).
pub fn at_most(field: &str, v: usize, max: usize) -> Result<(), ConfigError> {
    if v <= max {
        Ok(())
    } else {
        Err(bad(
            field,
            format!("{v} is above the supported maximum {max}"),
        ))
    }
}

/// A list flag must not be empty.
pub fn non_empty<T>(field: &str, v: &[T]) -> Result<(), ConfigError> {
    if v.is_empty() {
        Err(bad(field, "needs at least one value"))
    } else {
        Ok(())
    }
}

/// A list flag must not repeat a value (sweep points would run twice and could not be merged).
///
/// ```
/// use engram::experiment::distinct;
/// assert!(distinct("dim", &[4, 5]).is_ok());
/// assert_eq!(distinct("dim", &[4, 4]).unwrap_err().to_string(), "dim: 4 is given twice");
/// ```
pub fn distinct<T: PartialEq + std::fmt::Display>(field: &str, v: &[T]) -> Result<(), ConfigError> {
    for (i, a) in v.iter().enumerate() {
        if v.iter().skip(i + 1).any(|b| b == a) {
            return Err(bad(field, format!("{a} is given twice")));
        }
    }
    Ok(())
}

/// Size arithmetic that names the flags behind it when it overflows `u64`.
///
/// ```
/// use engram::experiment::Size;
/// let s = Size::of("dim", 1000).times("samples", 1000).unwrap();
/// assert_eq!(s.get(), 1_000_000);
/// let e = Size::of("dim", u64::MAX).times("samples", 2).unwrap_err();
/// assert!(e.to_string().starts_with("dim/samples: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Size {
    value: u64,
    fields: String,
}

impl Size {
    /// Starts from one field's value.
    pub fn of(field: &str, v: u64) -> Self {
        Size {
            value: v,
            fields: field.to_owned(),
        }
    }

    /// A constant factor (bytes per element, …).
    pub fn constant(v: u64) -> Self {
        Size {
            value: v,
            fields: String::new(),
        }
    }

    fn join(&self, field: &str) -> String {
        match (self.fields.is_empty(), field.is_empty()) {
            (true, _) => field.to_owned(),
            (false, true) => self.fields.clone(),
            (false, false) if self.fields.split('/').any(|f| f == field) => self.fields.clone(),
            (false, false) => format!("{}/{field}", self.fields),
        }
    }

    fn overflow(&self, field: &str) -> ConfigError {
        let f = self.join(field);
        bad(
            if f.is_empty() { "size".to_owned() } else { f },
            "the run's size overflows 64-bit arithmetic: use smaller values",
        )
    }

    /// `self × v`, checked.
    pub fn times(self, field: &str, v: u64) -> Result<Self, ConfigError> {
        match self.value.checked_mul(v) {
            Some(value) => Ok(Size {
                value,
                fields: self.join(field),
            }),
            None => Err(self.overflow(field)),
        }
    }

    /// `self + other`, checked.
    pub fn plus(self, other: Size) -> Result<Self, ConfigError> {
        match self.value.checked_add(other.value) {
            Some(value) => Ok(Size {
                value,
                fields: self.join(&other.fields),
            }),
            None => Err(self.overflow(&other.fields)),
        }
    }

    /// The value.
    pub fn get(&self) -> u64 {
        self.value
    }

    /// The flags it was computed from (`dim/samples`).
    pub fn fields(&self) -> &str {
        &self.fields
    }
}

/// A `usize` from an `f64` count (e.g. `round(mult·d)`), refusing values that do not fit.
pub fn count_from_f64(field: &str, v: f64) -> Result<usize, ConfigError> {
    if v.is_finite() && v >= 0.0 && v < 2f64.powi(53) {
        Ok(v as usize)
    } else {
        Err(bad(
            field,
            format!("{v} gives a size that is not a whole number below 2^53"),
        ))
    }
}
