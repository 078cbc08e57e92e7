//! Plain Rust work spread over the machine's cores. Polars runs its own queries on every core,
//! but a loop of ours over rows (classifying commit text) or over teams (rendering their pages)
//! runs on one while the others wait: on two cores, a second of a large report each.

/// The cores this process may use (1 when it cannot be told).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `work` on each of `items`, each on a thread of its own, the results in `items`' order. A
/// panic in one is resumed here, as if the work had run in this thread. A thread the system
/// will not start (at its limit of threads or of memory) leaves its item to this thread: slower,
/// never a failure.
pub fn each_on_a_thread<I: Sync, T: Send>(items: &[I], work: impl Fn(&I) -> T + Sync) -> Vec<T> {
    std::thread::scope(|scope| {
        let work = &work;
        let started: Vec<Result<std::thread::ScopedJoinHandle<'_, T>, &I>> = items
            .iter()
            .map(|item| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || work(item))
                    .map_err(|_| item)
            })
            .collect();
        started
            .into_iter()
            .map(|started| match started {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(item) => work(item),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_the_items_order() {
        let items: Vec<u64> = (0..8).collect();
        // The later items finish first.
        let out = each_on_a_thread(&items, |i| {
            std::thread::sleep(std::time::Duration::from_millis(5 * (8 - i)));
            i * 10
        });
        assert_eq!(out, (0..8).map(|i| i * 10).collect::<Vec<_>>());
        assert!(cores() >= 1);
    }

    #[test]
    #[should_panic(expected = "item 3")]
    fn a_panic_in_one_item_is_the_callers() {
        each_on_a_thread(&[1, 2, 3], |i| {
            if *i == 3 {
                panic!("item 3");
            }
        });
    }
}
