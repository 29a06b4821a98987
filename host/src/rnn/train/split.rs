//! Splitting a batch by trajectory for the recurrence.
//!
//! The recurrence Z_t = V_t W_ihᵀ + G_{t−1} W_hhᵀ (and its backward pass) is sequential in t but
//! independent across trajectories. So each thread takes its own share of the B trajectories
//! through all T steps with single-threaded GEMMs, instead of every thread meeting at a barrier
//! inside each of the 2·T small (B × H)(H × H) products: at Ng 256 this took the forward
//! recurrence from 90 to ≈ 250 GFLOP/s on 2 threads. Shares depend on the thread count only, so a
//! run is reproducible at a given thread count (and the rows of a share are computed as in a
//! single-threaded run on that share).

use faer::Par;
use rayon::prelude::*;

/// Fewest trajectories a share gets (smaller shares would leave the GEMMs too thin).
const MIN_SHARE: usize = 16;

/// The number of threads `par` asks for.
pub fn threads(par: Par) -> usize {
    match par {
        Par::Seq => 1,
        Par::Rayon(n) => n.get(),
    }
}

/// Boundaries `[0, …, b]` of near-equal shares of `b` trajectories for `par`'s threads (at least
/// [`MIN_SHARE`] each, one share when `b` is small).
pub fn shares(b: usize, par: Par) -> Vec<usize> {
    let n = threads(par).min(b / MIN_SHARE).max(1);
    (0..=n).map(|k| k * b / n).collect()
}

/// Splits a time-major buffer — blocks of `b` rows × `w` columns, one block per step — into one
/// list per share: share k gets rows `bounds[k]..bounds[k + 1]` of every block, in step order.
pub fn split_rows<'a, T>(
    buf: &'a mut [T],
    b: usize,
    w: usize,
    bounds: &[usize],
) -> Vec<Vec<&'a mut [T]>> {
    let shares = bounds.len().saturating_sub(1);
    let mut out: Vec<Vec<&'a mut [T]>> = (0..shares).map(|_| Vec::new()).collect();
    let block = b * w;
    if block == 0 {
        return out;
    }
    for mut rest in buf.chunks_exact_mut(block) {
        for (k, part) in out.iter_mut().enumerate() {
            let (rows, tail) = rest.split_at_mut((bounds[k + 1] - bounds[k]) * w);
            part.push(rows);
            rest = tail;
        }
    }
    out
}

/// `dst` (cols × rows, row-major) ← the transpose of `src` (rows × cols, row-major), in 32 × 32
/// tiles, blocks of `dst` rows in parallel on `par`'s threads.
pub fn transpose_into<T: Copy + Send + Sync>(
    src: &[T],
    rows: usize,
    cols: usize,
    dst: &mut [T],
    par: Par,
) {
    const TILE: usize = 32;
    let run = |(blk, out): (usize, &mut [T])| {
        let c0 = blk * TILE;
        let width = out.len() / rows.max(1);
        for r0 in (0..rows).step_by(TILE) {
            let r1 = (r0 + TILE).min(rows);
            for dc in 0..width {
                let c = c0 + dc;
                let line = &mut out[dc * rows..(dc + 1) * rows];
                for r in r0..r1 {
                    line[r] = src[r * cols + c];
                }
            }
        }
    };
    let dst = &mut dst[..rows * cols];
    if threads(par) > 1 {
        dst.par_chunks_mut(TILE * rows).enumerate().for_each(run);
    } else {
        dst.chunks_mut(TILE * rows).enumerate().for_each(run);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroUsize;

    #[test]
    fn shares_cover_the_batch() {
        let two = Par::Rayon(NonZeroUsize::new(2).unwrap());
        assert_eq!(shares(200, two), vec![0, 100, 200]);
        assert_eq!(shares(201, two), vec![0, 100, 201]);
        assert_eq!(shares(20, two), vec![0, 20]);
        assert_eq!(shares(200, Par::Seq), vec![0, 200]);
        assert_eq!(shares(0, two), vec![0, 0]);
    }

    #[test]
    fn rows_go_to_their_share_in_step_order() {
        // 3 steps of 4 rows × 2 columns, shares [0, 1) and [1, 4).
        let mut buf: Vec<u32> = (0..24).collect();
        let parts = split_rows(&mut buf, 4, 2, &[0, 1, 4]);
        assert_eq!(parts.len(), 2);
        let first: Vec<Vec<u32>> = parts[0].iter().map(|s| s.to_vec()).collect();
        assert_eq!(first, vec![vec![0, 1], vec![8, 9], vec![16, 17]]);
        assert_eq!(parts[1][2], &[18, 19, 20, 21, 22, 23]);
    }

    #[test]
    fn transpose_matches_the_definition() {
        let two = Par::Rayon(NonZeroUsize::new(2).unwrap());
        for (rows, cols) in [(1, 1), (3, 70), (70, 3), (100, 33)] {
            let src: Vec<u32> = (0..rows * cols).map(|i| i as u32).collect();
            for par in [Par::Seq, two] {
                let mut dst = vec![0u32; rows * cols];
                transpose_into(&src, rows, cols, &mut dst, par);
                for r in 0..rows {
                    for c in 0..cols {
                        assert_eq!(dst[c * rows + r], src[r * cols + c]);
                    }
                }
            }
        }
    }
}
