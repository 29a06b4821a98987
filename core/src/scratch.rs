//! Carving caller-provided scratch space into named work arrays without panicking.

use crate::{Error, Result};

/// Splits `n` elements off the front of `buf`, or reports which kernel ran short.
pub(crate) fn take<'a, T>(
    buf: &mut &'a mut [T],
    n: usize,
    what: &'static str,
) -> Result<&'a mut [T]> {
    let whole = core::mem::take(buf);
    let found = whole.len();
    let Some((head, tail)) = whole.split_at_mut_checked(n) else {
        return Err(Error::ScratchTooSmall {
            what,
            needed: n,
            found,
        });
    };
    *buf = tail;
    Ok(head)
}
