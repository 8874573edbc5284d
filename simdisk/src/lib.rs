//! The simulated, faulty disk: a seeded, deterministic [`Storage`] that enforces the
//! durability contract of [`raftwal::Storage`] *exactly* and injects the faults of the
//! design's fault model.
//!
//! # Model
//!
//! The disk holds inodes. Each has durable bytes (what the medium holds), a volatile
//! view (what reads see, like the page cache) and the list of pending operations
//! (writes and `set_len`s not yet made durable by a successful `sync_data`), in issue
//! order. The directory has durable names and volatile names (what `list`/`open` see)
//! and the list of pending creates and removes not yet made durable by `sync_dir`.
//!
//! The simulator drives the disk from outside: [`SimDisk::power_loss`] resolves every
//! pending operation (see the `power_loss` module: whole, torn, lost, reordered at
//! sector granularity), [`SimDisk::crash`] only ends the "process", and
//! [`SimDisk::bit_rot`] / [`SimDisk::inject_latent_sector_error`] damage data at rest.
//! Per-operation faults (write, read, `sync_data` and `sync_dir` failures, misdirected
//! writes) are drawn from the disk's own RNG when the engine calls it, with the
//! probabilities of the current [`FaultConfig`].
//!
//! # Determinism
//!
//! All randomness comes from one `ChaCha8Rng` seeded at construction; all state lives
//! in ordered maps. With single-threaded use, the same seed and the same sequence of
//! calls give the same bytes, errors and [`FaultCounts`]. The disk may be used from
//! several threads (one mutex guards it), but then the interleaving decides the draws.
//!
//! # Processes
//!
//! A crash or a power loss ends the "process": the directory lock is released and
//! every file handle opened before it becomes stale — its operations fail with an
//! [`io::ErrorKind::Other`] error saying so, and never touch the disk — so a write from
//! a dead process cannot land in the next one's files.

mod file;
mod power_loss;
#[cfg(test)]
mod tests;

use self::file::{write_into, PendingOp, SimFile, MAX_FILE_LEN_BYTES};
use self::power_loss::{resolve_file, PowerLossMode};
use parking_lot::Mutex;
use raftwal::{Storage, StorageFile};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::ops::AddAssign;
use std::sync::Arc;

/// The largest sector size the disk uses, in bytes (larger configured values are
/// clamped to it, so that sector arithmetic cannot overflow).
const MAX_SECTOR_SIZE_BYTES: u64 = 1 << 20;

/// The probabilities and switches of every fault the disk injects by itself.
///
/// Probabilities are per call (per write, per read, per sync) unless said otherwise.
/// A value `<= 0` (or NaN) means never, `>= 1` means always. All probabilities zero and
/// all switches off ([`FaultConfig::none`]) is a perfect disk: it still loses unsynced
/// data at a power loss, because the durability contract allows that, but only as an
/// in-order prefix of whole operations.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultConfig {
    /// The unit of atomic persistence, in bytes: 512 or 4096 (any non-zero value
    /// works; zero is taken as 512 and values above 1 MiB as 1 MiB). Tearing,
    /// reordering, garbage and latent errors happen at this granularity, at offsets
    /// that are multiples of it.
    pub sector_size_bytes: u64,
    /// At a power loss, a pending write may persist in part (some of its sectors).
    /// Off: each pending write persists whole or not at all.
    pub tear_writes_at_power_loss: bool,
    /// At a power loss, pending operations persist independently (a later sector may
    /// be present, an earlier one not), and pending creates/removes are undone
    /// independently. Off: what persists is a prefix of the issue order.
    pub reorder_writes_at_power_loss: bool,
    /// At a power loss, a sector that a pending write allocated past the durable end
    /// of the file, that was never written to the medium but is inside the recovered
    /// length, reads as random bytes instead of zeros.
    pub garbage_on_lost_sectors: bool,
    /// `sync_data` fails with EIO and drops the file's pending operations for good
    /// (fsyncgate): the volatile view keeps showing them, no power loss brings them
    /// back, and a later `sync_data` returns Ok without making them durable.
    pub sync_data_failure_probability: f64,
    /// `write_at` fails with EIO or ENOSPC (even odds).
    pub write_failure_probability: f64,
    /// Given a failed `write_at` of at least 2 bytes, the probability that a strict,
    /// non-empty prefix of the buffer was written first (as a pending write).
    pub short_write_probability: f64,
    /// `read_at` fails with a transient EIO. Transient means it: the next read of the
    /// same file at the same offset after such a failure does not fail transiently
    /// (a retry passes; only a latent sector error keeps failing).
    pub read_failure_probability: f64,
    /// `sync_dir` fails with EIO; a random prefix of the pending creates/removes has
    /// become durable, the rest stay pending (undecided until a later `sync_dir`
    /// succeeds or a power loss decides them).
    pub sync_dir_failure_probability: f64,
    /// A `write_at` returns Ok, reads see the bytes where they were meant to go, but on
    /// the medium they land 1 to 4 sectors before or after (they show up there, and
    /// not at the intended offset, once the volatile view is lost by a power loss).
    pub misdirected_write_probability: f64,
    /// Per power loss: one random sector of a random non-empty file gets a latent
    /// sector error (reads touching it fail with EIO until it is rewritten).
    pub latent_sector_error_at_power_loss_probability: f64,
    /// Not used by the disk itself: a knob for the simulator, which decides when to
    /// call [`SimDisk::bit_rot`] (e.g. before a reopen, with this probability). Drawn
    /// by [`FaultConfig::swarm`] so that the whole fault mix comes from one seed.
    pub bit_rot_before_reopen_probability: f64,
}

impl FaultConfig {
    /// A perfect disk: no fault at all; a power loss keeps an in-order prefix of whole
    /// pending operations. 4096-byte sectors.
    pub fn none() -> Self {
        FaultConfig {
            sector_size_bytes: 4096,
            tear_writes_at_power_loss: false,
            reorder_writes_at_power_loss: false,
            garbage_on_lost_sectors: false,
            sync_data_failure_probability: 0.0,
            write_failure_probability: 0.0,
            short_write_probability: 0.0,
            read_failure_probability: 0.0,
            sync_dir_failure_probability: 0.0,
            misdirected_write_probability: 0.0,
            latent_sector_error_at_power_loss_probability: 0.0,
            bit_rot_before_reopen_probability: 0.0,
        }
    }

    /// Only what the durability contract allows at a power loss, at its harshest:
    /// tearing and reordering on, and nothing else (no I/O errors, no garbage, no
    /// rot). 512-byte sectors, so that writes tear into many pieces.
    pub fn crash_only() -> Self {
        FaultConfig {
            sector_size_bytes: 512,
            tear_writes_at_power_loss: true,
            reorder_writes_at_power_loss: true,
            ..FaultConfig::none()
        }
    }

    /// A random fault mix, swarm-testing style: each fault kind is on or off at random
    /// and the probabilities of those that are on vary over orders of magnitude, so
    /// that different seeds explore different corners. Misdirected writes are on only
    /// rarely (one mix in twenty). Draws from `rng` only (deterministic per seed).
    pub fn swarm(rng: &mut impl Rng) -> Self {
        fn maybe(rng: &mut impl Rng, on_probability: f64, lo: f64, hi: f64) -> f64 {
            if rng.gen_bool(on_probability) {
                // Log-uniform in [lo, hi].
                let t: f64 = rng.gen_range(0.0..=1.0);
                lo * (hi / lo).powf(t)
            } else {
                0.0
            }
        }
        let sector_size_bytes = if rng.gen_bool(0.5) { 512 } else { 4096 };
        let tear_writes_at_power_loss = rng.gen_bool(0.75);
        let reorder_writes_at_power_loss = rng.gen_bool(0.75);
        let garbage_on_lost_sectors = rng.gen_bool(0.3);
        let sync_data_failure_probability = maybe(rng, 0.4, 0.001, 0.05);
        let write_failure_probability = maybe(rng, 0.4, 0.001, 0.05);
        let short_write_probability = rng.gen_range(0.0..=1.0);
        let read_failure_probability = maybe(rng, 0.4, 0.001, 0.05);
        let sync_dir_failure_probability = maybe(rng, 0.3, 0.001, 0.05);
        let misdirected_write_probability = maybe(rng, 0.05, 0.0005, 0.01);
        let latent_sector_error_at_power_loss_probability = maybe(rng, 0.3, 0.05, 0.5);
        let bit_rot_before_reopen_probability = maybe(rng, 0.3, 0.05, 0.5);
        FaultConfig {
            sector_size_bytes,
            tear_writes_at_power_loss,
            reorder_writes_at_power_loss,
            garbage_on_lost_sectors,
            sync_data_failure_probability,
            write_failure_probability,
            short_write_probability,
            read_failure_probability,
            sync_dir_failure_probability,
            misdirected_write_probability,
            latent_sector_error_at_power_loss_probability,
            bit_rot_before_reopen_probability,
        }
    }

    fn sector_size(&self) -> u64 {
        match self.sector_size_bytes {
            0 => 512,
            n => n.min(MAX_SECTOR_SIZE_BYTES),
        }
    }

    fn power_loss_mode(&self) -> PowerLossMode {
        PowerLossMode {
            sector_size_bytes: self.sector_size(),
            tear_writes: self.tear_writes_at_power_loss,
            reorder_writes: self.reorder_writes_at_power_loss,
            garbage_on_lost_sectors: self.garbage_on_lost_sectors,
        }
    }
}

impl Default for FaultConfig {
    /// [`FaultConfig::none`].
    fn default() -> Self {
        FaultConfig::none()
    }
}

/// How many faults of each kind the disk has injected (or, for power losses and
/// crashes, undergone) since it was built. Summable across runs with `+=`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FaultCounts {
    /// Calls to [`SimDisk::power_loss`].
    pub power_losses: u64,
    /// Calls to [`SimDisk::crash`].
    pub crashes: u64,
    /// Pending writes that survived a power loss only partly (some sectors).
    pub torn_writes: u64,
    /// Pending writes of which no sector survived a power loss.
    pub lost_writes: u64,
    /// Files in which, at a power loss, a later sector survived while an earlier one
    /// (earlier in issue order) was lost; counted once per file per power loss.
    pub reordered: u64,
    /// Pending creates undone by a power loss (the file is gone).
    pub undone_creates: u64,
    /// Pending removes undone by a power loss (the file is back).
    pub undone_removes: u64,
    /// `sync_data` calls that failed (and dropped the pending operations).
    pub fsync_failures: u64,
    /// `write_at` calls that failed (EIO or ENOSPC), short or not.
    pub write_failures: u64,
    /// Failed `write_at` calls that wrote a prefix of the buffer first.
    pub short_writes: u64,
    /// `read_at` calls that failed, transiently or on a latent sector error.
    pub read_failures: u64,
    /// Latent sector errors injected (by method or at a power loss).
    pub latent_sector_errors: u64,
    /// Bits flipped in durable data at rest.
    pub bit_rots: u64,
    /// Sectors that read as random bytes after a power loss.
    pub garbage_sectors: u64,
    /// Writes that landed at the wrong offset on the medium.
    pub misdirected_writes: u64,
    /// `sync_dir` calls that failed.
    pub sync_dir_failures: u64,
    /// Files created with durable contents from outside the engine
    /// ([`SimDisk::place_file`]: an operator, a backup, another program).
    pub files_placed: u64,
    /// Files deleted durably from outside the engine ([`SimDisk::delete_file`]).
    pub files_deleted: u64,
    /// Edits of file contents at rest from outside the engine
    /// ([`SimDisk::write_at_rest`], [`SimDisk::set_len_at_rest`]), zeroing included.
    pub edits_at_rest: u64,
    /// Sectors that read back as zeros after [`SimDisk::zero_at_rest`].
    pub zeroed_sectors: u64,
}

impl AddAssign for FaultCounts {
    fn add_assign(&mut self, other: FaultCounts) {
        self.power_losses += other.power_losses;
        self.crashes += other.crashes;
        self.torn_writes += other.torn_writes;
        self.lost_writes += other.lost_writes;
        self.reordered += other.reordered;
        self.undone_creates += other.undone_creates;
        self.undone_removes += other.undone_removes;
        self.fsync_failures += other.fsync_failures;
        self.write_failures += other.write_failures;
        self.short_writes += other.short_writes;
        self.read_failures += other.read_failures;
        self.latent_sector_errors += other.latent_sector_errors;
        self.bit_rots += other.bit_rots;
        self.garbage_sectors += other.garbage_sectors;
        self.misdirected_writes += other.misdirected_writes;
        self.sync_dir_failures += other.sync_dir_failures;
        self.files_placed += other.files_placed;
        self.files_deleted += other.files_deleted;
        self.edits_at_rest += other.edits_at_rest;
        self.zeroed_sectors += other.zeroed_sectors;
    }
}

/// Where [`SimDisk::bit_rot`] (or [`SimDisk::flip_bit`]) flipped a bit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BitRot {
    /// The file's name.
    pub file_name: String,
    /// The byte holding the flipped bit, from the start of the file.
    pub offset_bytes: u64,
    /// The flipped bit within that byte, 0 (least significant) to 7.
    pub bit: u8,
}

/// A pending directory operation, in issue order.
#[derive(Clone, Debug)]
enum DirOp {
    Create { name: String, inode: u64 },
    Remove { name: String },
}

impl DirOp {
    fn name(&self) -> &str {
        match self {
            DirOp::Create { name, .. } | DirOp::Remove { name } => name,
        }
    }

    fn apply(&self, names: &mut BTreeMap<String, u64>) {
        match self {
            DirOp::Create { name, inode } => {
                names.insert(name.clone(), *inode);
            }
            DirOp::Remove { name } => {
                names.remove(name);
            }
        }
    }
}

/// Everything the disk holds, under one mutex.
struct DiskState {
    rng: ChaCha8Rng,
    faults: FaultConfig,
    counts: FaultCounts,
    /// Inodes by number. An inode lives while a name, a pending directory operation or
    /// (until the next crash or power loss) an open handle may refer to it.
    inodes: BTreeMap<u64, SimFile>,
    next_inode: u64,
    /// Names as `list` and `open` see them.
    names_volatile: BTreeMap<String, u64>,
    /// Names as a power loss keeps them for sure.
    names_durable: BTreeMap<String, u64>,
    /// Creates and removes not yet made durable, in issue order.
    dir_pending: Vec<DirOp>,
    /// The process generation: bumped by every crash and power loss.
    epoch: u64,
    /// The token of the current lock holder, if any.
    lock_holder: Option<u64>,
    next_lock_token: u64,
}

fn eio() -> io::Error {
    io::Error::other("EIO")
}

fn enospc() -> io::Error {
    io::Error::new(io::ErrorKind::StorageFull, "ENOSPC")
}

fn stale() -> io::Error {
    io::Error::other("stale file handle: opened before a crash or power loss of the simulated disk")
}

fn not_found(name: &str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("no such file: {name}"))
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("EFBIG: the simulated disk holds files of at most {MAX_FILE_LEN_BYTES} bytes"),
    )
}

/// Draws `true` with probability `p`, clamped; consumes no randomness when `p <= 0`.
fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    if p.is_nan() || p <= 0.0 {
        false
    } else if p >= 1.0 {
        true
    } else {
        rng.gen_bool(p)
    }
}

impl DiskState {
    fn lookup(&self, name: &str) -> Option<u64> {
        self.names_volatile
            .get(name)
            .or_else(|| self.names_durable.get(name))
            .copied()
    }

    /// Drops inodes that nothing can reach any more. Called when the process ends, so
    /// that open handles (now stale) do not count.
    fn collect_garbage(&mut self) {
        let mut live: BTreeSet<u64> = BTreeSet::new();
        live.extend(self.names_volatile.values().copied());
        live.extend(self.names_durable.values().copied());
        for op in &self.dir_pending {
            if let DirOp::Create { inode, .. } = op {
                live.insert(*inode);
            }
        }
        self.inodes.retain(|inode, _| live.contains(inode));
    }

    fn end_process(&mut self) {
        self.epoch += 1;
        self.lock_holder = None;
    }

    fn power_loss(&mut self) {
        self.counts.power_losses += 1;
        self.end_process();

        // The directory: each pending create/remove persists or not.
        let ops = std::mem::take(&mut self.dir_pending);
        let keep: Vec<bool> = if self.faults.reorder_writes_at_power_loss {
            ops.iter().map(|_| self.rng.gen_bool(0.5)).collect()
        } else {
            let prefix = self.rng.gen_range(0..=ops.len());
            (0..ops.len()).map(|i| i < prefix).collect()
        };
        for (op, kept) in ops.iter().zip(keep) {
            if kept {
                op.apply(&mut self.names_durable);
            } else {
                match op {
                    DirOp::Create { .. } => self.counts.undone_creates += 1,
                    DirOp::Remove { .. } => self.counts.undone_removes += 1,
                }
            }
        }
        self.names_volatile = self.names_durable.clone();
        self.collect_garbage();

        // The files: each pending operation persists whole, torn or not at all.
        let mode = self.faults.power_loss_mode();
        for file in self.inodes.values_mut() {
            let outcome = resolve_file(file, &mut self.rng, mode);
            self.counts.torn_writes += outcome.torn_writes;
            self.counts.lost_writes += outcome.lost_writes;
            self.counts.reordered += u64::from(outcome.reordered);
            self.counts.garbage_sectors += outcome.garbage_sectors;
        }

        // A latent sector error may appear on the medium.
        if chance(
            &mut self.rng,
            self.faults.latent_sector_error_at_power_loss_probability,
        ) {
            let candidates: Vec<u64> = self
                .inodes
                .iter()
                .filter(|(_, f)| !f.durable.is_empty())
                .map(|(inode, _)| *inode)
                .collect();
            if !candidates.is_empty() {
                let inode = candidates[self.rng.gen_range(0..candidates.len())];
                let ss = self.faults.sector_size();
                if let Some(file) = self.inodes.get_mut(&inode) {
                    let sectors = (file.durable.len() as u64).div_ceil(ss);
                    let sector = self.rng.gen_range(0..sectors);
                    file.latent_bad_sectors.insert(sector);
                    self.counts.latent_sector_errors += 1;
                }
            }
        }
    }

    /// Applies `edit` to the volatile view of the current file `file_name`, then makes
    /// the durable bytes equal to it (nothing pending any more); counts the edit.
    fn edit_at_rest(
        &mut self,
        file_name: &str,
        edit: impl FnOnce(&mut SimFile, u64) -> io::Result<()>,
    ) -> io::Result<()> {
        let ss = self.faults.sector_size();
        let inode = *self
            .names_volatile
            .get(file_name)
            .ok_or_else(|| not_found(file_name))?;
        let file = self
            .inodes
            .get_mut(&inode)
            .ok_or_else(|| not_found(file_name))?;
        edit(file, ss)?;
        file.pending.clear();
        file.durable = file.volatile.to_vec();
        file.synced_end = file.synced_end.min(file.durable.len() as u64);
        self.counts.edits_at_rest += 1;
        Ok(())
    }

    fn flip_bit(
        &mut self,
        inode: u64,
        file_name: &str,
        offset_bytes: u64,
        bit: u8,
    ) -> io::Result<BitRot> {
        let file = self
            .inodes
            .get_mut(&inode)
            .ok_or_else(|| not_found(file_name))?;
        if offset_bytes >= file.durable.len() as u64 || bit > 7 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "bit {bit} of byte {offset_bytes} is outside the {} durable bytes of {file_name}",
                    file.durable.len()
                ),
            ));
        }
        let at = offset_bytes as usize;
        let before = file.durable[at];
        file.durable[at] ^= 1 << bit;
        // The page cache copy is dropped and reread if it was clean.
        if file.volatile.get(at) == Some(&before) {
            Arc::make_mut(&mut file.volatile)[at] ^= 1 << bit;
        }
        self.counts.bit_rots += 1;
        Ok(BitRot {
            file_name: file_name.to_string(),
            offset_bytes,
            bit,
        })
    }
}

/// The simulated disk: a cheap, clonable handle; clones share the same disk, so a log
/// can be dropped (a process crash) and reopened on it. See the module documentation
/// for the model.
#[derive(Clone)]
pub struct SimDisk {
    state: Arc<Mutex<DiskState>>,
    seed: u64,
}

impl std::fmt::Debug for SimDisk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state.lock();
        f.debug_struct("SimDisk")
            .field("seed", &self.seed)
            .field("faults", &state.faults)
            .field("counts", &state.counts)
            .field("files", &state.names_volatile.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SimDisk {
    /// An empty disk whose every random choice comes from a `ChaCha8Rng` seeded with
    /// `seed`, injecting the faults of `faults`.
    pub fn new(seed: u64, faults: FaultConfig) -> Self {
        SimDisk {
            state: Arc::new(Mutex::new(DiskState {
                rng: ChaCha8Rng::seed_from_u64(seed),
                faults,
                counts: FaultCounts::default(),
                inodes: BTreeMap::new(),
                next_inode: 1,
                names_volatile: BTreeMap::new(),
                names_durable: BTreeMap::new(),
                dir_pending: Vec::new(),
                epoch: 0,
                lock_holder: None,
                next_lock_token: 1,
            })),
            seed,
        }
    }

    /// The seed the disk was built with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The current fault configuration.
    pub fn faults(&self) -> FaultConfig {
        self.state.lock().faults.clone()
    }

    /// Replaces the fault configuration from the next call on (e.g. all off for a clean
    /// reopen, then on again). Existing state is untouched.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.state.lock().faults = faults;
    }

    /// How many faults of each kind were injected so far.
    pub fn fault_counts(&self) -> FaultCounts {
        self.state.lock().counts
    }

    /// A power loss. Every file keeps its durable bytes; each pending write survives
    /// whole, torn (a subset of its sectors) or not at all, sectors independently when
    /// reordering is on; each pending `set_len` applies or not; each pending create or
    /// remove is kept or undone (a created file gone, a removed one back). Lost
    /// sectors may read as garbage, and a latent sector error may appear, per the
    /// configuration. Afterwards the volatile view equals the durable state, nothing
    /// is pending, the directory lock is free and every open handle is stale.
    pub fn power_loss(&self) {
        self.state.lock().power_loss();
    }

    /// A process crash: nothing that reached the disk is lost (pending operations stay
    /// pending, the volatile view is unchanged). The directory lock is released and
    /// every open handle becomes stale.
    pub fn crash(&self) {
        let mut state = self.state.lock();
        state.counts.crashes += 1;
        state.end_process();
        state.collect_garbage();
    }

    /// Flips one random bit in the durable bytes of `file_name` (looked up among the
    /// current names, then the durable ones), or, if `None`, of a random file among
    /// those with a durable name and durable bytes. The volatile view of that byte
    /// flips too unless it differs from the durable byte (a newer write hides the rot
    /// until a power loss). Returns where, or `None` if there is no such file or it has
    /// no durable bytes.
    pub fn bit_rot(&self, file_name: Option<&str>) -> Option<BitRot> {
        let mut state = self.state.lock();
        let (name, inode) = match file_name {
            Some(name) => (name.to_string(), state.lookup(name)?),
            None => {
                let candidates: Vec<(String, u64)> = state
                    .names_durable
                    .iter()
                    .filter(|(_, inode)| {
                        state
                            .inodes
                            .get(inode)
                            .is_some_and(|f| !f.durable.is_empty())
                    })
                    .map(|(n, i)| (n.clone(), *i))
                    .collect();
                if candidates.is_empty() {
                    return None;
                }
                let pick = state.rng.gen_range(0..candidates.len());
                candidates[pick].clone()
            }
        };
        let len = state.inodes.get(&inode)?.durable.len() as u64;
        if len == 0 {
            return None;
        }
        let offset_bytes = state.rng.gen_range(0..len);
        let bit = state.rng.gen_range(0..8u8);
        state.flip_bit(inode, &name, offset_bytes, bit).ok()
    }

    /// Flips bit `bit` (0..=7) of durable byte `offset_bytes` of `file_name`, like
    /// [`SimDisk::bit_rot`] but at a chosen place. Fails with `NotFound` for an unknown
    /// name and `InvalidInput` for a place outside the durable bytes.
    pub fn flip_bit(&self, file_name: &str, offset_bytes: u64, bit: u8) -> io::Result<BitRot> {
        let mut state = self.state.lock();
        let inode = state
            .lookup(file_name)
            .ok_or_else(|| not_found(file_name))?;
        state.flip_bit(inode, file_name, offset_bytes, bit)
    }

    /// Gives the sector holding byte `offset_bytes` of `file_name` a latent sector
    /// error: every read touching it fails with EIO until a write touches it (or a
    /// truncation removes it). Fails with `NotFound` for an unknown name and
    /// `InvalidInput` if the offset is not inside the file (its current length).
    pub fn inject_latent_sector_error(&self, file_name: &str, offset_bytes: u64) -> io::Result<()> {
        let mut state = self.state.lock();
        let ss = state.faults.sector_size();
        let inode = state
            .lookup(file_name)
            .ok_or_else(|| not_found(file_name))?;
        let file = state
            .inodes
            .get_mut(&inode)
            .ok_or_else(|| not_found(file_name))?;
        if offset_bytes >= file.volatile.len() as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("offset {offset_bytes} is past the end of {file_name}"),
            ));
        }
        file.latent_bad_sectors.insert(offset_bytes / ss);
        state.counts.latent_sector_errors += 1;
        Ok(())
    }

    /// The half-open byte range `[start, end)` spanning the writes that the last
    /// successful `sync_data` of `file_name` made durable, ignoring syncs that had no
    /// pending write. `None` for an unknown name or a file never synced with data.
    /// The simulator uses it to classify rot inside the very last synced write.
    pub fn last_synced_range(&self, file_name: &str) -> Option<(u64, u64)> {
        let state = self.state.lock();
        let inode = state.lookup(file_name)?;
        state.inodes.get(&inode)?.last_synced_range
    }

    /// The current file names (what `list` returns), sorted.
    pub fn file_names(&self) -> Vec<String> {
        self.state.lock().names_volatile.keys().cloned().collect()
    }

    /// The durable file names (those a power loss keeps for sure), sorted.
    pub fn file_names_durable(&self) -> Vec<String> {
        self.state.lock().names_durable.keys().cloned().collect()
    }

    /// The bytes reads of `file_name` see now (the volatile view), or `None` if there
    /// is no such current name.
    pub fn file_bytes(&self, file_name: &str) -> Option<Vec<u8>> {
        let state = self.state.lock();
        let inode = state.names_volatile.get(file_name)?;
        Some(state.inodes.get(inode)?.volatile.to_vec())
    }

    /// The durable bytes of the file currently named `file_name` (looked up among the
    /// current names, then the durable ones): what a power loss keeps of its contents
    /// for sure, whether or not its name survives. `None` for an unknown name.
    pub fn durable_bytes(&self, file_name: &str) -> Option<Vec<u8>> {
        let state = self.state.lock();
        let inode = state.lookup(file_name)?;
        Some(state.inodes.get(&inode)?.durable.clone())
    }

    /// How many operations (writes and `set_len`s) of `file_name` are pending, i.e.
    /// issued but not made durable and not dropped by a failed sync. `None` for an
    /// unknown name.
    pub fn pending_op_count(&self, file_name: &str) -> Option<usize> {
        let state = self.state.lock();
        let inode = state.lookup(file_name)?;
        Some(state.inodes.get(&inode)?.pending.len())
    }

    /// Whether the file `file_name` (a current name) is durable: its name survives any
    /// power loss and its durable bytes are what reads see (nothing pending, nothing
    /// dropped by a failed sync). `None` for an unknown name. Copies nothing.
    pub fn is_durable(&self, file_name: &str) -> Option<bool> {
        let state = self.state.lock();
        let inode = *state.names_volatile.get(file_name)?;
        let file = state.inodes.get(&inode)?;
        let name_durable = state.names_durable.get(file_name) == Some(&inode);
        Some(name_durable && file.pending.is_empty() && file.durable[..] == file.volatile[..])
    }

    /// The sector size in use, in bytes (the configured one, clamped as documented on
    /// [`FaultConfig::sector_size_bytes`]).
    pub fn sector_size_bytes(&self) -> u64 {
        self.state.lock().faults.sector_size()
    }

    /// Like [`SimDisk::file_bytes`], without copying: a shared view of the bytes reads
    /// of `file_name` see now. Later changes to the file do not show in it (the disk
    /// copies on write), so it can be kept to compare with the file later.
    pub fn file_bytes_shared(&self, file_name: &str) -> Option<Arc<Vec<u8>>> {
        let state = self.state.lock();
        let inode = state.names_volatile.get(file_name)?;
        Some(state.inodes.get(inode)?.volatile.clone())
    }

    /// One past the last byte of `file_name` (looked up among the current names, then
    /// the durable ones) that a write made durable by a successful `sync_data` put
    /// there, lowered by truncations that became durable: every written byte below it
    /// was synced at some point. Edits from outside the engine (`*_at_rest`) do not
    /// move it. `None` for an unknown name.
    pub fn synced_end(&self, file_name: &str) -> Option<u64> {
        let state = self.state.lock();
        let inode = state.lookup(file_name)?;
        let file = state.inodes.get(&inode)?;
        Some(file.synced_end.min(file.durable.len() as u64))
    }

    /// The sectors of `file_name` (looked up among the current names, then the durable
    /// ones) with a latent sector error, as sector indexes (byte offset divided by
    /// [`SimDisk::sector_size_bytes`]), ascending. `None` for an unknown name.
    pub fn latent_sectors(&self, file_name: &str) -> Option<Vec<u64>> {
        let state = self.state.lock();
        let inode = state.lookup(file_name)?;
        Some(
            state
                .inodes
                .get(&inode)?
                .latent_bad_sectors
                .iter()
                .copied()
                .collect(),
        )
    }

    /// Like [`SimDisk::bit_rot`] with `None`, but only among the files whose name
    /// `pick` accepts (e.g. to spare files whose contents a caller keeps watching).
    /// With `pick` accepting every name, it draws exactly what `bit_rot(None)` draws.
    pub fn bit_rot_where(&self, pick: impl Fn(&str) -> bool) -> Option<BitRot> {
        let mut state = self.state.lock();
        let candidates: Vec<(String, u64)> = state
            .names_durable
            .iter()
            .filter(|(name, inode)| {
                pick(name)
                    && state
                        .inodes
                        .get(inode)
                        .is_some_and(|f| !f.durable.is_empty())
            })
            .map(|(n, i)| (n.clone(), *i))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let pick = state.rng.gen_range(0..candidates.len());
        let (name, inode) = candidates[pick].clone();
        let len = state.inodes.get(&inode)?.durable.len() as u64;
        let offset_bytes = state.rng.gen_range(0..len);
        let bit = state.rng.gen_range(0..8u8);
        state.flip_bit(inode, &name, offset_bytes, bit).ok()
    }

    /// Creates `file_name` with `bytes` from outside the engine (an operator, a backup
    /// restore, another program), durably: its name and contents survive any power
    /// loss. Fails with `AlreadyExists` if the name is in use (current or durable, or
    /// named by a pending create or remove), `InvalidInput` for a bad name or size.
    /// Draws nothing from the disk's RNG.
    pub fn place_file(&self, file_name: &str, bytes: &[u8]) -> io::Result<()> {
        if file_name.is_empty() || file_name.contains('/') || file_name == "." || file_name == ".."
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid file name: {file_name:?}"),
            ));
        }
        if bytes.len() as u64 > MAX_FILE_LEN_BYTES {
            return Err(too_large());
        }
        let mut state = self.state.lock();
        let pending = state.dir_pending.iter().any(|op| op.name() == file_name);
        if pending || state.lookup(file_name).is_some() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("file exists: {file_name}"),
            ));
        }
        let inode = state.next_inode;
        state.next_inode += 1;
        state.inodes.insert(
            inode,
            SimFile {
                durable: bytes.to_vec(),
                volatile: Arc::new(bytes.to_vec()),
                ..SimFile::default()
            },
        );
        state.names_volatile.insert(file_name.to_string(), inode);
        state.names_durable.insert(file_name.to_string(), inode);
        state.counts.files_placed += 1;
        Ok(())
    }

    /// Deletes `file_name` (a current name) from outside the engine, durably: no power
    /// loss brings it back, and a pending create or remove of that name is forgotten.
    /// Returns the bytes it had (what reads saw). Fails with `NotFound` for a name that
    /// is not current. Draws nothing from the disk's RNG.
    pub fn delete_file(&self, file_name: &str) -> io::Result<Vec<u8>> {
        let mut state = self.state.lock();
        let inode = state
            .names_volatile
            .remove(file_name)
            .ok_or_else(|| not_found(file_name))?;
        state.names_durable.remove(file_name);
        state.dir_pending.retain(|op| op.name() != file_name);
        state.counts.files_deleted += 1;
        // The inode itself goes at the end of the process (a handle may still use it).
        Ok(state
            .inodes
            .get(&inode)
            .map_or_else(Vec::new, |f| f.volatile.to_vec()))
    }

    /// Writes `bytes` at `offset_bytes` of `file_name` (a current name) from outside
    /// the engine, as an operator's tool would between two runs of it: the edit
    /// applies to what reads see, then the whole file is synced (its durable bytes
    /// become what reads see, so its pending operations are durable too). Latent
    /// sector errors in the sectors written are cleared (a rewrite remaps them). The
    /// engine's sync bookkeeping ([`SimDisk::last_synced_range`],
    /// [`SimDisk::synced_end`]) does not move. Draws nothing from the disk's RNG.
    pub fn write_at_rest(
        &self,
        file_name: &str,
        offset_bytes: u64,
        bytes: &[u8],
    ) -> io::Result<()> {
        let mut state = self.state.lock();
        state.edit_at_rest(file_name, |file, ss| {
            let end = offset_bytes
                .checked_add(bytes.len() as u64)
                .filter(|&end| end <= MAX_FILE_LEN_BYTES)
                .ok_or_else(too_large)?;
            write_into(Arc::make_mut(&mut file.volatile), offset_bytes, bytes);
            file.clear_latent(ss, offset_bytes, end);
            Ok(())
        })
    }

    /// Makes `len_bytes` bytes of `file_name` from `offset_bytes` on (clipped to the
    /// file) read as zeros, durably, like [`SimDisk::write_at_rest`] with zeros: what a
    /// device that lost those sectors returns. Counts the sectors touched. Draws
    /// nothing from the disk's RNG.
    pub fn zero_at_rest(
        &self,
        file_name: &str,
        offset_bytes: u64,
        len_bytes: u64,
    ) -> io::Result<()> {
        let mut state = self.state.lock();
        let mut sectors = 0;
        state.edit_at_rest(file_name, |file, ss| {
            let file_len = file.volatile.len() as u64;
            let start = offset_bytes.min(file_len);
            let end = offset_bytes.saturating_add(len_bytes).min(file_len);
            if start < end {
                Arc::make_mut(&mut file.volatile)[start as usize..end as usize].fill(0);
                file.clear_latent(ss, start, end);
                sectors = (end - 1) / ss - start / ss + 1;
            }
            Ok(())
        })?;
        state.counts.zeroed_sectors += sectors;
        Ok(())
    }

    /// Cuts or extends (with zeros) `file_name` to `len_bytes` from outside the
    /// engine, durably, like [`SimDisk::write_at_rest`]. Draws nothing from the
    /// disk's RNG.
    pub fn set_len_at_rest(&self, file_name: &str, len_bytes: u64) -> io::Result<()> {
        if len_bytes > MAX_FILE_LEN_BYTES {
            return Err(too_large());
        }
        let mut state = self.state.lock();
        state.edit_at_rest(file_name, |file, ss| {
            file::set_len_zeroed(Arc::make_mut(&mut file.volatile), len_bytes as usize);
            file.drop_latent_past(ss, len_bytes);
            Ok(())
        })
    }
}

/// The guard of the directory lock.
struct SimDirLock {
    state: Arc<Mutex<DiskState>>,
    token: u64,
}

impl Drop for SimDirLock {
    fn drop(&mut self) {
        let mut state = self.state.lock();
        // A guard from before a crash must not release the new process's lock.
        if state.lock_holder == Some(self.token) {
            state.lock_holder = None;
        }
    }
}

/// An open file of the simulated disk, valid until the next crash or power loss.
struct SimFileHandle {
    state: Arc<Mutex<DiskState>>,
    inode: u64,
    epoch: u64,
}

impl SimFileHandle {
    fn with_file<R>(&self, f: impl FnOnce(&mut DiskState, u64) -> io::Result<R>) -> io::Result<R> {
        let mut state = self.state.lock();
        if state.epoch != self.epoch || !state.inodes.contains_key(&self.inode) {
            return Err(stale());
        }
        f(&mut state, self.inode)
    }
}

fn file_mut(state: &mut DiskState, inode: u64) -> io::Result<&mut SimFile> {
    state.inodes.get_mut(&inode).ok_or_else(stale)
}

impl Storage for SimDisk {
    fn lock(&self) -> io::Result<Box<dyn Any + Send + Sync>> {
        let mut state = self.state.lock();
        if state.lock_holder.is_some() {
            return Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                "the simulated directory is locked",
            ));
        }
        let token = state.next_lock_token;
        state.next_lock_token += 1;
        state.lock_holder = Some(token);
        Ok(Box::new(SimDirLock {
            state: self.state.clone(),
            token,
        }))
    }

    fn list(&self) -> io::Result<Vec<String>> {
        Ok(self.file_names())
    }

    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid file name: {name:?}"),
            ));
        }
        let mut state = self.state.lock();
        if state.names_volatile.contains_key(name) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("file exists: {name}"),
            ));
        }
        let inode = state.next_inode;
        state.next_inode += 1;
        state.inodes.insert(inode, SimFile::default());
        state.names_volatile.insert(name.to_string(), inode);
        state.dir_pending.push(DirOp::Create {
            name: name.to_string(),
            inode,
        });
        Ok(Arc::new(SimFileHandle {
            state: self.state.clone(),
            inode,
            epoch: state.epoch,
        }))
    }

    fn open(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let state = self.state.lock();
        let inode = *state
            .names_volatile
            .get(name)
            .ok_or_else(|| not_found(name))?;
        Ok(Arc::new(SimFileHandle {
            state: self.state.clone(),
            inode,
            epoch: state.epoch,
        }))
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        let mut state = self.state.lock();
        if state.names_volatile.remove(name).is_none() {
            return Err(not_found(name));
        }
        state.dir_pending.push(DirOp::Remove {
            name: name.to_string(),
        });
        Ok(())
    }

    fn sync_dir(&self) -> io::Result<()> {
        let mut state = self.state.lock();
        let state = &mut *state;
        let ops = std::mem::take(&mut state.dir_pending);
        if chance(&mut state.rng, state.faults.sync_dir_failure_probability) {
            state.counts.sync_dir_failures += 1;
            let done = state.rng.gen_range(0..=ops.len());
            for op in &ops[..done] {
                op.apply(&mut state.names_durable);
            }
            state.dir_pending = ops[done..].to_vec();
            return Err(eio());
        }
        for op in &ops {
            op.apply(&mut state.names_durable);
        }
        Ok(())
    }
}

impl StorageFile for SimFileHandle {
    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        self.with_file(|state, inode| {
            let end = offset
                .checked_add(buf.len() as u64)
                .filter(|&end| end <= MAX_FILE_LEN_BYTES)
                .ok_or_else(too_large)?;
            if buf.is_empty() {
                return Ok(());
            }
            let ss = state.faults.sector_size();
            if chance(&mut state.rng, state.faults.write_failure_probability) {
                state.counts.write_failures += 1;
                let error = if state.rng.gen_bool(0.5) {
                    eio()
                } else {
                    enospc()
                };
                if buf.len() >= 2 && chance(&mut state.rng, state.faults.short_write_probability) {
                    let written = state.rng.gen_range(1..buf.len());
                    state.counts.short_writes += 1;
                    let file = file_mut(state, inode)?;
                    let prefix = &buf[..written];
                    write_into(Arc::make_mut(&mut file.volatile), offset, prefix);
                    file.pending.push(PendingOp::Write {
                        offset_bytes: offset,
                        bytes: prefix.to_vec(),
                    });
                    file.clear_latent(ss, offset, offset + written as u64);
                }
                return Err(error);
            }
            let mut medium_offset = offset;
            if chance(&mut state.rng, state.faults.misdirected_write_probability) {
                let shift = ss * state.rng.gen_range(1..=4u64);
                let backwards = state.rng.gen_bool(0.5);
                let candidate = if backwards && offset >= shift {
                    Some(offset - shift)
                } else {
                    offset
                        .checked_add(shift)
                        .filter(|o| o + buf.len() as u64 <= MAX_FILE_LEN_BYTES)
                };
                if let Some(o) = candidate {
                    medium_offset = o;
                    state.counts.misdirected_writes += 1;
                }
            }
            let file = file_mut(state, inode)?;
            write_into(Arc::make_mut(&mut file.volatile), offset, buf);
            file.pending.push(PendingOp::Write {
                offset_bytes: medium_offset,
                bytes: buf.to_vec(),
            });
            file.clear_latent(ss, offset, end);
            Ok(())
        })
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.with_file(|state, inode| {
            let ss = state.faults.sector_size();
            let read_failure_probability = state.faults.read_failure_probability;
            let file = state.inodes.get(&inode).ok_or_else(stale)?;
            let len = file.volatile.len() as u64;
            let end = match offset.checked_add(buf.len() as u64) {
                Some(end) if end <= len => end,
                _ => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "read of {} bytes at {offset} past the end of the file ({len} bytes)",
                            buf.len()
                        ),
                    ))
                }
            };
            if file.touches_latent(ss, offset, end) {
                state.counts.read_failures += 1;
                return Err(eio());
            }
            buf.copy_from_slice(&file.volatile[offset as usize..end as usize]);
            // The draw is made even when a retry is spared, so that sparing it moves
            // no other draw of the disk.
            let fail = chance(&mut state.rng, read_failure_probability);
            let file = file_mut(state, inode)?;
            let retry = file.transient_failures_at.remove(&offset);
            if fail && !retry {
                file.transient_failures_at.insert(offset);
                state.counts.read_failures += 1;
                return Err(eio());
            }
            Ok(())
        })
    }

    fn len(&self) -> io::Result<u64> {
        self.with_file(|state, inode| Ok(file_mut(state, inode)?.volatile.len() as u64))
    }

    /// A hint with no effect on the simulated medium (the crash model already lets
    /// any unsynced write reach it or not). Draws nothing from the disk's RNG. It
    /// checks its contract: a range past the file's end is a caller's bug, and panics.
    fn start_writeback(&self, offset: u64, len_bytes: u64) -> io::Result<()> {
        self.with_file(|state, inode| {
            let file = state.inodes.get(&inode).ok_or_else(stale)?;
            let len = file.volatile.len() as u64;
            assert!(
                offset.checked_add(len_bytes).is_some_and(|end| end <= len),
                "start_writeback of {len_bytes} bytes at {offset}, past the end of a file of {len} bytes"
            );
            Ok(())
        })
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.with_file(|state, inode| {
            if len > MAX_FILE_LEN_BYTES {
                return Err(too_large());
            }
            let ss = state.faults.sector_size();
            let file = file_mut(state, inode)?;
            file::set_len_zeroed(Arc::make_mut(&mut file.volatile), len as usize);
            file.pending.push(PendingOp::SetLen { len_bytes: len });
            file.drop_latent_past(ss, len);
            Ok(())
        })
    }

    fn sync_data(&self) -> io::Result<()> {
        self.with_file(|state, inode| {
            if chance(&mut state.rng, state.faults.sync_data_failure_probability) {
                state.counts.fsync_failures += 1;
                // fsyncgate: the pages are marked clean; their bytes never reach the
                // medium, though reads keep seeing them until a power loss.
                file_mut(state, inode)?.pending.clear();
                return Err(eio());
            }
            file_mut(state, inode)?.make_pending_durable();
            Ok(())
        })
    }
}
