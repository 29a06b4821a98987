//! Pearson, Spearman and Kendall τ-b correlation of two equal-length samples (docs/scaling.md
//! §Correlations), the three statistics Schaeffer et al. (arXiv:2406.04391) compute per sample
//! between a metric and log10 compute across a model family.
//!
//! Each returns `None` when the correlation is undefined: fewer than two pairs, lengths differ, a
//! value is not finite, or one side is constant (zero variance / all pairs tied). Sums run in
//! index order, in f64.

/// Pearson's r = Σ(xᵢ − x̄)(yᵢ − ȳ) / √(Σ(xᵢ − x̄)² Σ(yᵢ − ȳ)²), clamped to [−1, 1].
///
/// ```
/// use engram::scaling::correlate::pearson;
/// let r = pearson(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 1.0, 4.0, 3.0, 5.0]).unwrap();
/// assert!((r - 0.8).abs() < 1e-12);
/// assert_eq!(pearson(&[1.0, 2.0], &[3.0, 3.0]), None);
/// ```
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    // √(sxx·syy) when the product is a normal number (exact for equal perfect ranks), else the
    // product of the roots (no underflow for tiny variances)
    let prod = sxx * syy;
    let den = if prod.is_normal() {
        prod.sqrt()
    } else {
        sxx.sqrt() * syy.sqrt()
    };
    Some((sxy / den).clamp(-1.0, 1.0))
}

/// Ranks 1…n with ties given the mean of the ranks they span ("average" ranks, as
/// `scipy.stats.rankdata` by default). Values must be finite.
///
/// ```
/// use engram::scaling::correlate::ranks;
/// assert_eq!(ranks(&[10.0, 20.0, 20.0, 5.0]), vec![2.0, 3.5, 3.5, 1.0]);
/// ```
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && v[order[j]] == v[order[i]] {
            j += 1;
        }
        // positions i..j (0-based) hold equal values: ranks i+1 … j, mean (i + 1 + j) / 2
        let mean = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            r[k] = mean;
        }
        i = j;
    }
    r
}

/// Spearman's ρ: Pearson's r of the average ranks (ties handled as `scipy.stats.spearmanr`).
///
/// ```
/// use engram::scaling::correlate::spearman;
/// // ties on both sides: ranks (1, 2.5, 2.5, 4) and (1, 2, 3.5, 3.5) give 3.75 / 4.5
/// let r = spearman(&[1.0, 2.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 3.0]).unwrap();
/// assert!((r - 3.75 / 4.5).abs() < 1e-12);
/// ```
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    pearson(&ranks(x), &ranks(y))
}

/// Kendall's τ-b = (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂)) over all n₀ = n(n − 1)/2 pairs: n_c
/// concordant, n_d discordant, n₁ tied in x, n₂ tied in y (a pair tied in both counts in both).
/// Exact O(n²) pair count (n is the number of models in a family: small).
///
/// ```
/// use engram::scaling::correlate::kendall_tau_b;
/// // no ties: 8 concordant, 2 discordant pairs of 10
/// let t = kendall_tau_b(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 1.0, 4.0, 3.0, 5.0]).unwrap();
/// assert!((t - 0.6).abs() < 1e-12);
/// // ties: n_c = 4, n_d = 0, one pair tied in x, one in y: 4 / √(5·5)
/// let t = kendall_tau_b(&[1.0, 2.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 3.0]).unwrap();
/// assert!((t - 0.8).abs() < 1e-12);
/// ```
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let n = x.len();
    let (mut nc, mut nd, mut tx, mut ty) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..n {
        for j in i + 1..n {
            let dx = x[i].total_cmp(&x[j]);
            let dy = y[i].total_cmp(&y[j]);
            use std::cmp::Ordering::Equal;
            match (dx, dy) {
                (Equal, Equal) => {
                    tx += 1;
                    ty += 1;
                }
                (Equal, _) => tx += 1,
                (_, Equal) => ty += 1,
                (a, b) if a == b => nc += 1,
                _ => nd += 1,
            }
        }
    }
    let n0 = (n * (n - 1) / 2) as u64;
    let (a, b) = ((n0 - tx) as f64, (n0 - ty) as f64);
    if a <= 0.0 || b <= 0.0 {
        return None;
    }
    Some(((nc as f64 - nd as f64) / (a * b).sqrt()).clamp(-1.0, 1.0))
}

/// Which correlation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// [`pearson`].
    Pearson,
    /// [`spearman`].
    Spearman,
    /// [`kendall_tau_b`].
    Kendall,
}

impl Kind {
    /// All three, in output order.
    pub const ALL: [Kind; 3] = [Kind::Pearson, Kind::Spearman, Kind::Kendall];

    /// Column name (`pearson`, `spearman`, `kendall`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pearson => "pearson",
            Kind::Spearman => "spearman",
            Kind::Kendall => "kendall",
        }
    }

    /// Symbol for figures and reports.
    pub fn symbol(self) -> &'static str {
        match self {
            Kind::Pearson => "Pearson r",
            Kind::Spearman => "Spearman ρ",
            Kind::Kendall => "Kendall τ-b",
        }
    }

    /// The correlation of `x` and `y`.
    pub fn of(self, x: &[f64], y: &[f64]) -> Option<f64> {
        match self {
            Kind::Pearson => pearson(x, y),
            Kind::Spearman => spearman(x, y),
            Kind::Kendall => kendall_tau_b(x, y),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from `tests/fixtures/scaling/correlations.py` (scipy.stats 1.17.1), also in
    /// `tests/fixtures/scaling/correlations.csv`.
    #[test]
    fn agrees_with_scipy_fixture() {
        let text = include_str!("../../../tests/fixtures/scaling/correlations.csv");
        let mut n = 0;
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let parse =
                |s: &str| -> Vec<f64> { s.split(' ').map(|v| v.parse::<f64>().unwrap()).collect() };
            let (x, y) = (parse(f[1]), parse(f[2]));
            for (kind, want) in Kind::ALL.iter().zip(&f[3..6]) {
                let got = kind.of(&x, &y);
                if *want == "nan" {
                    assert_eq!(got, None, "{} {:?}", f[0], kind);
                } else {
                    let w: f64 = want.parse().unwrap();
                    let g = got.unwrap();
                    assert!((g - w).abs() < 1e-12, "{} {:?}: {g} vs {w}", f[0], kind);
                }
            }
            n += 1;
        }
        assert!(n >= 6);
    }

    #[test]
    fn undefined_cases() {
        assert_eq!(pearson(&[1.0], &[2.0]), None);
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[1.0, 2.0]), None);
        assert_eq!(kendall_tau_b(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(pearson(&[1.0, f64::NAN], &[1.0, 2.0]), None);
        assert_eq!(kendall_tau_b(&[1.0, 2.0], &[2.0, 1.0]), Some(-1.0));
    }
}
