//! The cost of one thread wake-up through a `std::sync::mpsc::sync_channel`, the way a
//! flush callback wakes a caller blocked on its receiver. The `sync` workload pays it
//! once per operation and a single-threaded raw loop does not, so it bounds how close
//! a callback-based log can come to the raw loop. Measured as half a ping-pong round
//! trip between two threads.

use std::sync::mpsc;
use std::time::Instant;

/// Median over `rounds` of the mean one-way wake-up, in microseconds.
pub fn wakeup_us(rounds: usize) -> f64 {
    let mut samples: Vec<f64> = (0..rounds.max(1)).map(|_| one_round(5_000)).collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn one_round(trips: u64) -> f64 {
    let (to_peer, from_main) = mpsc::sync_channel::<u64>(1);
    let (to_main, from_peer) = mpsc::sync_channel::<u64>(1);
    let peer = std::thread::spawn(move || {
        while let Ok(v) = from_main.recv() {
            if to_main.send(v).is_err() {
                break;
            }
        }
    });
    let t = Instant::now();
    for i in 0..trips {
        to_peer.send(i).expect("peer alive");
        assert_eq!(from_peer.recv().expect("peer alive"), i);
    }
    let round_trip_s = t.elapsed().as_secs_f64() / trips as f64;
    drop(to_peer);
    peer.join().expect("peer thread");
    round_trip_s / 2.0 * 1e6
}
