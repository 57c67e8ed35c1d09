//! Deterministic data parallelism on scoped threads: every output element is computed by exactly
//! one closure call that reads only shared inputs, so the result does not depend on how the
//! threads are scheduled.

/// The number of worker threads for `requested` (0 = all cores).
pub(crate) fn thread_count(requested: usize) -> usize {
    if requested > 0 {
        return requested;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Fills `out[i] = f(i)` for every `i`, splitting the index range into one contiguous chunk per
/// thread. Small inputs run on the calling thread, where spawning would cost more than it saves.
pub(crate) fn fill<T, F>(out: &mut [T], threads: usize, f: F)
where
    T: Send,
    F: Fn(usize) -> T + Sync,
{
    const MIN_PER_THREAD: usize = 512;
    let threads = threads.min(out.len() / MIN_PER_THREAD).max(1);
    if threads == 1 {
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = f(i);
        }
        return;
    }
    let chunk = out.len().div_ceil(threads);
    std::thread::scope(|scope| {
        for (c, part) in out.chunks_mut(chunk).enumerate() {
            let f = &f;
            scope.spawn(move || {
                for (k, slot) in part.iter_mut().enumerate() {
                    *slot = f(c * chunk + k);
                }
            });
        }
    });
}
