//! Work spread over a few threads of the calling process (no pool kept between calls).

/// Runs `f` for every item on up to `threads` scoped threads, each taking the next item when it
/// is done with one, so that one large item does not hold up the others; results keep the
/// items' order. With one thread (or one item) everything runs on the calling thread. A panic
/// in `f` is raised again on the calling thread.
pub fn map_in_turns<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.min(items.len());
    if threads <= 1 {
        return items.iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let (f, next) = (&f, &next);
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(t) = items.get(i) else {
                            return done;
                        };
                        done.push((i, f(i, t)));
                    }
                })
            })
            .collect();
        for h in handles {
            let done = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            for (i, r) in done {
                out[i] = Some(r);
            }
        }
    });
    out.into_iter().flatten().collect()
}

/// The number of cores this process may use (1 when unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_on_any_number_of_threads() {
        let items: Vec<u64> = (0..100).collect();
        for threads in [0, 1, 2, 7, 200] {
            let got = map_in_turns(&items, threads, |i, t| {
                // uneven work, so that threads finish out of order
                std::thread::sleep(std::time::Duration::from_micros(t % 7 * 50));
                (i as u64, t * 2)
            });
            let want: Vec<_> = items.iter().map(|t| (*t, t * 2)).collect();
            assert_eq!(got, want, "{threads} threads");
        }
    }
}
