//! The seed's random streams: one per concern, each a `ChaCha8Rng` derived from the
//! seed and the concern's name alone, so that a concern drawing more or fewer values
//! (a new knob, a new fault, one more decision) leaves every other concern's draws,
//! and so the seeds, regressions and snapshots that depend on them, unchanged.
//!
//! The stream of concern `name` for seed `seed` is
//! `ChaCha8Rng::seed_from_u64(seed ^ fnv1a_64(name))`, with the 64-bit FNV-1a hash of
//! the name's UTF-8 bytes (offset basis `0xcbf2_9ce4_8422_2325`, prime
//! `0x100_0000_01b3`): fixed and documented, unlike `std`'s `Hasher`, whose output may
//! change between Rust releases. Within one stream, a new draw goes after the existing
//! ones.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The 64-bit FNV-1a hash of `bytes`.
pub const fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// A concern that draws from a stream of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Concern {
    /// The disk's fault mix (`FaultConfig::swarm`).
    Faults,
    /// The at-rest fault mix (`AtRestFaults::swarm`).
    AtRest,
    /// Which at-rest faults fire at each reopen, and where (the runner's).
    AtRestInjection,
    /// The engine's limits (`EngineLimits::swarm`).
    Limits,
    /// The op mix (`OpMix::swarm`).
    OpMix,
    /// The simulated disk's own choices (its seed; the `n`-th fresh disk's is derived
    /// from it, see `RunConfig::disk_seed`).
    Disk,
    /// The ops (the generator).
    Ops,
    /// Which flushes become syncs (the generator).
    Syncs,
    /// Which valid truncates and purges go to the log's edges (the generator).
    Edges,
}

impl Concern {
    /// Every concern.
    pub const ALL: [Concern; 9] = [
        Concern::Faults,
        Concern::AtRest,
        Concern::AtRestInjection,
        Concern::Limits,
        Concern::OpMix,
        Concern::Disk,
        Concern::Ops,
        Concern::Syncs,
        Concern::Edges,
    ];

    /// The stream's name (its identity: renaming a concern moves its draws).
    pub const fn name(self) -> &'static str {
        match self {
            Concern::Faults => "faults",
            Concern::AtRest => "at-rest",
            Concern::AtRestInjection => "at-rest-injection",
            Concern::Limits => "limits",
            Concern::OpMix => "op-mix",
            Concern::Disk => "disk",
            Concern::Ops => "ops",
            Concern::Syncs => "syncs",
            Concern::Edges => "edges",
        }
    }

    /// The `u64` the stream of this concern for `seed` is seeded with.
    pub const fn seed(self, seed: u64) -> u64 {
        seed ^ fnv1a_64(self.name().as_bytes())
    }

    /// The stream of this concern for `seed`.
    pub fn stream(self, seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(self.seed(seed))
    }
}

/// Every stream of a seed, before any draw.
pub struct Streams {
    /// [`Concern::Faults`].
    pub faults: ChaCha8Rng,
    /// [`Concern::AtRest`].
    pub at_rest: ChaCha8Rng,
    /// [`Concern::Limits`].
    pub limits: ChaCha8Rng,
    /// [`Concern::OpMix`].
    pub op_mix: ChaCha8Rng,
    /// [`Concern::Ops`].
    pub ops: ChaCha8Rng,
    /// [`Concern::Syncs`].
    pub syncs: ChaCha8Rng,
    /// [`Concern::Edges`].
    pub edges: ChaCha8Rng,
}

impl Streams {
    /// The streams of `seed`. ([`Concern::Disk`] and [`Concern::AtRestInjection`] are
    /// seeds handed on, to the disk and to the runner: see [`Concern::seed`].)
    pub fn new(seed: u64) -> Self {
        Streams {
            faults: Concern::Faults.stream(seed),
            at_rest: Concern::AtRest.stream(seed),
            limits: Concern::Limits.stream(seed),
            op_mix: Concern::OpMix.stream(seed),
            ops: Concern::Ops.stream(seed),
            syncs: Concern::Syncs.stream(seed),
            edges: Concern::Edges.stream(seed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// The published FNV-1a test vectors: the hash is the documented one.
    #[test]
    fn fnv1a_64_test_vectors() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    /// Different concerns of a seed draw different values.
    #[test]
    fn the_streams_of_a_seed_differ() {
        for seed in [0, 1, 42, u64::MAX] {
            let mut firsts: Vec<u64> = Concern::ALL.iter().map(|c| c.stream(seed).gen()).collect();
            firsts.sort_unstable();
            firsts.dedup();
            assert_eq!(firsts.len(), Concern::ALL.len(), "seed {seed}");
        }
    }
}
