//! Periodic wrapping of angles and coordinates, without `fmod`, identical on every target.

use crate::Real;

/// At most this many corrections; every caller's input is within a few periods of the range.
const MAX_WRAPS: usize = 8;

/// Wraps an angle into [−π, π) by adding or subtracting 2π (exact doubling of `T::PI`) at most
/// 8 times; an input more than 8 turns away (or non-finite) is returned as reached.
///
/// Every caller in this module passes an angle within two turns of the range (a heading in
/// [−π, π) plus one bounded turn), so one correction is the rule.
///
/// ```
/// use engram_core::rnn::trajectory::wrap_angle;
/// use core::f64::consts::PI;
/// assert_eq!(wrap_angle(PI), -PI);
/// assert_eq!(wrap_angle(-PI), -PI);
/// assert!((wrap_angle(3.0 * PI / 2.0) + PI / 2.0).abs() < 1e-15);
/// ```
pub fn wrap_angle<T: Real>(a: T) -> T {
    let two_pi = T::PI + T::PI;
    let mut a = a;
    for _ in 0..MAX_WRAPS {
        if a >= T::PI {
            a -= two_pi;
        } else if a < -T::PI {
            a += two_pi;
        } else {
            break;
        }
    }
    a
}

/// Wraps a coordinate into the periodic interval [−L/2, L/2): u = x + L/2, brought into [0, L) by
/// adding or subtracting L (at most 8 times), then u − L/2.
///
/// The result is in [−L/2, L/2) exactly (not just up to rounding): for u ∈ [L/2, L) the
/// subtraction is exact (Sterbenz), and for u ∈ [0, L/2) a rounded difference of two distinct
/// floats is never 0 and never below −L/2 (which is representable).
///
/// ```
/// use engram_core::rnn::trajectory::wrap_coord;
/// assert_eq!(wrap_coord(1.1f32, 2.2), -1.1);
/// assert_eq!(wrap_coord(-1.1f32, 2.2), -1.1);
/// assert!(wrap_coord(1.2f64, 2.2) < -1.0);
/// ```
pub fn wrap_coord<T: Real>(x: T, box_size: T) -> T {
    let half = box_size * T::from_f64(0.5);
    let mut u = x + half;
    for _ in 0..MAX_WRAPS {
        if u >= box_size {
            u -= box_size;
        } else if u < T::ZERO {
            u += box_size;
        } else {
            break;
        }
    }
    u - half
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_stay_in_range_at_the_edges() {
        let l = 2.2f32;
        let h = 1.1f32;
        for x in [
            -h,
            h,
            f32::from_bits(h.to_bits() - 1),
            -f32::from_bits(h.to_bits() + 1),
            -1e-9,
            1e-9,
            3.0 * l,
            -3.0 * l,
        ] {
            let w = wrap_coord(x, l);
            assert!((-h..h).contains(&w), "{x} -> {w}");
        }
    }

    #[test]
    fn angles_stay_in_range() {
        let pi = core::f32::consts::PI;
        for a in [pi, -pi, 3.0 * pi, -3.0 * pi, 1e-7, -1e-7, 6.0, -6.0] {
            let w = wrap_angle(a);
            assert!((-pi..pi).contains(&w), "{a} -> {w}");
        }
    }
}
