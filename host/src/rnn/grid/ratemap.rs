//! Rate maps: the mean activity of each unit per spatial bin (DeepMind's `calculate_ratemap`,
//! `binned_statistic_2d(..., statistic='mean')`), rows = y bins.
//!
//! A square box of side L centred on 0 is cut into n × n bins; position (x, y) falls in
//! column ⌊(x + L/2)/L · n⌋ and row ⌊(y + L/2)/L · n⌋, clamped to [0, n − 1]. Bins never visited
//! are NaN.
//!
//! ```
//! use engram::rnn::grid::ratemap::RateMaps;
//! let mut r = RateMaps::new(2, 1, 2.0);
//! r.add(-0.5, -0.5, &[1.0]);
//! r.add(-0.5, -0.5, &[3.0]);
//! let maps = r.maps();
//! assert_eq!(maps[0][0], 2.0);
//! assert!(maps[0][3].is_nan());
//! ```

/// Accumulates per-bin sums and visits for several units.
#[derive(Debug, Clone)]
pub struct RateMaps {
    n: usize,
    units: usize,
    side: f64,
    /// Unit-major sums: `sums[u·n² + bin]`.
    sums: Vec<f64>,
    counts: Vec<u64>,
}

impl RateMaps {
    /// Empty maps of `units` units, `n × n` bins over a box of side `side` centred on 0.
    pub fn new(n: usize, units: usize, side: f64) -> Self {
        RateMaps {
            n,
            units,
            side,
            sums: vec![0.0; n * n * units],
            counts: vec![0; n * n],
        }
    }

    /// The bin of a position.
    pub fn bin(&self, x: f64, y: f64) -> usize {
        let b = |v: f64| {
            let f = ((v + self.side / 2.0) / self.side * self.n as f64).floor();
            (f.max(0.0) as usize).min(self.n - 1)
        };
        b(y) * self.n + b(x)
    }

    /// Adds one sample: position and every unit's activity.
    pub fn add(&mut self, x: f64, y: f64, act: &[f64]) {
        let b = self.bin(x, y);
        self.add_bin(b, act);
    }

    /// Adds one sample to bin `b`.
    pub fn add_bin(&mut self, b: usize, act: &[f64]) {
        let nn = self.n * self.n;
        self.counts[b] += 1;
        for (u, a) in act.iter().take(self.units).enumerate() {
            self.sums[u * nn + b] += a;
        }
    }

    /// Merges another accumulator of the same shape (sums add in a fixed order).
    pub fn merge(&mut self, other: &RateMaps) {
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// Visits per bin.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The maps (one `n²` vector per unit), NaN in unvisited bins.
    pub fn maps(&self) -> Vec<Vec<f64>> {
        let nn = self.n * self.n;
        (0..self.units)
            .map(|u| {
                (0..nn)
                    .map(|b| {
                        let c = self.counts[b];
                        if c == 0 {
                            f64::NAN
                        } else {
                            self.sums[u * nn + b] / c as f64
                        }
                    })
                    .collect()
            })
            .collect()
    }
}
