//! Everything a run is a function of, besides its op list: drawn from the seed.

use crate::at_rest::AtRestFaults;
use crate::mutant::Mutant;
use crate::ops::OpMix;
use crate::streams::{Concern, Streams};
use raftwal::{Config, WorkerMode};
use raftwal_simdisk::FaultConfig;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt;

/// The engine's limits, small so that rotation, purge removal and cache eviction
/// happen a lot.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineLimits {
    /// `Config::chunk_max_records`.
    pub chunk_max_records: Option<u64>,
    /// `Config::chunk_max_size`.
    pub chunk_max_size: Option<u64>,
    /// `Config::cache_max_items`.
    pub cache_max_items: Option<u64>,
    /// `Config::cache_max_bytes`.
    pub cache_max_bytes: Option<u64>,
    /// `Config::batch_max_bytes`.
    pub batch_max_bytes: Option<u64>,
    /// `Config::chunk_preallocate_size`: never the 4 MiB default (every open would
    /// read megabytes of zeros), but 0 (off) or a small step, so that reserved space
    /// is cut, lost and recovered often.
    pub chunk_preallocate_size: Option<u64>,
}

fn log_uniform(rng: &mut impl Rng, lo: u64, hi: u64) -> u64 {
    let t: f64 = rng.gen_range(0.0..=1.0);
    ((lo as f64) * (hi as f64 / lo as f64).powf(t)).round() as u64
}

impl EngineLimits {
    /// Random limits, drawn from the seed's [`Concern::Limits`] stream (a new limit
    /// is drawn after the others).
    pub fn swarm(rng: &mut impl Rng) -> Self {
        let chunk_max_records = rng.gen_bool(0.75).then(|| rng.gen_range(2..=64));
        let chunk_max_size = rng.gen_bool(0.5).then(|| log_uniform(rng, 256, 64 << 10));
        let cache_max_items = rng.gen_bool(0.65).then(|| rng.gen_range(0..=32));
        let cache_max_bytes = rng.gen_bool(0.4).then(|| log_uniform(rng, 16, 16 << 10));
        let batch_max_bytes = rng.gen_bool(0.5).then(|| log_uniform(rng, 64, 16 << 10));
        let chunk_preallocate_size = Some(if rng.gen_bool(0.3) {
            0
        } else {
            log_uniform(rng, 16, 64 << 10)
        });
        EngineLimits {
            chunk_max_records,
            chunk_max_size,
            cache_max_items,
            cache_max_bytes,
            batch_max_bytes,
            chunk_preallocate_size,
        }
    }

    /// The engine config: these limits, the worker driven by hand, and `mutant` if it
    /// is an engine mutant (a storage mutant is the world's: see [`Mutant::storage`]).
    pub fn config(&self, mutant: Option<Mutant>) -> Config {
        let mut config = Config::new("sim");
        config.chunk_max_records = self.chunk_max_records;
        config.chunk_max_size = self.chunk_max_size;
        config.cache_max_items = self.cache_max_items;
        config.cache_max_bytes = self.cache_max_bytes;
        config.batch_max_bytes = self.batch_max_bytes;
        config.chunk_preallocate_size = self.chunk_preallocate_size;
        config.worker_mode = WorkerMode::Manual;
        config.with_mutant(mutant.and_then(Mutant::engine))
    }
}

fn opt(v: Option<u64>) -> String {
    v.map_or("default".to_string(), |v| v.to_string())
}

impl fmt::Display for EngineLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "chunk_max_records {}, chunk_max_size {}, cache_max_items {}, cache_max_bytes {}, batch_max_bytes {}, chunk_preallocate_size {}",
            opt(self.chunk_max_records),
            opt(self.chunk_max_size),
            opt(self.cache_max_items),
            opt(self.cache_max_bytes),
            opt(self.batch_max_bytes),
            opt(self.chunk_preallocate_size)
        )
    }
}

/// A kind of fault the simulator can switch off on top of the seed's fault mix
/// (`--without fsync,sync-dir`), e.g. to look past a known bug. The seed's draws are
/// unchanged: only the switched-off probabilities become zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    /// Torn writes at power loss.
    Tear,
    /// Reordered writes at power loss.
    Reorder,
    /// Garbage in lost sectors.
    Garbage,
    /// `sync_data` failures.
    Fsync,
    /// `write_at` failures.
    Write,
    /// `read_at` failures.
    Read,
    /// `sync_dir` failures.
    SyncDir,
    /// Misdirected writes.
    Misdirected,
    /// Latent sector errors at power loss.
    Latent,
    /// Bit rot before a reopen.
    Rot,
    /// Stray chunk-named files.
    Stray,
    /// Chunks rewritten with a newer format version.
    Version,
    /// Damaged chunk headers.
    Header,
    /// Lost chunk files.
    Lost,
    /// Zeroed ends of closed chunks.
    Zeroed,
    /// Rot aimed at frame fields.
    Frame,
    /// Latent sector errors aimed at the tail.
    LatentTail,
}

impl FaultKind {
    /// Every kind.
    pub const ALL: [FaultKind; 17] = [
        FaultKind::Tear,
        FaultKind::Reorder,
        FaultKind::Garbage,
        FaultKind::Fsync,
        FaultKind::Write,
        FaultKind::Read,
        FaultKind::SyncDir,
        FaultKind::Misdirected,
        FaultKind::Latent,
        FaultKind::Rot,
        FaultKind::Stray,
        FaultKind::Version,
        FaultKind::Header,
        FaultKind::Lost,
        FaultKind::Zeroed,
        FaultKind::Frame,
        FaultKind::LatentTail,
    ];

    /// Switches this kind off in `f` or `a`.
    pub fn switch_off(self, f: &mut FaultConfig, a: &mut AtRestFaults) {
        match self {
            FaultKind::Stray => a.stray_file = 0.0,
            FaultKind::Version => a.version_skew = 0.0,
            FaultKind::Header => a.header_damage = 0.0,
            FaultKind::Lost => a.lost_file = 0.0,
            FaultKind::Zeroed => a.zeroed_end = 0.0,
            FaultKind::Frame => a.frame_rot = 0.0,
            FaultKind::LatentTail => a.latent_in_tail = 0.0,
            FaultKind::Tear => f.tear_writes_at_power_loss = false,
            FaultKind::Reorder => f.reorder_writes_at_power_loss = false,
            FaultKind::Garbage => f.garbage_on_lost_sectors = false,
            FaultKind::Fsync => f.sync_data_failure_probability = 0.0,
            FaultKind::Write => f.write_failure_probability = 0.0,
            FaultKind::Read => f.read_failure_probability = 0.0,
            FaultKind::SyncDir => f.sync_dir_failure_probability = 0.0,
            FaultKind::Misdirected => f.misdirected_write_probability = 0.0,
            FaultKind::Latent => f.latent_sector_error_at_power_loss_probability = 0.0,
            FaultKind::Rot => f.bit_rot_before_reopen_probability = 0.0,
        }
    }
}

/// One run's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    /// The seed everything is drawn from.
    pub seed: u64,
    /// Ops to generate.
    pub ops: usize,
    /// The disk's fault mix.
    pub faults: FaultConfig,
    /// The at-rest fault mix (operators, upgrades, aimed damage).
    pub at_rest: AtRestFaults,
    /// The seed of the RNG that decides the at-rest faults at each reopen (that of
    /// the seed's [`Concern::AtRestInjection`] stream).
    pub at_rest_seed: u64,
    /// The engine's limits.
    pub limits: EngineLimits,
    /// The op mix.
    pub mix: OpMix,
    /// The seed of the (first) simulated disk (that of the seed's [`Concern::Disk`]
    /// stream).
    pub disk_seed: u64,
    /// The deliberately broken variant (of the engine or of its storage), if any.
    pub mutant: Option<Mutant>,
    /// Fault kinds switched off on top of the seed's mix.
    pub without: Vec<FaultKind>,
}

impl RunConfig {
    /// The configuration of seed `seed`, and the RNG that then draws its ops.
    pub fn from_seed(seed: u64, ops: usize, mutant: Option<Mutant>) -> (Self, ChaCha8Rng) {
        Self::from_seed_without(seed, ops, mutant, &[])
    }

    /// Like [`RunConfig::from_seed`], with the fault kinds `without` switched off.
    pub fn from_seed_without(
        seed: u64,
        ops: usize,
        mutant: Option<Mutant>,
        without: &[FaultKind],
    ) -> (Self, ChaCha8Rng) {
        let mut streams = Streams::new(seed);
        let config = Self::from_streams(seed, ops, mutant, without, &mut streams);
        (config, streams.ops)
    }

    /// The configuration of seed `seed` drawn from `streams` (those of
    /// [`Streams::new`]`(seed)`, or, in a test, the same after a few extra draws):
    /// each part from its own concern's stream, so that a part drawing more or fewer
    /// values moves no other part.
    pub fn from_streams(
        seed: u64,
        ops: usize,
        mutant: Option<Mutant>,
        without: &[FaultKind],
        streams: &mut Streams,
    ) -> Self {
        let mut faults = FaultConfig::swarm(&mut streams.faults);
        let mut at_rest = AtRestFaults::swarm(&mut streams.at_rest);
        let mut without = without.to_vec();
        without.sort();
        without.dedup();
        for kind in &without {
            kind.switch_off(&mut faults, &mut at_rest);
        }
        RunConfig {
            seed,
            ops,
            faults,
            at_rest,
            at_rest_seed: Concern::AtRestInjection.seed(seed),
            limits: EngineLimits::swarm(&mut streams.limits),
            mix: OpMix::swarm(&mut streams.op_mix),
            disk_seed: Concern::Disk.seed(seed),
            mutant,
            without,
        }
    }

    /// The seed of the `generation`-th disk of the run (a fresh disk replaces one the
    /// log refused to open).
    pub fn disk_seed(&self, generation: u64) -> u64 {
        self.disk_seed ^ generation.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

/// The fault mix, one line.
pub fn describe_faults(f: &FaultConfig) -> String {
    let p = |v: f64| {
        if v > 0.0 {
            format!("{v:.4}")
        } else {
            "off".to_string()
        }
    };
    let b = |v: bool| if v { "on" } else { "off" };
    format!(
        "sector {}B, tear {}, reorder {}, garbage {}, fsync fail {}, write fail {} (short {:.2}), read fail {}, sync_dir fail {}, misdirected {}, latent@power-loss {}, rot@reopen {}",
        f.sector_size_bytes,
        b(f.tear_writes_at_power_loss),
        b(f.reorder_writes_at_power_loss),
        b(f.garbage_on_lost_sectors),
        p(f.sync_data_failure_probability),
        p(f.write_failure_probability),
        f.short_write_probability,
        p(f.read_failure_probability),
        p(f.sync_dir_failure_probability),
        p(f.misdirected_write_probability),
        p(f.latent_sector_error_at_power_loss_probability),
        p(f.bit_rot_before_reopen_probability)
    )
}
