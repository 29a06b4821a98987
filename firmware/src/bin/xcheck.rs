//! `xcheck`: runs every core scenario and prints the digest report through the transport.
//!
//! Exits with status 0 iff every scenario produced a digest and the whole report was written.
#![no_std]
#![no_main]

use engram_firmware as fw;

#[fw::entry]
fn main() -> ! {
    let mut out = fw::out::Writer::new();
    let ok = matches!(
        engram_core::scenario::report(&mut out),
        Ok(summary) if summary.errors == 0
    );
    fw::finish(out, ok)
}
