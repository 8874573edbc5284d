//! [`CpuLoad`]: other work on the machine, for the rows measured under load (the
//! `sync-loaded` row, and every row with `--load N`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Threads that keep a core each busy (integer arithmetic, no memory traffic) until
/// dropped. They are named [`crate::schedstat::LOAD_THREAD_NAME`], so the scheduler
/// figures of a side leave them out.
pub struct CpuLoad {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<u64>>,
}

impl CpuLoad {
    /// Starts `count` spinning threads; they stop when this is dropped.
    pub fn start(count: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..count)
            .map(|i| {
                let stop = stop.clone();
                std::thread::Builder::new()
                    .name(crate::schedstat::LOAD_THREAD_NAME.to_string())
                    .spawn(move || {
                        let mut x = i as u64 + 1;
                        while !stop.load(Ordering::Relaxed) {
                            for _ in 0..1_000 {
                                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                            }
                            x = std::hint::black_box(x);
                        }
                        x
                    })
                    .expect("spawn a load thread")
            })
            .collect();
        Self { stop, threads }
    }
}

impl Drop for CpuLoad {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
