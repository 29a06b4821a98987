//! The ziggurat's tables regenerate from `libm` bit for bit, and its draws follow N(0, 1): moments,
//! tail frequencies, the tail's conditional mean and a Kolmogorov–Smirnov test, each with a stated
//! statistical bound. (Known-answer values: `core/tests/rng_known_answers.rs` and the
//! `ziggurat_f32`/`ziggurat_f64` scenarios.)

use super::tables::{F, K, R, W};
use super::*;
use std::string::String;
use std::vec::Vec;

fn f(x: f64) -> f64 {
    libm::exp(-0.5 * x * x)
}

/// V(r) = r·f(r) + ∫_r^∞ f = r·f(r) + √(π/2)·erfc(r/√2): the base layer's area.
fn area(r: f64) -> f64 {
    r * f(r) + libm::sqrt(core::f64::consts::FRAC_PI_2) * libm::erfc(r / core::f64::consts::SQRT_2)
}

/// The 257 edges x₀…x₂₅₆ for base edge r, or `None` when the layers run out before layer 255.
fn edges(r: f64) -> Option<[f64; 257]> {
    let v = area(r);
    let mut x = [0.0f64; 257];
    x[0] = v / f(r);
    x[1] = r;
    for i in 1..255 {
        let a = v / x[i] + f(x[i]);
        if a >= 1.0 {
            return None;
        }
        x[i + 1] = libm::sqrt(-2.0 * libm::log(a));
    }
    Some(x)
}

/// The top layer's area minus V (−1 when the layers ran out: r too small).
fn top_excess(r: f64) -> f64 {
    edges(r).map_or(-1.0, |x| x[255] * (1.0 - f(x[255])) - area(r))
}

/// The tables' source text, from `libm`.
fn render() -> String {
    use core::fmt::Write;
    let x = edges(R).expect("R leaves 255 layers");
    let mut s = String::new();
    s.push_str(
        "//! Ziggurat tables for N(0, 1), 256 layers (docs/rng.md#ziggurat). Generated from `libm` by\n\
         //! `rng::ziggurat::tests::tables_regenerate_from_libm`; `ENGRAM_BLESS=1` rewrites this file.\n\
         //! Do not edit by hand.\n\n",
    );
    let _ = writeln!(
        s,
        "/// R = x₁, the base layer's right edge: the largest f64 whose top layer's area does not exceed\n\
         /// V = R·f(R) + √(π/2)·erfc(R/√2) ({:?}).\npub(super) const R: f64 = {R:?};\n",
        area(R)
    );
    s.push_str("/// W[i] = xᵢ·2⁻⁵³ (x₀ = V/f(R)): the magnitude scale of layer i.\n#[rustfmt::skip]\npub(super) static W: [f64; 256] = [\n");
    for xi in &x[..256] {
        let _ = writeln!(s, "    {:?},", xi * TWO_M53);
    }
    s.push_str("];\n\n/// K[i] = ⌊2⁵³·x_{i+1}/xᵢ⌋: magnitudes m < K[i] lie inside the curve.\n#[rustfmt::skip]\npub(super) static K: [u64; 256] = [\n");
    for i in 0..256 {
        let _ = writeln!(
            s,
            "    {},",
            (x[i + 1] / x[i] * 9_007_199_254_740_992.0) as u64
        );
    }
    s.push_str("];\n\n/// F[i] = f(xᵢ) = exp(−xᵢ²/2), i = 0…256 (F[256] = 1).\n#[rustfmt::skip]\npub(super) static F: [f64; 257] = [\n");
    for xi in &x {
        let _ = writeln!(s, "    {:?},", f(*xi));
    }
    s.push_str("];\n");
    s
}

/// The committed tables are what `libm` gives today, bit for bit (`ENGRAM_BLESS=1` rewrites them).
#[test]
fn tables_regenerate_from_libm() {
    let text = render();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/rng/ziggurat/tables.rs");
    if std::env::var_os("ENGRAM_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(path, &text).expect("writing the tables");
    }
    let x = edges(R).unwrap();
    for i in 0..256 {
        assert_eq!(W[i].to_bits(), (x[i] * TWO_M53).to_bits(), "W[{i}]");
        assert_eq!(
            K[i],
            (x[i + 1] / x[i] * 9_007_199_254_740_992.0) as u64,
            "K[{i}]"
        );
    }
    for i in 0..257 {
        assert_eq!(F[i].to_bits(), f(x[i]).to_bits(), "F[{i}]");
    }
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        text,
        "tables.rs differs from its generator"
    );
}

/// R is the largest f64 whose top layer does not exceed V: the layers close to f64 resolution.
#[test]
fn r_closes_the_top_layer() {
    let e = top_excess(R);
    assert!(e <= 0.0 && top_excess(R.next_up()) > 0.0, "{e}");
    assert!(-e < 1e-12 * area(R), "top layer short by {e}");
    // Marsaglia & Tsang's published value, 3.6541528853610088, as an f64.
    assert_eq!(R, 3.654_152_885_361_009);
}

fn draws(seed: u64, n: usize) -> Vec<f64> {
    let mut rng = Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.ziggurat()).collect()
}

/// Mean, variance, skewness and kurtosis of 10⁶ draws within 5 standard errors (for N(0, 1):
/// Var x = 1, Var x² = 2, Var x³ = 15, Var x⁴ = 96). Five standard errors: false failure
/// probability < 6·10⁻⁷ per moment.
#[test]
fn moments_match_standard_normal() {
    let n = 1_000_000usize;
    let (mut s1, mut s2, mut s3, mut s4) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for x in draws(2024, n) {
        s1 += x;
        s2 += x * x;
        s3 += x * x * x;
        s4 += x * x * x * x;
    }
    let nf = n as f64;
    let se = |var: f64| 5.0 * libm::sqrt(var / nf);
    assert!((s1 / nf).abs() < se(1.0), "mean {}", s1 / nf);
    assert!((s2 / nf - 1.0).abs() < se(2.0), "E x² {}", s2 / nf);
    assert!((s3 / nf).abs() < se(15.0), "E x³ {}", s3 / nf);
    assert!((s4 / nf - 3.0).abs() < se(96.0), "E x⁴ {}", s4 / nf);
}

/// Φ(x) = erfc(−x/√2)/2.
fn phi(x: f64) -> f64 {
    0.5 * libm::erfc(-x / core::f64::consts::SQRT_2)
}

/// Tail frequencies P(|Z| > t) for t across the layers, at R and deep in the tail, from 4·10⁶ draws,
/// each within 5 binomial standard errors; both signs in equal measure.
#[test]
fn tails_match_standard_normal() {
    let n = 4_000_000usize;
    let ts = [0.5, 1.0, 2.0, 3.0, R, 4.0, 4.5];
    let mut counts = [0usize; 7];
    let mut negative = 0usize;
    for x in draws(7, n) {
        for (c, t) in counts.iter_mut().zip(ts) {
            *c += usize::from(x.abs() > t);
        }
        negative += usize::from(x.is_sign_negative());
    }
    let nf = n as f64;
    for (c, t) in counts.iter().zip(ts) {
        let p = 2.0 * phi(-t);
        let se = libm::sqrt(p * (1.0 - p) / nf);
        let frac = *c as f64 / nf;
        assert!(
            (frac - p).abs() < 5.0 * se,
            "P(|z| > {t}) = {frac}, expected {p}"
        );
    }
    let frac = negative as f64 / nf;
    assert!(
        (frac - 0.5).abs() < 5.0 * libm::sqrt(0.25 / nf),
        "negative {frac}"
    );
}

/// The tail algorithm's law: E[Z − R | Z > R] = φ(R)/Q(R) − R and E[(Z − R)² | Z > R] = 1 − R·m₁
/// (m₁ the first), from 20 000 tail draws, within 5 standard errors (the excess has variance
/// m₂ − m₁² ≈ 0.063).
#[test]
fn tail_conditional_moments() {
    let mut rng = Rng::seed_from_u64(99);
    let n = 20_000usize;
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for _ in 0..n {
        let e = tail(&mut rng) - R;
        assert!(e >= 0.0);
        s1 += e;
        s2 += e * e;
    }
    let q = phi(-R);
    let dens = f(R) / libm::sqrt(2.0 * core::f64::consts::PI);
    let m1 = dens / q - R;
    let m2 = 1.0 - R * m1;
    let var = m2 - m1 * m1;
    let nf = n as f64;
    assert!(
        (s1 / nf - m1).abs() < 5.0 * libm::sqrt(var / nf),
        "mean excess {}",
        s1 / nf
    );
    // Var of e² ≤ E e⁴ ≤ 24/R⁴ for an exponential-like excess of rate ≥ R; 5 se at that bound.
    let se2 = libm::sqrt(24.0 / (R * R * R * R) / nf);
    assert!((s2 / nf - m2).abs() < 5.0 * se2, "E excess² {}", s2 / nf);
}

/// Kolmogorov–Smirnov against Φ over 200 000 draws: D·√n < 1.95, the asymptotic 0.1 % critical
/// value of the Kolmogorov distribution (a correct sampler fails with probability 10⁻³; the seed is
/// fixed, so the outcome is deterministic).
#[test]
fn kolmogorov_smirnov() {
    let n = 200_000usize;
    let mut x = draws(31, n);
    x.sort_by(f64::total_cmp);
    let nf = n as f64;
    let mut d = 0.0f64;
    for (k, &xk) in x.iter().enumerate() {
        let p = phi(xk);
        d = d.max((k as f64 + 1.0) / nf - p).max(p - k as f64 / nf);
    }
    assert!(
        d * libm::sqrt(nf) < 1.95,
        "D = {d}, D·√n = {}",
        d * libm::sqrt(nf)
    );
}

/// Every path is taken — the fast test (one 64-bit output), the wedge (|x| ≤ R after more than
/// one output) and the tail (|x| > R: only layer 0's tail reaches beyond x₁ = R) — and the fast
/// path's share of first tries is Σ K[i]·2⁻⁵³/256 ≈ 98.5 %.
#[test]
fn paths_and_fast_share() {
    let share: f64 = K.iter().map(|&k| k as f64 * TWO_M53).sum::<f64>() / 256.0;
    assert!((0.984..0.986).contains(&share), "{share}");
    let mut rng = Rng::seed_from_u64(3);
    let n = 100_000usize;
    let (mut fast, mut wedge, mut tails, mut outputs) = (0usize, 0usize, 0usize, 0usize);
    for _ in 0..n {
        let mut probe = rng.clone();
        let x = rng.ziggurat();
        let mut used = 1usize;
        probe.next_u64();
        while probe != rng {
            probe.next_u64();
            used += 1;
        }
        outputs += used;
        match (used, x.abs() > R) {
            (_, true) => tails += 1,
            (1, false) => fast += 1,
            _ => wedge += 1,
        }
    }
    let nf = n as f64;
    assert!((fast as f64 / nf - share).abs() < 0.002, "fast {fast}");
    assert!(wedge > 0 && tails > 0, "wedge {wedge}, tails {tails}");
    // Tail draws: P(|Z| > R) = 2.58·10⁻⁴, 26 expected; 5 Poisson standard errors.
    assert!(
        (tails as f64 - 25.8).abs() < 5.0 * libm::sqrt(25.8),
        "tails {tails}"
    );
    let per_draw = outputs as f64 / nf;
    assert!(
        (1.01..1.04).contains(&per_draw),
        "{per_draw} outputs per draw"
    );
}
