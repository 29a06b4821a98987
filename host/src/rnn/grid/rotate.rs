//! Rotation of an image by cubic B-spline interpolation, matching
//! `scipy.ndimage.rotate(img, angle, reshape=False)` with its defaults `order=3`,
//! `mode='constant'`, `cval=0`, `prefilter=True` (SciPy ≥ 1.6; checked against 1.17.1).
//!
//! 1. **Prefilter** (Unser, Aldroubi & Eden 1991): per axis, the interpolating cubic B-spline's
//!    coefficients, by the gain (1 − z)(1 − 1/z) = 6 and one causal and one anticausal recursion
//!    with the pole z = √3 − 2, initialised for a *mirror*-symmetric extension (SciPy uses the
//!    mirror initialisation for `mode='constant'` too).
//! 2. **Resampling**: output pixel o (row, column) reads the input at
//!    p = M·o + (c − M·c), M = [[cos θ, sin θ], [−sin θ, cos θ]], c = ((n−1)/2, (m−1)/2), with
//!    cos and sin of the angle in degrees as `scipy.special.cosdg`/`sindg` return them. A point
//!    with any coordinate outside [0, len − 1] is `cval` = 0 (no interpolation beyond the edge);
//!    inside, Σ c[i, j]·β₃(p₀ − i)·β₃(p₁ − j) over the 4 × 4 neighbours, indices beyond the
//!    edge mirrored (−1 → 1, len → len − 2).
//!
//! ```
//! use engram::rnn::grid::rotate::rotate;
//! let img: Vec<f64> = (0..25).map(|v| v as f64).collect();
//! let r = rotate(&img, 5, 5, 90.0);
//! // 90°: an exact permutation up to rounding (SciPy's output equals the transpose-flip).
//! assert!((r[0] - img[4]).abs() < 1e-9);
//! ```

/// The pole of the cubic B-spline prefilter, √3 − 2.
pub const POLE: f64 = -0.267_949_192_431_122_7;

/// `scipy.special.cosdg` and `sindg` of `angle` degrees. Cephes' values for the grid-score
/// angles are tabulated bit for bit (e.g. sindg(30) = 0.49999999999999994, cosdg(90) = −0);
/// any other angle uses the correctly rounded cos and sin of the angle in radians.
pub fn cos_sin_deg(angle: f64) -> (f64, f64) {
    // Bit patterns of Cephes' results (0x1.bb67ae8584cabp-1, 0x1.fffffffffffffp-2,
    // 0x1.6a09e667f3bccp-1, 0x1.6a09e667f3bcdp-1).
    let c30 = f64::from_bits(0x3FEB_B67A_E858_4CAB);
    let s30 = f64::from_bits(0x3FDF_FFFF_FFFF_FFFF);
    let c45 = f64::from_bits(0x3FE6_A09E_667F_3BCC);
    let s45 = f64::from_bits(0x3FE6_A09E_667F_3BCD);
    match angle {
        30.0 => (c30, s30),
        45.0 => (c45, s45),
        60.0 => (s30, c30),
        90.0 => (-0.0, 1.0),
        120.0 => (-s30, c30),
        135.0 => (-s45, c45),
        150.0 => (-c30, s30),
        0.0 => (1.0, 0.0),
        _ => {
            let r = angle.to_radians();
            (r.cos(), r.sin())
        }
    }
}

/// One line of spline coefficients in place (mirror boundary), SciPy's order of operations.
fn filter_line(c: &mut [f64]) {
    let n = c.len();
    if n < 2 {
        return;
    }
    let z = POLE;
    let gain = (1.0 - z) * (1.0 - 1.0 / z);
    for v in c.iter_mut() {
        *v *= gain;
    }
    // Causal initialisation, mirror extension.
    let z_n1 = z.powi(n as i32 - 1);
    let mut c0 = c[0] + z_n1 * c[n - 1];
    let mut zi = z;
    for i in 1..n - 1 {
        c0 += zi * (c[i] + z_n1 * c[n - 1 - i]);
        zi *= z;
    }
    c[0] = c0 / (1.0 - z_n1 * z_n1);
    for i in 1..n {
        c[i] += z * c[i - 1];
    }
    // Anticausal initialisation, mirror extension.
    c[n - 1] = (z * c[n - 2] + c[n - 1]) * z / (z * z - 1.0);
    for i in (0..n - 1).rev() {
        c[i] = z * (c[i + 1] - c[i]);
    }
}

/// The cubic B-spline coefficients of a `rows × cols` image (axis 0, then axis 1, as SciPy).
pub fn spline_coefficients(img: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut c = img.to_vec();
    let mut col = vec![0.0; rows];
    for j in 0..cols {
        for (i, v) in col.iter_mut().enumerate() {
            *v = c[i * cols + j];
        }
        filter_line(&mut col);
        for (i, v) in col.iter().enumerate() {
            c[i * cols + j] = *v;
        }
    }
    for row in c.chunks_exact_mut(cols) {
        filter_line(row);
    }
    c
}

/// SciPy's mirror of an index into [0, len) (`len ≥ 2`).
fn mirror(idx: isize, len: usize) -> usize {
    let len = len as isize;
    if len <= 1 {
        return 0;
    }
    let s2 = 2 * len - 2;
    let mut i = idx;
    if i < 0 {
        i += s2 * (-i / s2);
        i = if i <= 1 - len { i + s2 } else { -i };
    } else if i >= len {
        i -= s2 * (i / s2);
        if i >= len {
            i = s2 - i;
        }
    }
    i as usize
}

/// The four cubic B-spline weights at fractional position `x` (for start ⌊x⌋ − 1), SciPy's formulas.
fn weights(x: f64) -> [f64; 4] {
    let t = x - x.floor();
    let (y, z) = (t, 1.0 - t);
    let w1 = (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0;
    let w2 = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
    let w0 = z * z * z / 6.0;
    let w3 = 1.0 - w0 - w1 - w2;
    [w0, w1, w2, w3]
}

/// Rotates spline coefficients `coef` (from [`spline_coefficients`]) by `angle` degrees about the
/// image centre: the output image, same shape.
pub fn rotate_coefficients(coef: &[f64], rows: usize, cols: usize, angle: f64) -> Vec<f64> {
    let (c, s) = cos_sin_deg(angle);
    let m = [[c, s], [-s, c]];
    let ctr = [(rows as f64 - 1.0) / 2.0, (cols as f64 - 1.0) / 2.0];
    let off = [
        ctr[0] - (m[0][0] * ctr[0] + m[0][1] * ctr[1]),
        ctr[1] - (m[1][0] * ctr[0] + m[1][1] * ctr[1]),
    ];
    let dims = [rows, cols];
    let mut out = vec![0.0; rows * cols];
    for (i, row) in out.chunks_exact_mut(cols).enumerate() {
        for (j, o) in row.iter_mut().enumerate() {
            let mut p = [0.0f64; 2];
            let mut inside = true;
            for h in 0..2 {
                let mut v = 0.0;
                v += i as f64 * m[h][0];
                v += j as f64 * m[h][1];
                v += off[h];
                p[h] = v;
                inside &= v >= 0.0 && v <= dims[h] as f64 - 1.0;
            }
            if !inside {
                continue;
            }
            let s0 = p[0].floor() as isize - 1;
            let s1 = p[1].floor() as isize - 1;
            let (w0, w1) = (weights(p[0]), weights(p[1]));
            let idx1: [usize; 4] = std::array::from_fn(|b| mirror(s1 + b as isize, cols));
            let mut t = 0.0;
            for (a, wa) in w0.iter().enumerate() {
                let r = mirror(s0 + a as isize, rows) * cols;
                for (b, wb) in w1.iter().enumerate() {
                    t += coef[r + idx1[b]] * wa * wb;
                }
            }
            *o = t;
        }
    }
    out
}

/// `scipy.ndimage.rotate(img, angle, reshape=False)` of a row-major `rows × cols` image.
pub fn rotate(img: &[f64], rows: usize, cols: usize, angle: f64) -> Vec<f64> {
    rotate_coefficients(&spline_coefficients(img, rows, cols), rows, cols, angle)
}
