//! Foundation scenarios: the generator, Gaussian draws, the `libm` functions the models use, and the
//! linear-algebra kernels.

use super::Scenario;
use crate::digest::Digest;
use crate::linalg;
use crate::rng::{Normal, Rng, SplitMix64, key_str};
use crate::{Real, Result};

pub(super) const RNG_U64: Scenario = Scenario {
    name: "rng_u64",
    about: "xoshiro256++ and SplitMix64 outputs, keyed seeding, below(), shuffle()",
    run: rng_u64,
};

fn rng_u64(d: &mut Digest) -> Result<()> {
    let mut rng = Rng::keyed(1, &[key_str("rng_u64"), 0]);
    for _ in 0..256 {
        d.push_u64(rng.next_u64());
    }
    let mut sm = SplitMix64::new(0);
    for _ in 0..16 {
        d.push_u64(sm.next_u64());
    }
    for _ in 0..64 {
        d.push_u64(rng.below(1000));
    }
    let mut perm = [0u8; 32];
    for (i, p) in perm.iter_mut().enumerate() {
        *p = i as u8;
    }
    rng.shuffle(&mut perm);
    for p in perm {
        d.push_u64(u64::from(p));
    }
    Ok(())
}

pub(super) const RNG_UNIFORM: Scenario = Scenario {
    name: "rng_uniform",
    about: "uniform f32 and f64 draws",
    run: rng_uniform,
};

fn rng_uniform(d: &mut Digest) -> Result<()> {
    let mut rng = Rng::keyed(2, &[key_str("rng_uniform")]);
    for _ in 0..128 {
        d.push_real(rng.uniform::<f32>());
    }
    for _ in 0..128 {
        d.push_real(rng.uniform::<f64>());
    }
    Ok(())
}

pub(super) const GAUSSIAN_F32: Scenario = Scenario {
    name: "gaussian_f32",
    about: "Box–Muller N(0,1) draws in f32 (libm logf, sqrtf, sincosf)",
    run: gaussian::<f32>,
};

pub(super) const GAUSSIAN_F64: Scenario = Scenario {
    name: "gaussian_f64",
    about: "Box–Muller N(0,1) draws in f64 (libm log, sqrt, sincos)",
    run: gaussian::<f64>,
};

fn gaussian<T: Real>(d: &mut Digest) -> Result<()> {
    let mut rng = Rng::keyed(3, &[key_str("gaussian"), key_str(T::NAME)]);
    let mut buf = [T::ZERO; 32];
    for _ in 0..8 {
        rng.fill_normal(&mut buf);
        d.push_reals(&buf);
    }
    // An odd-length fill exercises the tail path.
    let mut odd = [T::ZERO; 7];
    rng.fill_normal(&mut odd);
    d.push_reals(&odd);
    Ok(())
}

pub(super) const ZIGGURAT_F32: Scenario = Scenario {
    name: "ziggurat_f32",
    about: "ziggurat N(0,1) draws (stream v2) rounded to f32: fast test, wedges (libm exp), tail (libm log)",
    run: ziggurat::<f32>,
};

pub(super) const ZIGGURAT_F64: Scenario = Scenario {
    name: "ziggurat_f64",
    about: "ziggurat N(0,1) draws (stream v2) in f64: fast test, wedges (libm exp), tail (libm log)",
    run: ziggurat::<f64>,
};

/// Beyond this every draw came from the ziggurat's tail (R = 3.6541… < 3.66).
const DEEP: f64 = 3.66;

/// 4096 ziggurat draws into the digest, then how many came from beyond [`DEEP`] (the key is chosen
/// so that the tail path runs: the count is non-zero, which a unit test checks).
fn ziggurat_draws<T: Real>(d: &mut Digest) -> u64 {
    let mut rng = Rng::keyed(2, &[key_str("ziggurat"), key_str(T::NAME)]);
    let mut buf = [T::ZERO; 32];
    let mut deep = 0u64;
    for _ in 0..128 {
        rng.fill_normal_with(Normal::Ziggurat, &mut buf);
        d.push_reals(&buf);
        deep += buf.iter().filter(|x| x.abs().to_f64() > DEEP).count() as u64;
    }
    deep
}

fn ziggurat<T: Real>(d: &mut Digest) -> Result<()> {
    let deep = ziggurat_draws::<T>(d);
    d.push_u64(deep);
    Ok(())
}

/// Special inputs every libm function is also run on.
const SPECIAL_F64: [f64; 12] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    1e-300,
    -1e-310,
    88.0,
    -104.0,
    710.0,
    f64::INFINITY,
    f64::NAN,
];

pub(super) const LIBM_F32: Scenario = Scenario {
    name: "libm_f32",
    about: "libm f32: expf logf log1pf sqrtf sinf cosf tanhf powf expm1f atan2f on random and special inputs",
    run: libm_f32,
};

fn libm_f32(d: &mut Digest) -> Result<()> {
    let mut rng = Rng::keyed(4, &[key_str("libm_f32")]);
    let one = |x: f32, d: &mut Digest| {
        d.push_real(libm::expf(x));
        d.push_real(libm::logf(x));
        d.push_real(libm::log1pf(x));
        d.push_real(libm::sqrtf(x));
        d.push_real(libm::sinf(x));
        d.push_real(libm::cosf(x));
        d.push_real(libm::tanhf(x));
        d.push_real(libm::powf(libm::fabsf(x), 0.75));
        d.push_real(libm::expm1f(x));
        d.push_real(libm::atan2f(x, 0.5));
    };
    for &x in &SPECIAL_F64 {
        one(x as f32, d);
    }
    for _ in 0..64 {
        // Spread over [-40, 40) so exp, tanh and the trig reductions see large arguments too.
        let x = (rng.uniform::<f32>() - 0.5) * 80.0;
        one(x, d);
    }
    Ok(())
}

pub(super) const LIBM_F64: Scenario = Scenario {
    name: "libm_f64",
    about: "libm f64: exp log log1p sqrt sin cos tanh pow expm1 atan2 on random and special inputs",
    run: libm_f64,
};

fn libm_f64(d: &mut Digest) -> Result<()> {
    let mut rng = Rng::keyed(5, &[key_str("libm_f64")]);
    let one = |x: f64, d: &mut Digest| {
        d.push_real(libm::exp(x));
        d.push_real(libm::log(x));
        d.push_real(libm::log1p(x));
        d.push_real(libm::sqrt(x));
        d.push_real(libm::sin(x));
        d.push_real(libm::cos(x));
        d.push_real(libm::tanh(x));
        d.push_real(libm::pow(libm::fabs(x), 0.75));
        d.push_real(libm::expm1(x));
        d.push_real(libm::atan2(x, 0.5));
    };
    for &x in &SPECIAL_F64 {
        one(x, d);
    }
    for _ in 0..64 {
        let x = (rng.uniform::<f64>() - 0.5) * 80.0;
        one(x, d);
    }
    Ok(())
}

pub(super) const LINALG_F32: Scenario = Scenario {
    name: "linalg_f32",
    about: "dot, axpy, matvec, matvec_t, matmul, gram, cholesky, cholesky_solve in f32",
    run: linalg_kernels::<f32>,
};

pub(super) const LINALG_F64: Scenario = Scenario {
    name: "linalg_f64",
    about: "dot, axpy, matvec, matvec_t, matmul, gram, cholesky, cholesky_solve in f64",
    run: linalg_kernels::<f64>,
};

fn linalg_kernels<T: Real>(d: &mut Digest) -> Result<()> {
    const R: usize = 12;
    const C: usize = 6;
    let mut rng = Rng::keyed(6, &[key_str("linalg"), key_str(T::NAME)]);
    let mut x = [T::ZERO; R * C];
    let mut y = [T::ZERO; R];
    rng.fill_normal(&mut x);
    rng.fill_normal(&mut y);

    d.push_real(linalg::dot(&x[..R], &y)?);

    let mut z = y;
    linalg::axpy(T::from_f64(-0.375), &x[R..2 * R], &mut z)?;
    d.push_reals(&z);

    let mut v = [T::ZERO; C];
    rng.fill_normal(&mut v);
    let mut xv = [T::ZERO; R];
    linalg::matvec(&x, R, C, &v, &mut xv)?;
    d.push_reals(&xv);

    let mut xty = [T::ZERO; C];
    linalg::matvec_t(&x, R, C, &y, &mut xty)?;
    d.push_reals(&xty);

    let mut b = [T::ZERO; C * 5];
    rng.fill_normal(&mut b);
    let mut xb = [T::ZERO; R * 5];
    linalg::matmul(&x, R, C, &b, 5, &mut xb)?;
    d.push_reals(&xb);

    // Least squares through the normal equations: (XᵀX) w = Xᵀy.
    let mut g = [T::ZERO; C * C];
    linalg::gram(&x, R, C, &mut g)?;
    d.push_reals(&g);
    linalg::cholesky(&mut g, C)?;
    d.push_reals(&g);
    let mut w = xty;
    linalg::cholesky_solve(&g, C, &mut w)?;
    d.push_reals(&w);

    // A singular matrix must be reported, not factored.
    let mut singular = [T::ONE; 9];
    match linalg::cholesky(&mut singular, 3) {
        Err(crate::Error::NotPositiveDefinite { column }) => d.push_u64(column as u64),
        other => d.push_u64(if other.is_ok() { 1000 } else { 2000 }),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ziggurat scenarios reach the tail (wedge tests run ~50× as often as the tail).
    #[test]
    fn ziggurat_scenarios_reach_the_tail() {
        assert!(ziggurat_draws::<f32>(&mut Digest::new()) > 0);
        assert!(ziggurat_draws::<f64>(&mut Digest::new()) > 0);
    }
}
