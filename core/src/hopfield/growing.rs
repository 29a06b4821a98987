//! Growing memories (docs/hopfield.md, "Growing memories"): an online Gaussian mixture with a
//! Chinese-restaurant-process prior that creates a new memory when no existing one explains a datum.

use crate::error::check_len;
use crate::softmax::{check_finite, sq_dist};
use crate::{Error, Real, Result};

/// How a datum is assigned to memories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AssignRule {
    /// MAP assignment: the datum goes wholly to the most probable option (a new memory only if it
    /// is strictly more probable than every existing one).
    Hard,
    /// Proportional (ELBO/variational) assignment: every memory moves by its responsibility; a new
    /// memory is created when r_new > ½, otherwise the new option's share is redistributed over the
    /// existing memories in proportion (rₖ ← rₖ / (1 − r_new)), so the counts always sum to the
    /// number of data seen.
    Soft,
}

/// What to do when a new memory wins but all `K` slots are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FullPolicy {
    /// Return [`Error::CapacityExceeded`] and leave the memories and counts unchanged.
    Error,
    /// Give the new memory's share to the existing memory nearest the datum (Euclidean; the first
    /// on a tie).
    MergeIntoNearest,
}

/// Where a datum went ([`GrowingMemory::observe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Assigned {
    /// To an existing memory (for [`AssignRule::Soft`]: the one with the largest share).
    Existing(usize),
    /// A new memory was created at this index.
    Created(usize),
    /// A new memory won but the store was full: merged into this one
    /// ([`FullPolicy::MergeIntoNearest`]).
    Merged(usize),
}

impl Assigned {
    /// The memory index.
    pub fn index(self) -> usize {
        match self {
            Assigned::Existing(k) | Assigned::Created(k) | Assigned::Merged(k) => k,
        }
    }
}

/// Parameters of a [`GrowingMemory`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CrpConfig<T> {
    /// CRP concentration α > 0: the prior weight of "a new memory".
    pub alpha: T,
    /// σ² > 0: the variance of a datum around its memory, N(x; ρₖ, σ²I).
    pub sigma2: T,
    /// σ₀² ≥ 0: the prior variance of a new memory's mean around μ₀, so a new memory's predictive
    /// likelihood is N(x; μ₀, (σ² + σ₀²) I).
    pub prior_var: T,
    /// Hard or soft assignment.
    pub rule: AssignRule,
    /// What to do when full.
    pub full: FullPolicy,
}

/// An online Gaussian-mixture memory with a CRP prior and at most `K` memories of dimension `D`,
/// in fixed storage (`heapless::Vec`s; about (K·(D + 2) + D + 6) scalars), O(K·D) per datum.
///
/// For the n-th datum x (n = 1, 2, …), with memories ρₖ and counts Nₖ (Σₖ Nₖ = n − 1):
///
/// ```text
/// r_k   ∝ Nₖ/(α+n−1) · N(x; ρₖ, σ²I)                    (existing memory k)
/// r_new ∝ α/(α+n−1)  · N(x; μ₀, (σ²+σ₀²)I)              (a new memory)
/// ```
///
/// computed in the log domain (logits ln Nₖ − ‖x−ρₖ‖²/(2σ²) − (D/2) ln(2πσ²) and
/// ln α − ‖x−μ₀‖²/(2(σ²+σ₀²)) − (D/2) ln(2π(σ²+σ₀²)); the common 1/(α+n−1) cancels), normalised by a
/// max-shifted softmax (sum over k in order, then the new option). A memory that absorbs a share r
/// is updated by Nₖ += r, ρₖ += (r/Nₖ)(x − ρₖ) (a running mean); a new memory starts at ρ = x with
/// count 1 ([`AssignRule::Hard`]) or r_new ([`AssignRule::Soft`]).
///
/// ```
/// use engram_core::hopfield::{AssignRule, Assigned, CrpConfig, FullPolicy, GrowingMemory};
/// let cfg = CrpConfig {
///     alpha: 1.0f32,
///     sigma2: 0.25,
///     prior_var: 100.0,
///     rule: AssignRule::Hard,
///     full: FullPolicy::Error,
/// };
/// let mut mem = GrowingMemory::<f32, 4, 2>::new(cfg, [0.0; 2])?;
/// assert_eq!(mem.observe(&[5.0, 5.0])?, Assigned::Created(0));
/// assert_eq!(mem.observe(&[5.2, 4.8])?, Assigned::Existing(0));
/// assert_eq!(mem.observe(&[-5.0, 5.0])?, Assigned::Created(1));
/// assert_eq!(mem.mean(0), Some(&[5.1, 4.9]));
/// assert_eq!(mem.count(0), Some(2.0));
/// # Ok::<(), engram_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GrowingMemory<T: Real, const K: usize, const D: usize> {
    config: CrpConfig<T>,
    prior_mean: [T; D],
    means: heapless::Vec<[T; D], K>,
    counts: heapless::Vec<T, K>,
    resp: [T; K],
    resp_new: T,
    resp_len: usize,
    seen: usize,
}

impl<T: Real, const K: usize, const D: usize> GrowingMemory<T, K, D> {
    /// An empty memory with prior mean μ₀ = `prior_mean`.
    ///
    /// Errors: [`Error::InvalidParameter`] unless α > 0, σ² > 0 and σ₀² ≥ 0; [`Error::NonFinite`]
    /// for a NaN or infinite parameter or prior mean; [`Error::InvalidParameter`] if `D = 0`.
    pub fn new(config: CrpConfig<T>, prior_mean: [T; D]) -> Result<Self> {
        check_finite(
            "GrowingMemory: alpha, sigma2, prior_var",
            &[config.alpha, config.sigma2, config.prior_var],
        )?;
        check_finite("GrowingMemory: prior_mean", &prior_mean)?;
        let ok = config.alpha > T::ZERO && config.sigma2 > T::ZERO && config.prior_var >= T::ZERO;
        if !ok || D == 0 {
            return Err(Error::InvalidParameter {
                what: "GrowingMemory: need alpha > 0, sigma2 > 0, prior_var >= 0, D >= 1",
            });
        }
        Ok(Self {
            config,
            prior_mean,
            means: heapless::Vec::new(),
            counts: heapless::Vec::new(),
            resp: [T::ZERO; K],
            resp_new: T::ZERO,
            resp_len: 0,
            seen: 0,
        })
    }

    /// The parameters.
    pub fn config(&self) -> &CrpConfig<T> {
        &self.config
    }

    /// Number of memories.
    pub fn len(&self) -> usize {
        self.means.len()
    }

    /// Whether there is no memory yet.
    pub fn is_empty(&self) -> bool {
        self.means.is_empty()
    }

    /// The capacity K.
    pub const fn capacity(&self) -> usize {
        K
    }

    /// Data observed successfully.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// The memories ρₖ.
    pub fn means(&self) -> &[[T; D]] {
        &self.means
    }

    /// The counts Nₖ (integers for [`AssignRule::Hard`], sums of responsibilities for `Soft`).
    pub fn counts(&self) -> &[T] {
        &self.counts
    }

    /// Memory k, or `None` if k ≥ [`len`](Self::len).
    pub fn mean(&self, k: usize) -> Option<&[T; D]> {
        self.means.get(k)
    }

    /// Count of memory k, or `None` if k ≥ [`len`](Self::len).
    pub fn count(&self, k: usize) -> Option<T> {
        self.counts.get(k).copied()
    }

    /// The responsibilities of the latest [`observe`](Self::observe) call (also one that returned
    /// `CapacityExceeded`): (r₀ … r_{len−1} over the memories that existed then, r_new). Before any
    /// call, empty and 0.
    pub fn responsibilities(&self) -> (&[T], T) {
        (self.resp.get(..self.resp_len).unwrap_or(&[]), self.resp_new)
    }

    /// The memory nearest `x` in Euclidean distance (the first on a tie), or `None` if there is none
    /// or `x.len() != D`.
    pub fn nearest(&self, x: &[T]) -> Option<usize> {
        if x.len() != D {
            return None;
        }
        let mut best: Option<(usize, T)> = None;
        for (k, rho) in self.means.iter().enumerate() {
            let d2 = sq_dist(x, rho);
            if best.is_none_or(|(_, b)| d2 < b) {
                best = Some((k, d2));
            }
        }
        best.map(|(k, _)| k)
    }

    /// Nₖ += r, ρₖ += (r/Nₖ)(x − ρₖ).
    fn absorb(&mut self, k: usize, x: &[T], r: T) {
        if let (Some(rho), Some(nk)) = (self.means.get_mut(k), self.counts.get_mut(k)) {
            *nk += r;
            let step = r / *nk;
            for (m, &xi) in rho.iter_mut().zip(x) {
                *m += step * (xi - *m);
            }
        }
    }

    fn create(&mut self, x: &[T], count: T) -> Result<usize> {
        let mut rho = [T::ZERO; D];
        for (m, &xi) in rho.iter_mut().zip(x) {
            *m = xi;
        }
        let k = self.means.len();
        let full = Error::CapacityExceeded {
            what: "GrowingMemory",
            capacity: K,
        };
        self.means.push(rho).map_err(|_| full)?;
        if self.counts.push(count).is_err() {
            self.means.pop();
            return Err(full);
        }
        Ok(k)
    }

    /// The memory a full store merges into, or the capacity error.
    fn merge_target(&self, x: &[T]) -> Result<usize> {
        let full = Error::CapacityExceeded {
            what: "GrowingMemory",
            capacity: K,
        };
        match self.config.full {
            FullPolicy::Error => Err(full),
            FullPolicy::MergeIntoNearest => self.nearest(x).ok_or(full),
        }
    }

    /// Log-domain responsibilities into `self.resp[..len]` and `self.resp_new`; returns the index of
    /// the largest existing logit (first on a tie) and whether "new" beats it strictly.
    fn responsibilities_for(&mut self, x: &[T]) -> Result<(Option<usize>, bool)> {
        self.resp_len = 0;
        self.resp_new = T::ZERO;
        let half = T::from_f64(0.5);
        let two_pi = T::PI + T::PI;
        let half_d = T::from_usize(D) * half;
        let s2 = self.config.sigma2;
        let var_new = s2 + self.config.prior_var;
        let c_old = half_d * (two_pi * s2).ln();
        let l_new = self.config.alpha.ln()
            - sq_dist(x, &self.prior_mean) / (var_new + var_new)
            - half_d * (two_pi * var_new).ln();
        let mut best: Option<(usize, T)> = None;
        for (k, ((r, rho), &nk)) in self
            .resp
            .iter_mut()
            .zip(&self.means)
            .zip(&self.counts)
            .enumerate()
        {
            let l = nk.ln() - sq_dist(x, rho) / (s2 + s2) - c_old;
            *r = l;
            if best.is_none_or(|(_, b)| l > b) {
                best = Some((k, l));
            }
        }
        let top = best.map_or(l_new, |(_, b)| b.max(l_new));
        if !top.is_finite() {
            return Err(Error::NonFinite {
                what: "GrowingMemory: log-likelihood of x",
            });
        }
        let len = self.means.len();
        let mut sum = T::ZERO;
        for r in self.resp.iter_mut().take(len) {
            *r = (*r - top).exp();
            sum += *r;
        }
        let e_new = (l_new - top).exp();
        sum += e_new;
        for r in self.resp.iter_mut().take(len) {
            *r = *r / sum;
        }
        self.resp_new = e_new / sum;
        self.resp_len = len;
        let new_wins = best.is_none_or(|(_, b)| l_new > b);
        Ok((best.map(|(k, _)| k), new_wins))
    }

    /// Observes one datum `x` (length D) and returns where it went.
    ///
    /// Errors: [`Error::DimensionMismatch`] if `x.len() != D`; [`Error::NonFinite`] for a NaN or
    /// infinite entry (or an overflowing distance); [`Error::CapacityExceeded`] when a new memory
    /// wins, all K slots are taken and the policy is [`FullPolicy::Error`] — then the memories,
    /// counts and [`seen`](Self::seen) are unchanged.
    pub fn observe(&mut self, x: &[T]) -> Result<Assigned> {
        check_len("GrowingMemory: x", D, x.len())?;
        check_finite("GrowingMemory: x", x)?;
        let (best, new_wins) = self.responsibilities_for(x)?;
        let full = self.means.is_full();
        let assigned = match self.config.rule {
            AssignRule::Hard => self.observe_hard(x, best, new_wins, full)?,
            AssignRule::Soft => self.observe_soft(x, full)?,
        };
        self.seen += 1;
        Ok(assigned)
    }

    fn observe_hard(
        &mut self,
        x: &[T],
        best: Option<usize>,
        new_wins: bool,
        full: bool,
    ) -> Result<Assigned> {
        match (new_wins, best) {
            (true, _) if !full => Ok(Assigned::Created(self.create(x, T::ONE)?)),
            (true, _) => {
                let k = self.merge_target(x)?;
                self.absorb(k, x, T::ONE);
                Ok(Assigned::Merged(k))
            }
            (false, Some(k)) => {
                self.absorb(k, x, T::ONE);
                Ok(Assigned::Existing(k))
            }
            // "New" loses only to an existing memory, so `best` is set here.
            (false, None) => Err(Error::InvalidParameter {
                what: "GrowingMemory: no memory to assign to",
            }),
        }
    }

    fn observe_soft(&mut self, x: &[T], full: bool) -> Result<Assigned> {
        let len = self.means.len();
        let r_new = self.resp_new;
        let create = len == 0 || r_new > T::from_f64(0.5);
        // Decide everything before the first change, so a capacity error leaves the state alone.
        let merge_into = if create && full {
            Some(self.merge_target(x)?)
        } else {
            None
        };
        // Without a new memory, its share is spread over the others in proportion.
        let scale = if create {
            T::ONE
        } else {
            T::ONE / (T::ONE - r_new)
        };
        let mut best = (0, T::ZERO);
        for k in 0..len {
            let mut r = self.resp.get(k).copied().unwrap_or(T::ZERO) * scale;
            if merge_into == Some(k) {
                r += r_new;
            }
            if r > best.1 {
                best = (k, r);
            }
            self.absorb(k, x, r);
        }
        Ok(match (create, merge_into) {
            (true, Some(k)) => Assigned::Merged(k),
            (true, None) => Assigned::Created(self.create(x, r_new)?),
            (false, _) => Assigned::Existing(best.0),
        })
    }
}
