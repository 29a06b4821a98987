//! The per-sample chain of metrics of Schaeffer et al. (arXiv:2406.04391; docs/scaling.md §Chain),
//! computed from a constant-size running aggregate of one (model, sample)'s choices.
//!
//! For one model and one multiple-choice sample with choices c = 1…K, log-likelihoods ℓ_c (the
//! log-probability the model gives choice c's continuation over its whole vocabulary) and the
//! correct choice c*:
//!
//! ```text
//! log p_vocab(c*)      = ℓ_c*
//! p_vocab(c*)          = exp(ℓ_c*)
//! p_choices(c*)        = exp(ℓ_c*) / Σ_c exp(ℓ_c)           (softmax over the choices)
//! accuracy             = 1 if ℓ_c* > max_{c≠c*} ℓ_c, 0 if <, 1/(1 + t) if tied with t others
//! Brier                = (1/K) Σ_c (p_choices(c) − 1[c = c*])²
//!                      = (1/K) (Σ_c p_choices(c)² − 2 p_choices(c*) + 1)
//! ```
//!
//! [`Agg`] keeps only what these need — the correct choice's ℓ, the largest incorrect ℓ and how
//! many incorrect choices share it, and running log-sum-exps of ℓ and of 2ℓ (Σ p² =
//! exp(LSE(2ℓ) − 2 LSE(ℓ))) — so rows can arrive one at a time, in any order, in bounded memory.

use serde::{Deserialize, Serialize};

/// The metrics of the chain, in chain order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// log p_vocab(correct).
    LogPVocab,
    /// p_vocab(correct).
    PVocab,
    /// p_choices(correct).
    PChoices,
    /// Accuracy (argmax over the choices is the correct one).
    Accuracy,
    /// Brier score; correlated with compute as −Brier so that higher is better everywhere.
    NegBrier,
}

impl Metric {
    /// All, in chain order.
    pub const ALL: [Metric; 5] = [
        Metric::LogPVocab,
        Metric::PVocab,
        Metric::PChoices,
        Metric::Accuracy,
        Metric::NegBrier,
    ];

    /// Column name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::LogPVocab => "log_p_vocab",
            Metric::PVocab => "p_vocab",
            Metric::PChoices => "p_choices",
            Metric::Accuracy => "accuracy",
            Metric::NegBrier => "neg_brier",
        }
    }

    /// Label for figures and reports.
    pub fn label(self) -> &'static str {
        match self {
            Metric::LogPVocab => "log p_vocab(correct)",
            Metric::PVocab => "p_vocab(correct)",
            Metric::PChoices => "p_choices(correct)",
            Metric::Accuracy => "accuracy",
            Metric::NegBrier => "−Brier score",
        }
    }
}

/// One (model, sample)'s metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    /// ℓ_c*.
    pub log_p_vocab: f64,
    /// exp(ℓ_c*).
    pub p_vocab: f64,
    /// Softmax over the choices at c*.
    pub p_choices: f64,
    /// 1, 0, or 1/(1 + t) on a tie with t incorrect choices.
    pub accuracy: f64,
    /// Mean over the choices of (p_choices(c) − 1[c = c*])² (lower is better).
    pub brier: f64,
}

impl Chain {
    /// The value correlated with compute for `m` (Brier negated: higher is better).
    pub fn get(&self, m: Metric) -> f64 {
        match m {
            Metric::LogPVocab => self.log_p_vocab,
            Metric::PVocab => self.p_vocab,
            Metric::PChoices => self.p_choices,
            Metric::Accuracy => self.accuracy,
            Metric::NegBrier => -self.brier,
        }
    }
}

/// A running log-sum-exp: max and Σ exp(v − max).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Lse {
    max: f64,
    sum: f64,
}

impl Lse {
    const EMPTY: Lse = Lse {
        max: f64::NEG_INFINITY,
        sum: 0.0,
    };

    fn push(&mut self, v: f64) {
        if v > self.max {
            self.sum = self.sum * (self.max - v).exp() + 1.0;
            self.max = v;
        } else {
            self.sum += (v - self.max).exp();
        }
    }

    fn value(&self) -> f64 {
        self.max + self.sum.ln()
    }
}

/// What is wrong with a (model, sample)'s rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// A second row marked correct.
    #[error("a second choice marked correct (exactly one must be)")]
    TwoCorrect,
    /// No row marked correct.
    #[error("no choice marked correct (exactly one must be)")]
    NoCorrect,
    /// Fewer than two choices.
    #[error("only {0} choice(s); a multiple-choice sample needs at least 2")]
    TooFewChoices(u32),
}

/// The running aggregate of one (model, sample): constant size, whatever the number of choices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Agg {
    choices: u32,
    correct: Option<f64>,
    max_incorrect: f64,
    tied_at_max: u32,
    lse: Lse,
    lse2: Lse,
}

impl Default for Agg {
    fn default() -> Self {
        Agg {
            choices: 0,
            correct: None,
            max_incorrect: f64::NEG_INFINITY,
            tied_at_max: 0,
            lse: Lse::EMPTY,
            lse2: Lse::EMPTY,
        }
    }
}

impl Agg {
    /// Adds one choice's log-likelihood (finite; the caller checks).
    pub fn push(&mut self, loglik: f64, correct: bool) -> Result<(), ChainError> {
        if correct {
            if self.correct.is_some() {
                return Err(ChainError::TwoCorrect);
            }
            self.correct = Some(loglik);
        } else if loglik > self.max_incorrect {
            self.max_incorrect = loglik;
            self.tied_at_max = 1;
        } else if loglik == self.max_incorrect {
            self.tied_at_max += 1;
        }
        self.choices += 1;
        self.lse.push(loglik);
        self.lse2.push(2.0 * loglik);
        Ok(())
    }

    /// Choices seen.
    pub fn choices(&self) -> u32 {
        self.choices
    }

    /// The chain of metrics.
    ///
    /// ```
    /// use engram::scaling::chain::Agg;
    /// // p_vocab = 0.2, 0.1, 0.1 (correct first): p_choices = 0.5, 0.25, 0.25
    /// let mut a = Agg::default();
    /// for (l, c) in [(0.2f64.ln(), true), (0.1f64.ln(), false), (0.1f64.ln(), false)] {
    ///     a.push(l, c).unwrap();
    /// }
    /// let ch = a.finish().unwrap();
    /// assert!((ch.p_vocab - 0.2).abs() < 1e-12 && (ch.p_choices - 0.5).abs() < 1e-12);
    /// assert_eq!(ch.accuracy, 1.0);
    /// assert!((ch.brier - 0.125).abs() < 1e-12); // (0.25 + 0.0625 + 0.0625) / 3
    /// ```
    pub fn finish(&self) -> Result<Chain, ChainError> {
        let Some(lc) = self.correct else {
            return Err(ChainError::NoCorrect);
        };
        if self.choices < 2 {
            return Err(ChainError::TooFewChoices(self.choices));
        }
        let lse = self.lse.value();
        let p_choices = (lc - lse).exp();
        let sum_sq = (self.lse2.value() - 2.0 * lse).exp();
        let brier = ((sum_sq - 2.0 * p_choices + 1.0) / f64::from(self.choices)).max(0.0);
        let accuracy = if lc > self.max_incorrect {
            1.0
        } else if lc < self.max_incorrect {
            0.0
        } else {
            1.0 / (1.0 + f64::from(self.tied_at_max))
        };
        Ok(Chain {
            log_p_vocab: lc,
            p_vocab: lc.exp(),
            p_choices,
            accuracy,
            brier,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(rows: &[(f64, bool)]) -> Result<Chain, ChainError> {
        let mut a = Agg::default();
        for &(l, c) in rows {
            a.push(l, c)?;
        }
        a.finish()
    }

    /// Worked example (docs/scaling.md §Worked example): ℓ = ln 0.3 (correct), ln 0.3, ln 0.1,
    /// ln 0.1. p_choices = 0.3/0.8 = 0.375; tie with one incorrect choice: accuracy 1/2;
    /// Brier = ((0.375 − 1)² + 0.375² + 0.125² + 0.125²)/4 = (0.390625 + 0.140625 + 0.03125)/4.
    #[test]
    fn worked_example_with_a_tie() {
        let l = |p: f64| p.ln();
        let c = chain(&[
            (l(0.1), false),
            (l(0.3), true),
            (l(0.3), false),
            (l(0.1), false),
        ])
        .unwrap();
        assert!((c.log_p_vocab - l(0.3)).abs() < 1e-15);
        assert!((c.p_vocab - 0.3).abs() < 1e-12);
        assert!((c.p_choices - 0.375).abs() < 1e-12);
        assert_eq!(c.accuracy, 0.5);
        assert!((c.brier - 0.5625 / 4.0).abs() < 1e-12, "{}", c.brier);
    }

    #[test]
    fn order_of_rows_does_not_matter_beyond_rounding() {
        let rows = [(-3.0, false), (-1.0, true), (-2.0, false), (-9.0, false)];
        let a = chain(&rows).unwrap();
        let mut rev = rows;
        rev.reverse();
        let b = chain(&rev).unwrap();
        assert!((a.p_choices - b.p_choices).abs() < 1e-15);
        assert!((a.brier - b.brier).abs() < 1e-15);
        assert_eq!(a.accuracy, 1.0);
        // direct softmax
        let z: f64 = rows.iter().map(|r| r.0.exp()).sum();
        assert!((a.p_choices - (-1.0f64).exp() / z).abs() < 1e-15);
        let brier: f64 = rows
            .iter()
            .map(|r| (r.0.exp() / z - f64::from(u8::from(r.1))).powi(2))
            .sum::<f64>()
            / 4.0;
        assert!((a.brier - brier).abs() < 1e-15);
    }

    #[test]
    fn bad_samples_are_refused() {
        assert_eq!(
            chain(&[(-1.0, true), (-2.0, true)]),
            Err(ChainError::TwoCorrect)
        );
        assert_eq!(
            chain(&[(-1.0, false), (-2.0, false)]),
            Err(ChainError::NoCorrect)
        );
        assert_eq!(chain(&[(-1.0, true)]), Err(ChainError::TooFewChoices(1)));
        // far-apart log-likelihoods do not overflow
        let c = chain(&[(-1000.0, true), (-1.0, false)]).unwrap();
        assert_eq!(c.accuracy, 0.0);
        assert!(c.p_choices < 1e-300 && (c.brier - 1.0).abs() < 1e-12);
    }
}
