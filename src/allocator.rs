//! The allocator of the `tsunagi` binary and the benchmarks (mimalloc) and its one setting.

/// How long (ms) mimalloc keeps memory that was freed before it hands it back to the kernel.
/// mimalloc 3 keeps it a second: an export frees and takes buffers of tens of MB several times
/// a second (a file's bytes, its text while it is checked), and the freed ones stayed in the
/// process beside the new ones (the benchmark's month: 220–240 MB at the peak instead of
/// 160–190 MB). 10 ms, mimalloc 2's delay, still lets a buffer freed and taken again at once be
/// reused. `MIMALLOC_PURGE_DELAY` in the environment wins.
pub const PURGE_DELAY_MS: i64 = 10;

/// mimalloc's `mi_option_purge_delay` (mimalloc.h; libmimalloc-sys names the options only up
/// to 14).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets [`PURGE_DELAY_MS`] unless `MIMALLOC_PURGE_DELAY` is set. Called first thing in `main`.
pub fn tune() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mi_option_set only stores the value; options may be set at any time.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS as _) }
    }
}
