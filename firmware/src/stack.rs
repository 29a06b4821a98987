//! Stack high-water mark (feature `stack-usage`, Arm): cortex-m-rt's `paint-stack` fills the
//! whole stack area with [`cortex_m_rt::STACK_PAINT_VALUE`] at reset, before `main`; the deepest
//! word no longer holding it marks the most stack ever used.

/// Bytes of stack used so far (from the top of RAM down to the deepest overwritten word).
pub fn high_water() -> usize {
    unsafe extern "C" {
        // Linker symbols of cortex-m-rt's link.x: the stack grows down from `_stack_start` to at
        // most `_stack_end` (the end of .bss/.uninit). Only their addresses are used.
        static _stack_start: u32;
        static _stack_end: u32;
    }
    let top = &raw const _stack_start as usize;
    let mut p = &raw const _stack_end as usize;
    while p < top {
        // SAFETY: [_stack_end, _stack_start) is RAM that the linker reserves for the stack,
        // word-aligned (cortex-m-rt asserts it); reading it cannot fault.
        let word = unsafe { (p as *const u32).read_volatile() };
        if word != cortex_m_rt::STACK_PAINT_VALUE {
            break;
        }
        p += 4;
    }
    top - p
}
