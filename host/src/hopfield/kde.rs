//! `engram hopfield kde-capacity`: how many random points a Gaussian KDE holds as memories
//! (Schaeffer et al., arXiv:2402.10202; docs/hopfield.md, "KDE view").
//!
//! N iid points uniform on the sphere of radius √D in R^D, bandwidth σ² = 1/β. From each probe datum
//! run mean-shift (the modern Hopfield update on equal-norm points) until a step is shorter than
//! 10⁻⁹·√D or 100 steps; the datum is a *memory* if the limit lies within 0.1·√D of it and the datum
//! is still the nearest point to the limit. N runs over the grid round(2^(k/2)), searched upward or
//! downward from e^{α_c D}/4 until the memory fraction brackets ½; N50 is interpolated linearly in
//! ln N. Laplace estimate (docs/hopfield.md#kde-capacity): ln N* ≈ α_c(β)·D with
//!
//! ```text
//! α_c(β) = β(1 − u₀) − ½ ln(1 − u₀²),   u₀ = (√(1 + 4β²) − 1)/(2β)
//! ```
//!
//! (α_c = 0.3870 at β = ½, 0.6226 at β = 1). Check: the least-squares slope of ln N50 against D is
//! within 10 % of α_c(β) for every β.
//!
//! Stream of dataset t at (D, N): `Rng::keyed(seed, [key_str("engram/hopfield/kde/v1"), D, N, t])`
//! (normal rows, normalised, scaled by √D; shared by every β). Each point uses ⌈probes/N⌉ datasets
//! with up to N probes each. Kernels: host batched `f64` mean-shift ([`Batched::kde`], default) or
//! the core's `GaussianKde::run`.

use std::fmt;
use std::str::FromStr;

use engram_core::hopfield::{GaussianKde, normalize_rows};
use engram_core::rng::{Rng, key_str};
use serde::{Deserialize, Serialize};

use super::num;
use super::retrieval::{Batched, RowInfo};
pub use crate::experiment::Kernel;
use crate::experiment::plot::{Figure, Marker, Series, draw};
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size, at_least,
    at_most, bad, distinct, in_range, non_empty, positive,
};

/// Dimensions D, one comma list per β, lists separated by `;` (`"12,16;8,11"`): the `--dims` flag
/// and the TOML key `dims` hold the same string. It is kept as given and parsed by
/// [`lists`](Self::lists), so a malformed value is reported by validation, in one line naming
/// `dims`.
///
/// ```
/// use engram::hopfield::kde::DimLists;
/// let d: DimLists = "12,16;8,11".parse().unwrap();
/// assert_eq!(d.lists().unwrap(), vec![vec![12, 16], vec![8, 11]]);
/// assert_eq!(DimLists::new(&[vec![12, 16], vec![8, 11]]), d);
/// let e = "12,x".parse::<DimLists>().unwrap().lists().unwrap_err();
/// assert_eq!(e.field, "dims");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimLists(String);

impl DimLists {
    /// The text of `lists`.
    pub fn new(lists: &[Vec<usize>]) -> Self {
        let lists: Vec<String> = lists
            .iter()
            .map(|l| l.iter().map(usize::to_string).collect::<Vec<_>>().join(","))
            .collect();
        DimLists(lists.join(";"))
    }

    /// The lists of dimensions, one per β.
    pub fn lists(&self) -> Result<Vec<Vec<usize>>, ConfigError> {
        let s = &self.0;
        s.split(';')
            .map(|l| {
                l.split(',')
                    .map(|v| {
                        v.trim().parse::<usize>().map_err(|_| {
                            bad(
                                "dims",
                                format!(
                                    "{v:?} in {s:?} is not a whole number (e.g. \"12,15;8,10\")"
                                ),
                            )
                        })
                    })
                    .collect()
            })
            .collect()
    }
}

impl FromStr for DimLists {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(DimLists(s.trim().to_owned()))
    }
}

impl fmt::Display for DimLists {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for DimLists {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DimLists {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(DimLists(String::deserialize(d)?.trim().to_owned()))
    }
}

/// Parameters of the KDE capacity search: the flags of `engram hopfield kde-capacity` and its TOML
/// keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct KdeConfig {
    /// Inverse bandwidths β = 1/σ² (list).
    #[arg(
        long,
        value_delimiter = ',',
        allow_negative_numbers = true,
        default_value = "0.5,1"
    )]
    pub beta: Vec<f64>,
    /// Dimensions D, one comma list per β, lists separated by ';'.
    #[arg(long, default_value = "12,16,20,24,28;8,11,14,17,20")]
    pub dims: DimLists,
    /// Probe data per (β, D, N).
    #[arg(long, default_value_t = 128)]
    pub probes: usize,
    /// Mean-shift step limit.
    #[arg(long, default_value_t = 100)]
    pub max_iter: usize,
    /// Largest N searched.
    #[arg(long, default_value_t = 131072)]
    pub max_n: usize,
    /// Master seed; results depend only on (config, seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Implementation.
    #[arg(long, value_enum, default_value_t = Kernel::Host)]
    pub kernel: Kernel,
}

impl Default for KdeConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for KdeConfig {}

/// Relative tolerance of the slope check.
pub const SLOPE_TOL: f64 = 0.10;
/// Largest β (σ = 10⁻³: beyond it every datum is trivially its own memory).
pub const MAX_BETA: f64 = 1e6;
/// Largest dimension D.
pub const MAX_DIM: usize = 1024;
/// Largest probe count, mean-shift step limit.
pub const MAX_PROBES: usize = 1 << 20;
/// Largest N searched.
pub const MAX_N: usize = 1 << 24;

/// The Laplace-method capacity exponent α_c(β) (docs/hopfield.md).
pub fn alpha_c(beta: f64) -> f64 {
    let u0 = ((1.0 + 4.0 * beta * beta).sqrt() - 1.0) / (2.0 * beta);
    beta * (1.0 - u0) - 0.5 * (1.0 - u0 * u0).ln()
}

impl KdeConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        non_empty("beta", &self.beta)?;
        for &b in &self.beta {
            positive("beta", b)?;
            in_range("beta", b, 0.0, MAX_BETA)?;
        }
        distinct("beta", &self.beta)?;
        let dims = self.dims.lists()?;
        if dims.len() != self.beta.len() {
            return Err(bad(
                "dims",
                format!(
                    "give one D list per β ({} β, {} lists; separate lists with ';')",
                    self.beta.len(),
                    dims.len()
                ),
            ));
        }
        for l in &dims {
            if l.len() < 2 {
                return Err(bad(
                    "dims",
                    "each list needs at least 2 dimensions for a slope",
                ));
            }
            for &d in l {
                at_least("dims", d, 1)?;
                at_most("dims", d, MAX_DIM)?;
            }
            distinct("dims", l)?;
        }
        at_least("probes", self.probes, 1)?;
        at_most("probes", self.probes, MAX_PROBES)?;
        at_least("max-iter", self.max_iter, 1)?;
        at_most("max-iter", self.max_iter, MAX_PROBES)?;
        at_least("max-n", self.max_n, 4)?;
        at_most("max-n", self.max_n, MAX_N)?;
        Ok(())
    }

    /// The (β, D) points in order (β outer); none if `dims` does not parse (see
    /// [`validate`](Self::validate)).
    pub fn points(&self) -> Vec<(f64, usize)> {
        let dims = self.dims.lists().unwrap_or_default();
        self.beta
            .iter()
            .zip(&dims)
            .flat_map(|(&b, ds)| ds.iter().map(move |&d| (b, d)))
            .collect()
    }
}

/// round(2^(k/2)).
pub fn grid_n(k: u32) -> usize {
    2f64.powf(f64::from(k) / 2.0).round() as usize
}

/// The memory fraction at one (β, D, N).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GridPoint {
    /// β.
    pub beta: f64,
    /// D.
    pub d: usize,
    /// N.
    pub n: usize,
    /// Probes that are memories / probes.
    pub fraction: f64,
    /// Probes.
    pub probes: usize,
}

/// What the search at one (β, D) found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Search {
    /// The grid points evaluated, ascending N.
    pub grid: Vec<GridPoint>,
    /// ln N50 (`None` if ½ was not bracketed within [2, max-n]).
    pub ln_n50: Option<f64>,
}

fn dataset(seed: u64, d: usize, n: usize, t: usize) -> anyhow::Result<Vec<f64>> {
    let key = [
        key_str("engram/hopfield/kde/v1"),
        d as u64,
        n as u64,
        t as u64,
    ];
    let mut x = vec![0.0f64; n * d];
    Rng::keyed(seed, &key).fill_normal(&mut x);
    normalize_rows(&mut x, n, d)?;
    let r = (d as f64).sqrt();
    x.iter_mut().for_each(|v| *v *= r);
    Ok(x)
}

fn nearest(x: &[f64], d: usize, xi: &[f64]) -> usize {
    let mut best = (0, f64::INFINITY);
    for (mu, row) in x.chunks_exact(d).enumerate() {
        let d2: f64 = row.iter().zip(xi).map(|(a, b)| (a - b) * (a - b)).sum();
        if d2 < best.1 {
            best = (mu, d2);
        }
    }
    best.0
}

/// Memories among the first `k` data of one dataset.
fn memories(
    cfg: &KdeConfig,
    beta: f64,
    x: &[f64],
    n: usize,
    d: usize,
    k: usize,
) -> anyhow::Result<usize> {
    let r = (d as f64).sqrt();
    let tol = 1e-9 * r;
    let mut xi: Vec<f64> = x[..k * d].to_vec();
    match cfg.kernel {
        Kernel::Host => {
            let net = Batched::kde(x, n, d, beta)?.with_block(32);
            let mut active: Vec<usize> = (0..k).collect();
            let mut q = xi.clone();
            for _ in 0..cfg.max_iter {
                if active.is_empty() {
                    break;
                }
                let mut out = vec![0.0f64; q.len()];
                let mut info = vec![RowInfo::default(); active.len()];
                net.step(&q, &mut out, &mut info)?;
                let mut next_active = Vec::new();
                let mut next_q = Vec::new();
                for (j, &p) in active.iter().enumerate() {
                    let (old, new) = (&q[j * d..(j + 1) * d], &out[j * d..(j + 1) * d]);
                    let step: f64 = old
                        .iter()
                        .zip(new)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                        .sqrt();
                    xi[p * d..(p + 1) * d].copy_from_slice(new);
                    if step > tol {
                        next_active.push(p);
                        next_q.extend_from_slice(new);
                    }
                }
                active = next_active;
                q = next_q;
            }
        }
        Kernel::Core => {
            let kde = GaussianKde::new(x, n, d, beta)?;
            let mut scratch = vec![0.0f64; n + d];
            for p in 0..k {
                kde.run(&mut xi[p * d..(p + 1) * d], &mut scratch, tol, cfg.max_iter)?;
            }
        }
    }
    let mut count = 0;
    for p in 0..k {
        let lim = &xi[p * d..(p + 1) * d];
        let datum = &x[p * d..(p + 1) * d];
        let dist: f64 = lim
            .iter()
            .zip(datum)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        if dist <= 0.1 * r && nearest(x, d, lim) == p {
            count += 1;
        }
    }
    Ok(count)
}

/// The memory fraction at (β, D, N) over ⌈probes/N⌉ datasets (in parallel, reduced in order);
/// `None` if stopped.
fn evaluate(
    cfg: &KdeConfig,
    beta: f64,
    d: usize,
    n: usize,
    ctx: &PointCtx<'_>,
) -> anyhow::Result<Option<GridPoint>> {
    let sets = cfg.probes.div_ceil(n);
    let Some(per) = ctx.par_map(sets, |t| {
        let k = n.min(cfg.probes - t * n);
        let x = dataset(cfg.seed, d, n, t)?;
        Ok((memories(cfg, beta, &x, n, d, k)?, k))
    })?
    else {
        return Ok(None);
    };
    let (mem, tot) = per.iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    Ok(Some(GridPoint {
        beta,
        d,
        n,
        fraction: mem as f64 / tot as f64,
        probes: tot,
    }))
}

/// The grid exponent the search at (β, D) starts from: round(2·log₂(e^{α_c D}/4)), clamped to
/// [2, k(max-n)].
fn start_k(cfg: &KdeConfig, beta: f64, d: usize) -> (u32, u32) {
    let guess = (alpha_c(beta) * d as f64).exp() / 4.0;
    let k_max = (2.0 * (cfg.max_n as f64).log2()).floor() as u32;
    (((2.0 * guess.log2()).round() as u32).clamp(2, k_max), k_max)
}

/// Searches the grid for the bracket of ½ at (β, D); `None` if stopped.
fn search(
    cfg: &KdeConfig,
    beta: f64,
    d: usize,
    ctx: &PointCtx<'_>,
) -> anyhow::Result<Option<Search>> {
    let (mut k, k_max) = start_k(cfg, beta, d);
    let mut pts: Vec<GridPoint> = Vec::new();
    loop {
        let Some(g) = evaluate(cfg, beta, d, grid_n(k), ctx)? else {
            return Ok(None);
        };
        pts.push(g);
        pts.sort_by_key(|p| p.n);
        let above = pts.iter().rev().find(|p| p.fraction >= 0.5);
        let below = pts.iter().find(|p| p.fraction < 0.5);
        match (above, below) {
            (Some(a), Some(b)) if a.n < b.n && grid_n(k_of(a.n) + 1) == b.n => {
                let (la, lb) = ((a.n as f64).ln(), (b.n as f64).ln());
                let ln50 = la + (a.fraction - 0.5) / (a.fraction - b.fraction) * (lb - la);
                return Ok(Some(Search {
                    grid: pts,
                    ln_n50: Some(ln50),
                }));
            }
            _ if g.fraction >= 0.5 && k < k_max => k += 1,
            _ if g.fraction < 0.5 && k > 2 => k -= 1,
            _ => {
                return Ok(Some(Search {
                    grid: pts,
                    ln_n50: None,
                }));
            }
        }
    }
}

fn k_of(n: usize) -> u32 {
    (2.0 * (n as f64).log2()).round() as u32
}

/// Least-squares slope of y on x.
pub fn slope(pts: &[(f64, f64)]) -> f64 {
    let k = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / k,
        pts.iter().map(|p| p.1).sum::<f64>() / k,
    );
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

/// One check per β: the slope of ln N50 vs D against α_c(β) (`done`: the searches finished, in
/// point order).
pub fn checks(cfg: &KdeConfig, done: &[((f64, usize), &Search)]) -> Vec<Check> {
    let lists = cfg.dims.lists().unwrap_or_default();
    cfg.beta
        .iter()
        .zip(&lists)
        .map(|(&b, dims)| {
            let th = alpha_c(b);
            let what = format!("slope of ln N50 vs D, β = {b}, D ∈ {dims:?}");
            let tol = format!("±{:.0} %", SLOPE_TOL * 100.0);
            let ours: Vec<&((f64, usize), &Search)> =
                done.iter().filter(|((pb, _), _)| *pb == b).collect();
            let pts: Vec<(f64, f64)> = ours
                .iter()
                .filter_map(|((_, d), s)| s.ln_n50.map(|l| (*d as f64, l)))
                .collect();
            if ours.len() < dims.len() {
                return Check::new(what, None).theory(th).not_applicable(format!(
                    "{} of the {} dimensions of β = {b} ran (interrupted or sharded)",
                    ours.len(),
                    dims.len()
                ));
            }
            if pts.len() < 2 {
                return Check::new(what, None).theory(th).failed(
                    tol,
                    format!(
                        "N50 bracketed for only {} of the {} dimensions within N ≤ max-n = {}",
                        pts.len(),
                        dims.len(),
                        cfg.max_n
                    ),
                );
            }
            Check::new(what, Some(slope(&pts)))
                .theory(th)
                .relative(SLOPE_TOL)
        })
        .collect()
}

/// The CSV columns of the grid and of N50.
pub const GRID_HEADER: [&str; 5] = ["beta", "D", "N", "memory_fraction", "probes"];
/// The CSV columns of N50.
pub const N50_HEADER: [&str; 5] = ["beta", "D", "ln_N50", "N50", "alpha_c_times_D"];

/// The KDE capacity search as an [`Experiment`]: one point per (β, D).
#[derive(Debug, Clone)]
pub struct KdeCapacity {
    cfg: KdeConfig,
}

impl Experiment for KdeCapacity {
    type Config = KdeConfig;
    type Point = (f64, usize);
    type Output = Search;

    const NAME: &'static str = "hopfield-kde-capacity";
    const TITLE: &'static str = "Gaussian-KDE memory capacity";
    const RESULTS: &'static str = "hopfield/kde-capacity";
    const UNIT: &'static str = "datasets";

    fn new(cfg: KdeConfig) -> anyhow::Result<Self> {
        cfg.validate()?;
        Ok(KdeCapacity { cfg })
    }

    fn config(&self) -> &KdeConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "Gaussian KDE of N random points on the sphere of radius √D, bandwidth σ² = 1/β; a datum \
         is a memory if mean-shift started at it comes back to it. Laplace estimate (docs/hopfield.md#kde-capacity): \
         ln N50 ≈ α_c(β)·D, α_c(β) = β(1 − u₀) − ½ ln(1 − u₀²), u₀ = (√(1+4β²) − 1)/(2β)."
            .to_owned()
    }

    fn kernels(&self) -> String {
        match self.cfg.kernel {
            Kernel::Host => {
                "host batched f64 mean-shift: faer GEMMs + vectorised exp (pulp), 32 probes per \
                 block"
            }
            Kernel::Core => "engram-core GaussianKde<f64>::run reference, one probe at a time",
        }
        .to_owned()
    }

    fn points(&self) -> Vec<(f64, usize)> {
        self.cfg.points()
    }

    fn label(&self, &(b, d): &(f64, usize)) -> String {
        format!("β={b} D={d}")
    }

    /// About three grid evaluations around the starting N (an estimate: the search may take more).
    fn work(&self, &(b, d): &(f64, usize)) -> u64 {
        let (k, _) = start_k(&self.cfg, b, d);
        (k..k + 3)
            .map(|k| self.cfg.probes.div_ceil(grid_n(k)) as u64)
            .sum()
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let c = &self.cfg;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        let dmax = c.points().iter().map(|p| p.1).max().unwrap_or(1) as u64;
        // One dataset (N × D f64) and its probe states per worker, N ≤ max-n.
        let memory = Size::of("max-n", c.max_n as u64)
            .times("dims", dmax)?
            .times("", 16)?
            .times("", threads)?;
        // About three evaluations per (β, D) near the starting N: probes × max-iter steps of N·D.
        let mut work = 0.0;
        for (b, d) in c.points() {
            let (k, _) = start_k(c, b, d);
            let n = grid_n(k + 1) as f64;
            work += 3.0 * c.probes as f64 * c.max_iter as f64 * n * d as f64 * 4.0;
        }
        Ok(Estimate::new(
            memory,
            Size::of("dims", c.points().len() as u64).times("", 400)?,
            work,
            2e9 * threads as f64,
            "beta/dims/probes/max-iter",
        ))
    }

    fn run_point(
        &self,
        &(b, d): &(f64, usize),
        ctx: &PointCtx<'_>,
    ) -> anyhow::Result<Option<Search>> {
        search(&self.cfg, b, d, ctx)
    }

    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check> {
        let done: Vec<((f64, usize), &Search)> =
            done.iter().map(|d| (*d.point, d.output)).collect();
        checks(&self.cfg, &done)
    }

    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        let grid: Vec<&GridPoint> = done.iter().flat_map(|d| d.output.grid.iter()).collect();
        out.write_csv(
            "kde_grid.csv",
            &GRID_HEADER,
            &grid
                .iter()
                .map(|g| {
                    vec![
                        num(g.beta),
                        g.d.to_string(),
                        g.n.to_string(),
                        num(g.fraction),
                        g.probes.to_string(),
                    ]
                })
                .collect::<Vec<_>>(),
        )?;
        out.write_csv(
            "kde_n50.csv",
            &N50_HEADER,
            &done
                .iter()
                .map(|x| {
                    let (beta, d) = *x.point;
                    let ln = x.output.ln_n50.unwrap_or(f64::NAN);
                    vec![
                        num(beta),
                        d.to_string(),
                        num(ln),
                        num(ln.exp()),
                        num(alpha_c(beta) * d as f64),
                    ]
                })
                .collect::<Vec<_>>(),
        )?;
        let mut files = Files {
            data: vec!["kde_grid.csv".to_owned(), "kde_n50.csv".to_owned()],
            plots: Vec::new(),
        };
        if !grid.is_empty() {
            let n50: Vec<(f64, usize, f64)> = done
                .iter()
                .filter_map(|x| x.output.ln_n50.map(|l| (x.point.0, x.point.1, l)))
                .collect();
            plot(out, &self.cfg, &grid, &n50)?;
            files.plots = vec!["fraction.svg".to_owned(), "n50.svg".to_owned()];
        }
        Ok(files)
    }
}

/// The figures; `n50` holds (β, D, ln N50) of the bracketed searches.
fn plot(
    dir: &ResultsDir,
    cfg: &KdeConfig,
    grid: &[&GridPoint],
    n50: &[(f64, usize, f64)],
) -> anyhow::Result<()> {
    let lists = cfg.dims.lists().unwrap_or_default();
    let mut series = Vec::new();
    let mut c = 0;
    for (&b, dims) in cfg.beta.iter().zip(&lists) {
        for &d in dims {
            let pts: Vec<(f64, f64)> = grid
                .iter()
                .filter(|g| g.beta == b && g.d == d)
                .map(|g| (g.n as f64, g.fraction))
                .collect();
            if !pts.is_empty() {
                series.push(Series {
                    label: format!("β = {b}, D = {d}"),
                    points: pts,
                    color: c,
                    dashed: false,
                    marker: Marker::Circle,
                });
                c += 1;
            }
        }
    }
    draw(
        dir,
        "fraction.svg",
        &Figure {
            title: "fraction of probes that are memories".to_owned(),
            x_desc: "N (stored points)".to_owned(),
            y_desc: "memory fraction".to_owned(),
            log_x: true,
            log_y: false,
            y_range: Some((-0.02, 1.02)),
            legend_upper: false,
            legend_right: false,
            series,
            vlines: Vec::new(),
        },
    )?;
    let mut series = Vec::new();
    for (k, (&b, dims)) in cfg.beta.iter().zip(&lists).enumerate() {
        let pts: Vec<(f64, f64)> = n50
            .iter()
            .filter(|r| r.0 == b)
            .map(|r| (r.1 as f64, r.2))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let (mx, my) = (
            pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64,
            pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64,
        );
        let a = alpha_c(b);
        let d0 = dims.iter().copied().min().unwrap_or(1) as f64;
        let d1 = dims.iter().copied().max().unwrap_or(1) as f64;
        series.push(Series {
            label: format!("β = {b}: measured ln N50"),
            points: pts,
            color: k,
            dashed: false,
            marker: Marker::Circle,
        });
        series.push(Series {
            label: format!("slope α_c = {a:.4}"),
            points: vec![(d0, my + a * (d0 - mx)), (d1, my + a * (d1 - mx))],
            color: k,
            dashed: true,
            marker: Marker::None,
        });
    }
    draw(
        dir,
        "n50.svg",
        &Figure {
            title: "ln N50 vs D, theory slope α_c(β) through the data's centroid".to_owned(),
            x_desc: "dimension D".to_owned(),
            y_desc: "ln N50".to_owned(),
            log_x: false,
            log_y: false,
            y_range: None,
            legend_upper: true,
            legend_right: false,
            series,
            vlines: Vec::new(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_c_values() {
        assert!((alpha_c(0.25) - 0.2197).abs() < 1e-4);
        assert!((alpha_c(0.5) - 0.3870).abs() < 1e-4);
        assert!((alpha_c(1.0) - 0.6226).abs() < 1e-4);
    }

    #[test]
    fn grid_and_slope() {
        assert_eq!(grid_n(2), 2);
        assert_eq!(grid_n(3), 3);
        assert_eq!(grid_n(7), 11);
        assert_eq!(k_of(grid_n(13)), 13);
        assert!((slope(&[(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)]) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn validation_names_fields() {
        let field = |c: KdeConfig| c.validate().unwrap_err().field;
        let d = KdeConfig::default;
        let dims = |s: &str| s.parse::<DimLists>().unwrap();
        assert_eq!(
            field(KdeConfig {
                dims: dims("12,16"),
                ..d()
            }),
            "dims"
        );
        assert_eq!(
            field(KdeConfig {
                dims: dims("12,12;8,11"),
                ..d()
            }),
            "dims"
        );
        assert_eq!(
            field(KdeConfig {
                dims: dims("12,99999;8,11"),
                ..d()
            }),
            "dims"
        );
        assert_eq!(
            field(KdeConfig {
                beta: vec![1.0, 1.0],
                ..d()
            }),
            "beta"
        );
        assert_eq!(
            field(KdeConfig {
                max_n: usize::MAX,
                ..d()
            }),
            "max-n"
        );
        assert_eq!(
            field(KdeConfig {
                probes: usize::MAX,
                ..d()
            }),
            "probes"
        );
        let e = field(KdeConfig {
            dims: dims("12,;8"),
            ..d()
        });
        assert_eq!(e, "dims");
        let e = dims("4,x;5,6").lists().unwrap_err().to_string();
        assert_eq!(
            e,
            "dims: \"x\" in \"4,x;5,6\" is not a whole number (e.g. \"12,15;8,10\")"
        );
        // TOML holds the same string as the flag.
        let t = toml::to_string(&d()).unwrap();
        assert!(t.contains("dims = \"12,16,20,24,28;8,11,14,17,20\""), "{t}");
        let back: KdeConfig = toml::from_str(&t).unwrap();
        assert_eq!(back, d());
    }

    /// The host batched mean-shift and the core's classify every probe alike.
    #[test]
    fn host_and_core_agree() {
        let mut cfg = KdeConfig::default();
        let (d, n) = (6usize, 40usize);
        let x = dataset(1, d, n, 0).unwrap();
        let host = memories(&cfg, 1.0, &x, n, d, 20).unwrap();
        cfg.kernel = Kernel::Core;
        assert_eq!(host, memories(&cfg, 1.0, &x, n, d, 20).unwrap());
    }
}
