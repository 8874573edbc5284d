//! The semantics of the simulated disk, pinned one by one.

use super::*;
use raftwal::{Storage, StorageFile};
use rand::SeedableRng;

const SECTOR: u64 = 512;

/// Tearing, reordering and garbage on, 512-byte sectors, no per-operation faults.
fn harsh() -> FaultConfig {
    FaultConfig {
        garbage_on_lost_sectors: true,
        ..FaultConfig::crash_only()
    }
}

/// A byte pattern that differs per sector and from zero.
fn pattern(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i / SECTOR as usize) as u8).wrapping_mul(31) ^ salt ^ 0x80 | 1)
        .collect()
}

/// A disk with one durably named, empty file `f`, and its handle.
fn disk_with_file(seed: u64, faults: FaultConfig) -> (SimDisk, Arc<dyn StorageFile>) {
    let disk = SimDisk::new(seed, faults);
    let file = disk.create("f").unwrap();
    disk.sync_dir().unwrap();
    (disk, file)
}

fn sector_of(bytes: &[u8], sector: usize) -> Option<&[u8]> {
    let lo = sector * SECTOR as usize;
    let hi = lo + SECTOR as usize;
    bytes.get(lo..hi)
}

/// Writes two different sectors one after the other, unsynced, then loses power;
/// returns the disk and whether (first sector, second sector) survived whole.
fn two_sectors_after_power_loss(seed: u64, faults: FaultConfig) -> (SimDisk, bool, bool) {
    let (disk, f) = disk_with_file(seed, faults);
    let first = pattern(SECTOR as usize, 1);
    let second = pattern(SECTOR as usize, 2);
    f.write_at(0, &first).unwrap();
    f.write_at(SECTOR, &second).unwrap();
    disk.power_loss();
    let after = disk.file_bytes("f").unwrap();
    let first_there = sector_of(&after, 0) == Some(&first[..]);
    let second_there = sector_of(&after, 1) == Some(&second[..]);
    (disk, first_there, second_there)
}

#[test]
fn synced_write_survives_every_power_loss() {
    for seed in 0..200 {
        let (disk, f) = disk_with_file(seed, harsh());
        let synced = pattern(3 * SECTOR as usize + 100, 1);
        f.write_at(0, &synced).unwrap();
        f.sync_data().unwrap();
        // Unsynced writes after it, and a pending set_len that would cut into it
        // followed by a rewrite, may all be lost.
        f.write_at(synced.len() as u64, &pattern(5 * SECTOR as usize, 2))
            .unwrap();
        f.write_at(9 * SECTOR, &pattern(SECTOR as usize, 3))
            .unwrap();
        disk.power_loss();
        let after = disk.file_bytes("f").expect("durable name kept");
        assert!(after.len() >= synced.len(), "seed {seed}: file shrank");
        assert_eq!(&after[..synced.len()], &synced[..], "seed {seed}");
        assert_eq!(disk.durable_bytes("f").unwrap(), after, "seed {seed}");
        assert_eq!(disk.pending_op_count("f"), Some(0));
    }
}

#[test]
fn unsynced_write_comes_back_whole_torn_or_missing() {
    let (mut whole, mut torn, mut missing) = (0, 0, 0);
    let sectors = 8usize;
    for seed in 0..200 {
        let faults = FaultConfig {
            garbage_on_lost_sectors: false,
            ..harsh()
        };
        let (disk, f) = disk_with_file(seed, faults);
        let data = pattern(sectors * SECTOR as usize, 7);
        f.write_at(0, &data).unwrap();
        disk.power_loss();
        let after = disk.file_bytes("f").unwrap();
        let mut present = 0;
        for s in 0..sectors {
            match sector_of(&after, s) {
                Some(got) if got == sector_of(&data, s).unwrap() => present += 1,
                Some(got) => assert!(got.iter().all(|&b| b == 0), "seed {seed}: sector {s}"),
                None => assert!(after.len() <= s * SECTOR as usize, "seed {seed}"),
            }
        }
        match present {
            0 => missing += 1,
            n if n == sectors => whole += 1,
            _ => torn += 1,
        }
    }
    assert!(
        whole > 0 && torn > 0 && missing > 0,
        "{whole} {torn} {missing}"
    );
}

#[test]
fn writes_persist_out_of_order() {
    let mut reordered_seen = 0;
    let mut counted = 0;
    for seed in 0..200 {
        let (disk, first_there, second_there) = two_sectors_after_power_loss(seed, harsh());
        if second_there && !first_there {
            reordered_seen += 1;
        }
        counted += disk.fault_counts().reordered;
    }
    assert!(reordered_seen > 0);
    assert!(counted >= reordered_seen);
}

#[test]
fn without_reordering_a_prefix_persists() {
    for seed in 0..200 {
        let faults = FaultConfig {
            sector_size_bytes: SECTOR,
            ..FaultConfig::none()
        };
        let (disk, first_there, second_there) = two_sectors_after_power_loss(seed, faults);
        assert!(first_there || !second_there, "seed {seed}");
        assert_eq!(disk.fault_counts().reordered, 0);
        assert_eq!(disk.fault_counts().torn_writes, 0);
    }
}

#[test]
fn same_sector_history_is_never_reordered() {
    // Two writes into one sector: the sector holds old, first, or first+second.
    for seed in 0..200 {
        let (disk, f) = disk_with_file(seed, harsh());
        f.write_at(0, &[1; 10]).unwrap();
        f.write_at(10, &[2; 10]).unwrap();
        disk.power_loss();
        let after = disk.file_bytes("f").unwrap();
        let second_there = after.len() >= 20 && after[10..20] == [2; 10];
        let first_there = after.len() >= 10 && after[..10] == [1; 10];
        assert!(first_there || !second_there, "seed {seed}: {after:?}");
    }
}

#[test]
fn created_file_without_sync_dir_may_vanish() {
    let mut vanished = 0;
    for seed in 0..100 {
        let disk = SimDisk::new(seed, harsh());
        let f = disk.create("new").unwrap();
        f.write_at(0, b"hello").unwrap();
        f.sync_data().unwrap();
        assert_eq!(disk.file_names(), vec!["new".to_string()]);
        assert!(disk.file_names_durable().is_empty());
        disk.power_loss();
        match disk.file_bytes("new") {
            None => vanished += 1,
            Some(bytes) => assert_eq!(bytes, b"hello"),
        }
    }
    assert!(vanished > 0);
}

#[test]
fn created_file_after_sync_dir_never_vanishes() {
    for seed in 0..200 {
        let disk = SimDisk::new(seed, harsh());
        disk.create("new").unwrap();
        disk.sync_dir().unwrap();
        disk.create("other").unwrap(); // pending, may vanish
        disk.power_loss();
        assert!(
            disk.file_names().contains(&"new".to_string()),
            "seed {seed}"
        );
        assert_eq!(disk.file_names(), disk.file_names_durable());
    }
}

#[test]
fn removed_file_without_sync_dir_may_come_back() {
    let mut back = 0;
    for seed in 0..100 {
        let (disk, f) = disk_with_file(seed, harsh());
        f.write_at(0, b"durable").unwrap();
        f.sync_data().unwrap();
        disk.remove("f").unwrap();
        assert!(disk.file_names().is_empty());
        assert!(disk.open("f").is_err());
        disk.power_loss();
        if let Some(bytes) = disk.file_bytes("f") {
            assert_eq!(bytes, b"durable");
            back += 1;
        }
    }
    assert!(back > 0);
    // And never after sync_dir.
    for seed in 0..100 {
        let (disk, _f) = disk_with_file(seed, harsh());
        disk.remove("f").unwrap();
        disk.sync_dir().unwrap();
        disk.power_loss();
        assert!(disk.file_bytes("f").is_none());
    }
}

#[test]
fn undone_dir_ops_are_counted() {
    let mut total = FaultCounts::default();
    for seed in 0..50 {
        let (disk, _f) = disk_with_file(seed, harsh());
        disk.create("g").unwrap();
        disk.remove("f").unwrap();
        disk.power_loss();
        total += disk.fault_counts();
    }
    assert!(total.undone_creates > 0);
    assert!(total.undone_removes > 0);
    assert_eq!(total.power_losses, 50);
}

#[test]
fn failed_sync_drops_pending_bytes_for_good() {
    for seed in 0..200 {
        let (disk, f) = disk_with_file(seed, harsh());
        f.write_at(0, b"synced").unwrap();
        f.sync_data().unwrap();
        disk.set_faults(FaultConfig {
            sync_data_failure_probability: 1.0,
            ..harsh()
        });
        f.write_at(6, b"-doomed").unwrap();
        let err = f.sync_data().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert_eq!(err.to_string(), "EIO");
        // Reads still see the bytes (clean pages in the cache) ...
        assert_eq!(disk.file_bytes("f").unwrap(), b"synced-doomed");
        assert_eq!(disk.pending_op_count("f"), Some(0));
        // ... and a later sync succeeds without making them durable.
        disk.set_faults(harsh());
        f.sync_data().unwrap();
        assert_eq!(disk.durable_bytes("f").unwrap(), b"synced");
        // A crash keeps the cache, a power loss does not bring them back.
        disk.crash();
        assert_eq!(disk.file_bytes("f").unwrap(), b"synced-doomed");
        disk.power_loss();
        assert_eq!(disk.file_bytes("f").unwrap(), b"synced", "seed {seed}");
        assert_eq!(disk.fault_counts().fsync_failures, 1);
    }
}

#[test]
fn write_failure_and_short_write() {
    let mut short_seen = 0;
    let mut enospc_seen = 0;
    let mut eio_seen = 0;
    for seed in 0..100 {
        let (disk, f) = disk_with_file(seed, FaultConfig::none());
        disk.set_faults(FaultConfig {
            write_failure_probability: 1.0,
            short_write_probability: 0.5,
            ..FaultConfig::none()
        });
        let data = pattern(1000, 9);
        let err = f.write_at(0, &data).unwrap_err();
        match err.kind() {
            io::ErrorKind::StorageFull => enospc_seen += 1,
            io::ErrorKind::Other => {
                assert_eq!(err.to_string(), "EIO");
                eio_seen += 1
            }
            other => panic!("unexpected error kind {other:?}"),
        }
        let now = disk.file_bytes("f").unwrap();
        assert!(now.len() < data.len());
        assert_eq!(&data[..now.len()], &now[..]);
        let counts = disk.fault_counts();
        assert_eq!(counts.write_failures, 1);
        if !now.is_empty() {
            short_seen += 1;
            assert_eq!(counts.short_writes, 1);
            // The prefix is a pending write like any other.
            disk.set_faults(FaultConfig::none());
            f.sync_data().unwrap();
            assert_eq!(disk.durable_bytes("f").unwrap(), now);
        } else {
            assert_eq!(counts.short_writes, 0);
        }
    }
    assert!(short_seen > 0 && short_seen < 100);
    assert!(enospc_seen > 0 && eio_seen > 0);
}

#[test]
fn transient_read_failure() {
    let (disk, f) = disk_with_file(1, FaultConfig::none());
    f.write_at(0, b"abc").unwrap();
    disk.set_faults(FaultConfig {
        read_failure_probability: 1.0,
        ..FaultConfig::none()
    });
    let mut buf = [0u8; 3];
    assert_eq!(f.read_at(0, &mut buf).unwrap_err().to_string(), "EIO");
    disk.set_faults(FaultConfig::none());
    f.read_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"abc");
    assert_eq!(disk.fault_counts().read_failures, 1);
}

/// A transient read failure never hits the same read twice in a row: the retry at
/// the same offset passes (the engine retries a failed read; only latent sector errors
/// may keep failing).
#[test]
fn transient_read_failure_passes_on_retry() {
    let (disk, f) = disk_with_file(1, FaultConfig::none());
    f.write_at(0, &pattern(2 * SECTOR as usize, 1)).unwrap();
    disk.set_faults(FaultConfig {
        read_failure_probability: 1.0,
        sector_size_bytes: SECTOR,
        ..FaultConfig::none()
    });
    let mut buf = [0u8; 8];
    assert!(f.read_at(0, &mut buf).is_err());
    // A read elsewhere in between fails too, and does not spare the retry at 0.
    assert!(f.read_at(SECTOR, &mut buf).is_err());
    f.read_at(0, &mut buf).unwrap();
    // A new failure may start after the retry passed.
    assert!(f.read_at(0, &mut buf).is_err());
    f.read_at(0, &mut buf).unwrap();
    f.read_at(SECTOR, &mut buf).unwrap();
    assert_eq!(disk.fault_counts().read_failures, 3);
    // A latent sector error is not transient: it fails every retry.
    disk.inject_latent_sector_error("f", 10).unwrap();
    for _ in 0..4 {
        assert!(f.read_at(0, &mut buf).is_err());
    }
    assert_eq!(disk.latent_sectors("f"), Some(vec![0]));
}

/// Sparing the retry draws what failing it would have drawn: the disk's other draws
/// do not move.
#[test]
fn sparing_a_retry_moves_no_draw() {
    let run = |retry_at_same_offset: bool| {
        let (disk, f) = disk_with_file(4, FaultConfig::none());
        f.write_at(0, &pattern(4 * SECTOR as usize, 1)).unwrap();
        disk.set_faults(FaultConfig {
            read_failure_probability: 0.5,
            ..FaultConfig::none()
        });
        let mut buf = [0u8; 8];
        let mut fails = Vec::new();
        for i in 0..64u64 {
            let at = if retry_at_same_offset { 0 } else { i % 2 * 100 };
            fails.push(f.read_at(at, &mut buf).is_err());
        }
        // Power loss draws come from the same stream: equal after equal draws.
        f.write_at(4 * SECTOR, &pattern(4 * SECTOR as usize, 2))
            .unwrap();
        disk.set_faults(FaultConfig::crash_only());
        disk.power_loss();
        (fails, disk.file_bytes("f"))
    };
    let (same, a) = run(true);
    let (_, b) = run(false);
    assert_eq!(a, b);
    // Never two failures in a row at the same offset.
    assert!(!same.windows(2).any(|w| w[0] && w[1]));
    assert!(same.iter().any(|&f| f));
}

#[test]
fn latent_sector_error_fails_reads_until_rewritten() {
    let faults = FaultConfig {
        sector_size_bytes: SECTOR,
        ..FaultConfig::none()
    };
    let (disk, f) = disk_with_file(3, faults);
    let data = pattern(4 * SECTOR as usize, 4);
    f.write_at(0, &data).unwrap();
    f.sync_data().unwrap();
    disk.inject_latent_sector_error("f", 2 * SECTOR + 17)
        .unwrap();
    let mut buf = vec![0u8; 10];
    let err = f.read_at(2 * SECTOR - 5, &mut buf).unwrap_err();
    assert_eq!(err.to_string(), "EIO");
    // Again: it is not transient.
    assert!(f.read_at(2 * SECTOR + 100, &mut buf).is_err());
    // Other sectors read fine.
    f.read_at(SECTOR, &mut buf).unwrap();
    f.read_at(3 * SECTOR, &mut buf).unwrap();
    // Rewriting the sector clears it.
    f.write_at(2 * SECTOR, &[7; 4]).unwrap();
    f.read_at(2 * SECTOR, &mut buf).unwrap();
    assert_eq!(&buf[..4], &[7; 4]);
    let counts = disk.fault_counts();
    assert_eq!(counts.latent_sector_errors, 1);
    assert_eq!(counts.read_failures, 2);
    // Bad input is an error, not a panic.
    assert!(disk.inject_latent_sector_error("f", 1 << 40).is_err());
    assert!(disk.inject_latent_sector_error("nope", 0).is_err());
}

#[test]
fn latent_sector_errors_appear_at_power_loss() {
    let faults = FaultConfig {
        latent_sector_error_at_power_loss_probability: 1.0,
        ..FaultConfig::none()
    };
    let (disk, f) = disk_with_file(5, faults);
    f.write_at(0, &pattern(3 * 4096, 1)).unwrap();
    f.sync_data().unwrap();
    disk.power_loss();
    assert_eq!(disk.fault_counts().latent_sector_errors, 1);
    let f = disk.open("f").unwrap();
    let mut failed = 0;
    for s in 0..3 {
        let mut buf = vec![0u8; 4096];
        if f.read_at(s * 4096, &mut buf).is_err() {
            failed += 1;
        }
    }
    assert_eq!(failed, 1);
}

#[test]
fn bit_rot_flips_exactly_one_durable_bit() {
    for seed in 0..100 {
        let (disk, f) = disk_with_file(seed, FaultConfig::none());
        let data = pattern(3000, 5);
        f.write_at(0, &data).unwrap();
        f.sync_data().unwrap();
        let rot = disk.bit_rot(None).expect("a file to rot");
        assert_eq!(rot.file_name, "f");
        let after = disk.durable_bytes("f").unwrap();
        let mut diff_bits = 0;
        for (i, (a, b)) in data.iter().zip(&after).enumerate() {
            let x = a ^ b;
            diff_bits += x.count_ones();
            if x != 0 {
                assert_eq!(i as u64, rot.offset_bytes);
                assert_eq!(x, 1 << rot.bit);
            }
        }
        assert_eq!(diff_bits, 1);
        // Reads see it too (the cached copy was clean).
        assert_eq!(disk.file_bytes("f").unwrap(), after);
        assert_eq!(disk.fault_counts().bit_rots, 1);
    }
}

#[test]
fn bit_rot_at_chosen_place_and_bad_input() {
    let (disk, f) = disk_with_file(1, FaultConfig::none());
    assert!(disk.bit_rot(None).is_none(), "no durable bytes yet");
    assert!(disk.bit_rot(Some("missing")).is_none());
    f.write_at(0, &[0u8; 8]).unwrap();
    assert!(disk.bit_rot(Some("f")).is_none(), "not synced yet");
    f.sync_data().unwrap();
    let rot = disk.flip_bit("f", 3, 6).unwrap();
    assert_eq!((rot.offset_bytes, rot.bit), (3, 6));
    assert_eq!(disk.durable_bytes("f").unwrap()[3], 0x40);
    assert!(disk.flip_bit("f", 8, 0).is_err());
    assert!(disk.flip_bit("f", 0, 8).is_err());
    assert!(disk.flip_bit("nope", 0, 0).is_err());
}

#[test]
fn last_synced_range_tracks_the_last_sync_with_data() {
    let (disk, f) = disk_with_file(1, FaultConfig::none());
    assert_eq!(disk.last_synced_range("f"), None);
    f.write_at(0, &[1; 100]).unwrap();
    f.sync_data().unwrap();
    assert_eq!(disk.last_synced_range("f"), Some((0, 100)));
    f.write_at(100, &[2; 50]).unwrap();
    f.write_at(200, &[3; 10]).unwrap();
    f.sync_data().unwrap();
    assert_eq!(disk.last_synced_range("f"), Some((100, 210)));
    f.sync_data().unwrap(); // nothing pending: unchanged
    assert_eq!(disk.last_synced_range("f"), Some((100, 210)));
    disk.power_loss();
    assert_eq!(disk.last_synced_range("f"), Some((100, 210)));
    assert_eq!(disk.last_synced_range("missing"), None);
}

#[test]
fn crash_keeps_everything() {
    for seed in 0..50 {
        let disk = SimDisk::new(seed, harsh());
        let f = disk.create("a").unwrap();
        f.write_at(0, b"synced").unwrap();
        f.sync_data().unwrap();
        f.write_at(6, b"+pending").unwrap();
        f.set_len(10).unwrap();
        let _g = disk.create("b").unwrap();
        disk.crash();
        assert_eq!(disk.file_names(), vec!["a".to_string(), "b".to_string()]);
        assert!(disk.file_names_durable().is_empty());
        assert_eq!(disk.file_bytes("a").unwrap(), b"synced+pen");
        assert_eq!(disk.durable_bytes("a").unwrap(), b"synced");
        assert_eq!(disk.pending_op_count("a"), Some(2));
        // The old handle is dead; a new one works on the same file.
        assert!(f.write_at(0, b"x").is_err());
        assert!(f.sync_data().is_err());
        let f2 = disk.open("a").unwrap();
        let mut buf = [0u8; 10];
        f2.read_at(0, &mut buf).unwrap();
        assert_eq!(&buf, b"synced+pen");
        let counts = disk.fault_counts();
        assert_eq!(counts.crashes, 1);
        assert_eq!(counts.lost_writes + counts.torn_writes, 0);
    }
}

#[test]
fn pending_set_len_may_or_may_not_apply() {
    let (mut applied, mut not_applied) = (0, 0);
    for seed in 0..100 {
        let (disk, f) = disk_with_file(seed, harsh());
        f.write_at(0, &pattern(2000, 1)).unwrap();
        f.sync_data().unwrap();
        f.set_len(100).unwrap();
        disk.power_loss();
        match disk.file_bytes("f").unwrap().len() {
            100 => applied += 1,
            2000 => not_applied += 1,
            other => panic!("seed {seed}: length {other}"),
        }
    }
    assert!(applied > 0 && not_applied > 0);
}

#[test]
fn lost_sectors_may_read_as_garbage() {
    let mut garbage_seen = 0;
    for seed in 0..200 {
        let (disk, f) = disk_with_file(seed, harsh());
        let data = pattern(4 * SECTOR as usize, 3);
        f.write_at(0, &data).unwrap();
        disk.power_loss();
        let after = disk.file_bytes("f").unwrap();
        let mut garbage_here = 0;
        for s in 0..4 {
            let lo = s * SECTOR as usize;
            if lo >= after.len() {
                break;
            }
            let hi = (lo + SECTOR as usize).min(after.len());
            let got = &after[lo..hi];
            if got != &data[lo..hi] && got.iter().any(|&b| b != 0) {
                garbage_here += 1;
            }
        }
        assert_eq!(
            garbage_here,
            disk.fault_counts().garbage_sectors,
            "seed {seed}"
        );
        garbage_seen += garbage_here;
    }
    assert!(garbage_seen > 0);
    // Off: never.
    for seed in 0..100 {
        let faults = FaultConfig {
            garbage_on_lost_sectors: false,
            ..harsh()
        };
        let (disk, f) = disk_with_file(seed, faults);
        f.write_at(0, &pattern(4 * SECTOR as usize, 3)).unwrap();
        disk.power_loss();
        assert_eq!(disk.fault_counts().garbage_sectors, 0);
    }
}

#[test]
fn sync_dir_failure_leaves_names_undecided() {
    let mut vanished = 0;
    for seed in 0..100 {
        let disk = SimDisk::new(seed, harsh());
        disk.set_faults(FaultConfig {
            sync_dir_failure_probability: 1.0,
            ..harsh()
        });
        disk.create("a").unwrap();
        disk.create("b").unwrap();
        let err = disk.sync_dir().unwrap_err();
        assert_eq!(err.to_string(), "EIO");
        assert_eq!(disk.fault_counts().sync_dir_failures, 1);
        if seed % 2 == 0 {
            // A later successful sync_dir makes them durable.
            disk.set_faults(harsh());
            disk.sync_dir().unwrap();
            disk.power_loss();
            assert_eq!(disk.file_names(), vec!["a".to_string(), "b".to_string()]);
        } else {
            disk.power_loss();
            vanished += 2 - disk.file_names().len();
        }
    }
    assert!(vanished > 0);
}

#[test]
fn misdirected_write_lands_elsewhere_on_the_medium() {
    let mut moved = 0;
    for seed in 0..50 {
        let (disk, f) = disk_with_file(seed, FaultConfig::crash_only());
        f.write_at(0, &vec![0xAA; 8 * SECTOR as usize]).unwrap();
        f.sync_data().unwrap();
        disk.set_faults(FaultConfig {
            misdirected_write_probability: 1.0,
            ..FaultConfig::crash_only()
        });
        let data = vec![0x55; 10];
        f.write_at(4 * SECTOR + 3, &data).unwrap();
        // Reads see the bytes where they were meant to go.
        let mut buf = [0u8; 10];
        f.read_at(4 * SECTOR + 3, &mut buf).unwrap();
        assert_eq!(buf.to_vec(), data);
        f.sync_data().unwrap();
        disk.power_loss();
        let after = disk.file_bytes("f").unwrap();
        let at = |o: u64| after.get(o as usize..o as usize + 10) == Some(&data[..]);
        assert!(!at(4 * SECTOR + 3), "seed {seed}");
        let landed = (1..=4u64)
            .flat_map(|k| [4 * SECTOR + 3 - k * SECTOR, 4 * SECTOR + 3 + k * SECTOR])
            .filter(|&o| at(o))
            .count();
        assert_eq!(landed, 1, "seed {seed}");
        moved += disk.fault_counts().misdirected_writes;
    }
    assert_eq!(moved, 50);
}

#[test]
fn lock_semantics() {
    let disk = SimDisk::new(1, FaultConfig::none());
    let guard = disk.lock().unwrap();
    assert_eq!(disk.lock().unwrap_err().kind(), io::ErrorKind::WouldBlock);
    let clone = disk.clone();
    assert!(clone.lock().is_err(), "clones share the lock");
    drop(guard);
    let guard = disk.lock().unwrap();
    // A crash releases it; the dead process's guard must not release the next one's.
    disk.crash();
    let new_guard = disk.lock().unwrap();
    drop(guard);
    assert!(disk.lock().is_err());
    // So does a power loss.
    disk.power_loss();
    let _third = disk.lock().unwrap();
    drop(new_guard);
    assert!(disk.lock().is_err());
}

#[test]
fn bad_input_gives_errors_not_panics() {
    let (disk, f) = disk_with_file(1, harsh());
    assert!(f.write_at(u64::MAX, b"x").is_err());
    assert!(f.write_at(u64::MAX - 1, b"xyz").is_err());
    assert!(f.write_at(MAX_FILE_LEN_BYTES, b"x").is_err());
    assert!(f.set_len(u64::MAX).is_err());
    let mut buf = [0u8; 4];
    assert_eq!(
        f.read_at(u64::MAX, &mut buf).unwrap_err().kind(),
        io::ErrorKind::UnexpectedEof
    );
    assert_eq!(
        f.read_at(0, &mut buf).unwrap_err().kind(),
        io::ErrorKind::UnexpectedEof
    );
    f.read_at(0, &mut []).unwrap();
    f.write_at(5, &[]).unwrap();
    assert_eq!(f.len().unwrap(), 0);
    assert_eq!(
        disk.create("f").err().map(|e| e.kind()),
        Some(io::ErrorKind::AlreadyExists)
    );
    assert_eq!(
        disk.open("g").err().map(|e| e.kind()),
        Some(io::ErrorKind::NotFound)
    );
    assert_eq!(
        disk.remove("g").unwrap_err().kind(),
        io::ErrorKind::NotFound
    );
    assert!(disk.create("").is_err());
    assert!(disk.create("a/b").is_err());
    // Out-of-range probabilities and a zero sector size are clamped, not panics.
    disk.set_faults(FaultConfig {
        sector_size_bytes: 0,
        write_failure_probability: 7.0,
        read_failure_probability: f64::NAN,
        sync_data_failure_probability: -1.0,
        ..harsh()
    });
    assert!(f.write_at(0, b"x").is_err());
    f.set_len(3).unwrap();
    f.read_at(0, &mut buf[..3]).unwrap();
    f.sync_data().unwrap();
    disk.power_loss();
    // An absurd sector size is clamped too.
    disk.set_faults(FaultConfig {
        sector_size_bytes: u64::MAX,
        latent_sector_error_at_power_loss_probability: 1.0,
        ..harsh()
    });
    let f = disk.open("f").unwrap();
    f.write_at(2, b"abcdef").unwrap();
    f.set_len(5).unwrap();
    disk.inject_latent_sector_error("f", 1).unwrap();
    disk.power_loss();
    assert!(disk.bit_rot(Some("f")).is_some());
}

#[test]
fn removed_but_open_file_stays_usable_until_the_process_ends() {
    let (disk, f) = disk_with_file(1, FaultConfig::none());
    disk.remove("f").unwrap();
    f.write_at(0, b"still").unwrap();
    f.sync_data().unwrap();
    let mut buf = [0u8; 5];
    f.read_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"still");
    // A new file of the same name is another file.
    let g = disk.create("f").unwrap();
    assert_eq!(g.len().unwrap(), 0);
}

/// Everything a scripted run shows: the trace of results, the files, the counts.
type RunResult = (Vec<String>, Vec<(String, Vec<u8>)>, FaultCounts);

/// Runs a scripted sequence with a swarm fault mix and returns everything observable.
fn scripted_run(seed: u64) -> RunResult {
    let mut config_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut faults = FaultConfig::swarm(&mut config_rng);
    // Make sure every per-operation fault fires in this script.
    faults.write_failure_probability = faults.write_failure_probability.max(0.05);
    faults.sync_data_failure_probability = faults.sync_data_failure_probability.max(0.05);
    faults.read_failure_probability = faults.read_failure_probability.max(0.05);
    let disk = SimDisk::new(seed, faults);
    let mut trace = Vec::new();
    for round in 0..5u8 {
        let _lock = disk.lock().unwrap();
        for i in 0..3u8 {
            let name = format!("chunk-{round}-{i}");
            let f = match disk.create(&name) {
                Ok(f) => f,
                Err(e) => {
                    trace.push(format!("create {name}: {e}"));
                    continue;
                }
            };
            for k in 0..20u64 {
                let data = pattern(100 + (k as usize * 37) % 900, round ^ i ^ k as u8);
                let r = f.write_at(k * 700, &data);
                trace.push(format!("write {name} {k}: {r:?}"));
                if k % 4 == 3 {
                    trace.push(format!("sync {name}: {:?}", f.sync_data()));
                }
                let mut buf = vec![0u8; 50];
                trace.push(format!("read {name}: {:?}", f.read_at(k * 300, &mut buf)));
            }
            if i == 1 {
                trace.push(format!("sync_dir: {:?}", disk.sync_dir()));
            }
        }
        if let Some(victim) = disk.file_names().first() {
            trace.push(format!("remove {victim}: {:?}", disk.remove(victim)));
        }
        if round % 2 == 0 {
            disk.power_loss();
        } else {
            disk.crash();
        }
        trace.push(format!("rot: {:?}", disk.bit_rot(None)));
    }
    let files = disk
        .file_names()
        .into_iter()
        .map(|n| {
            let b = disk.file_bytes(&n).unwrap();
            (n, b)
        })
        .collect();
    (trace, files, disk.fault_counts())
}

#[test]
fn same_seed_same_bytes() {
    for seed in 0..20 {
        let a = scripted_run(seed);
        let b = scripted_run(seed);
        assert_eq!(a, b, "seed {seed}");
    }
    assert_ne!(scripted_run(1), scripted_run(2));
}

#[test]
fn swarm_mixes_vary_and_are_valid() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mixes: Vec<FaultConfig> = (0..200).map(|_| FaultConfig::swarm(&mut rng)).collect();
    for m in &mixes {
        assert!(m.sector_size_bytes == 512 || m.sector_size_bytes == 4096);
        for p in [
            m.sync_data_failure_probability,
            m.write_failure_probability,
            m.short_write_probability,
            m.read_failure_probability,
            m.sync_dir_failure_probability,
            m.misdirected_write_probability,
            m.latent_sector_error_at_power_loss_probability,
            m.bit_rot_before_reopen_probability,
        ] {
            assert!((0.0..=1.0).contains(&p));
        }
    }
    let on = |f: fn(&FaultConfig) -> bool| mixes.iter().filter(|m| f(m)).count();
    let write_on = on(|m| m.write_failure_probability > 0.0);
    assert!(write_on > 20 && write_on < 180);
    let misdirected_on = on(|m| m.misdirected_write_probability > 0.0);
    assert!(misdirected_on > 0 && misdirected_on < 40);
    assert!(on(|m| m.tear_writes_at_power_loss) > 0);
    assert!(on(|m| !m.reorder_writes_at_power_loss) > 0);
    let mut again = ChaCha8Rng::seed_from_u64(42);
    assert_eq!(FaultConfig::swarm(&mut again), mixes[0]);
}

#[test]
fn fault_counts_add_up() {
    let mut a = FaultCounts {
        power_losses: 1,
        torn_writes: 2,
        ..FaultCounts::default()
    };
    a += FaultCounts {
        power_losses: 3,
        sync_dir_failures: 4,
        ..FaultCounts::default()
    };
    assert_eq!(a.power_losses, 4);
    assert_eq!(a.torn_writes, 2);
    assert_eq!(a.sync_dir_failures, 4);
}

#[test]
fn usable_from_several_threads() {
    let disk = SimDisk::new(9, FaultConfig::none());
    let f = disk.create("f").unwrap();
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let f = f.clone();
            s.spawn(move || {
                for k in 0..50u64 {
                    f.write_at((t * 50 + k) * 8, &(t * 50 + k).to_le_bytes())
                        .unwrap();
                }
            });
        }
    });
    f.sync_data().unwrap();
    let bytes = disk.durable_bytes("f").unwrap();
    for n in 0..200u64 {
        let at = n as usize * 8;
        assert_eq!(bytes[at..at + 8], n.to_le_bytes());
    }
}

#[test]
fn placed_file_is_durable_at_once_and_names_are_not_reused() {
    let (disk, f) = disk_with_file(2, harsh());
    f.write_at(0, b"pending").unwrap();
    disk.create("pending-name").unwrap();
    disk.place_file("stray", b"from outside").unwrap();
    assert_eq!(disk.file_names(), vec!["f", "pending-name", "stray"]);
    for name in ["f", "stray", "pending-name"] {
        let err = disk.place_file(name, b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{name}");
    }
    assert!(disk.place_file("a/b", b"").is_err());
    disk.power_loss();
    assert_eq!(disk.file_bytes("stray").unwrap(), b"from outside");
    assert_eq!(disk.durable_bytes("stray").unwrap(), b"from outside");
    assert_eq!(disk.fault_counts().files_placed, 1);
    // An empty file works too.
    disk.place_file("empty", b"").unwrap();
    assert_eq!(disk.file_bytes("empty").unwrap(), b"");
}

#[test]
fn deleted_file_never_comes_back() {
    for seed in 0..50 {
        let disk = SimDisk::new(seed, harsh());
        let f = disk.create("synced-name").unwrap();
        disk.sync_dir().unwrap();
        f.write_at(0, b"abc").unwrap();
        f.sync_data().unwrap();
        disk.create("pending-name").unwrap();
        assert_eq!(disk.delete_file("synced-name").unwrap(), b"abc");
        assert_eq!(disk.delete_file("pending-name").unwrap(), b"");
        assert!(disk.delete_file("synced-name").is_err());
        // A handle opened before stays usable until the process ends.
        f.write_at(3, b"d").unwrap();
        disk.power_loss();
        assert!(disk.file_names().is_empty(), "seed {seed}");
        assert_eq!(disk.fault_counts().files_deleted, 2);
    }
}

#[test]
fn edits_at_rest_are_durable_and_leave_sync_bookkeeping_alone() {
    let faults = FaultConfig {
        sector_size_bytes: SECTOR,
        ..harsh()
    };
    for seed in 0..50 {
        let (disk, f) = disk_with_file(seed, faults.clone());
        let data = pattern(4 * SECTOR as usize, 3);
        f.write_at(0, &data).unwrap();
        f.sync_data().unwrap();
        f.write_at(4 * SECTOR, &pattern(SECTOR as usize, 4))
            .unwrap();
        disk.crash();
        disk.inject_latent_sector_error("f", SECTOR).unwrap();
        disk.write_at_rest("f", SECTOR + 10, b"XY").unwrap();
        assert_eq!(disk.latent_sectors("f"), Some(vec![]));
        disk.zero_at_rest("f", 2 * SECTOR - 1, SECTOR + 2).unwrap();
        disk.power_loss();
        let after = disk.file_bytes("f").unwrap();
        // The unsynced write became durable with the edit (the file was synced whole).
        assert_eq!(after.len() as u64, 5 * SECTOR, "seed {seed}");
        assert_eq!(&after[SECTOR as usize + 10..SECTOR as usize + 12], b"XY");
        assert!(after[2 * SECTOR as usize - 1..3 * SECTOR as usize + 1]
            .iter()
            .all(|&b| b == 0));
        assert_eq!(
            after[3 * SECTOR as usize + 1],
            data[3 * SECTOR as usize + 1]
        );
        assert_eq!(disk.last_synced_range("f"), Some((0, 4 * SECTOR)));
        assert_eq!(disk.synced_end("f"), Some(4 * SECTOR));
        let counts = disk.fault_counts();
        assert_eq!(counts.edits_at_rest, 2);
        assert_eq!(counts.zeroed_sectors, 3);
        disk.set_len_at_rest("f", 100).unwrap();
        assert_eq!(disk.durable_bytes("f").unwrap(), data[..100].to_vec());
        assert_eq!(disk.synced_end("f"), Some(100));
        assert!(disk.write_at_rest("nope", 0, b"x").is_err());
        assert!(disk.set_len_at_rest("f", 1 << 40).is_err());
    }
}

#[test]
fn synced_end_counts_synced_writes_only() {
    let (disk, f) = disk_with_file(6, FaultConfig::none());
    assert_eq!(disk.synced_end("f"), Some(0));
    f.write_at(0, &[1; 100]).unwrap();
    f.sync_data().unwrap();
    f.allocate(1000).unwrap();
    f.sync_data().unwrap();
    assert_eq!(disk.synced_end("f"), Some(100));
    // Unsynced bytes that a power loss keeps are durable, not synced.
    f.write_at(100, &[2; 50]).unwrap();
    disk.power_loss();
    assert_eq!(disk.synced_end("f"), Some(100));
    let f = disk.open("f").unwrap();
    f.set_len(60).unwrap();
    f.sync_data().unwrap();
    assert_eq!(disk.synced_end("f"), Some(60));
    assert_eq!(disk.synced_end("nope"), None);
}

#[test]
fn shared_bytes_do_not_change_with_the_file() {
    let (disk, f) = disk_with_file(7, FaultConfig::none());
    f.write_at(0, b"before").unwrap();
    let seen = disk.file_bytes_shared("f").unwrap();
    f.write_at(0, b"AFTER!").unwrap();
    disk.write_at_rest("f", 6, b"+").unwrap();
    assert_eq!(&seen[..], b"before");
    assert_eq!(disk.file_bytes("f").unwrap(), b"AFTER!+");
}

#[test]
fn bit_rot_where_spares_the_other_files() {
    let draw = |pick_all: bool| {
        let disk = SimDisk::new(8, FaultConfig::none());
        for name in ["a", "b", "keep"] {
            let f = disk.create(name).unwrap();
            f.write_at(0, &pattern(3000, 9)).unwrap();
            f.sync_data().unwrap();
        }
        disk.sync_dir().unwrap();
        (0..40)
            .map(|_| {
                if pick_all {
                    disk.bit_rot_where(|_| true)
                } else {
                    disk.bit_rot(None)
                }
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(draw(true), draw(false));
    let disk = SimDisk::new(8, FaultConfig::none());
    for name in ["a", "keep"] {
        let f = disk.create(name).unwrap();
        f.write_at(0, &[5; 64]).unwrap();
        f.sync_data().unwrap();
    }
    disk.sync_dir().unwrap();
    for _ in 0..40 {
        assert_eq!(disk.bit_rot_where(|n| n != "keep").unwrap().file_name, "a");
    }
    assert_eq!(disk.file_bytes("keep").unwrap(), vec![5; 64]);
    assert!(disk.bit_rot_where(|_| false).is_none());
}
