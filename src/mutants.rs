//! Deliberately broken engine variants. They exist so the simulator can prove that its
//! oracle catches real bugs. A variant is active only when the `mutants` feature is on
//! **and** the config was made with `Config::with_mutant` naming it; a normal build
//! cannot reach one (without the feature this module is private and every check of a
//! mutant is a constant `false`).
//!
//! Only bugs no `Storage` can express live here. A bug that is a lie of the storage
//! (an fsync that does not sync, a skipped directory sync, a swallowed sync error) is
//! the simulator's: a wrapper around its simulated disk (`raftwal-sim`'s
//! `mutant_storage`), with the engine unchanged.

/// A deliberate bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mutant {
    /// Do not verify checksums when reading entries back or replaying.
    SkipCrcCheck,
    /// Write a vote before checking it against the saved vote.
    WriteBeforeValidate,
    /// Evict cached payloads that are not durable yet.
    EvictUnsynced,
}

impl Mutant {
    /// Every variant.
    pub const ALL: [Mutant; 3] = [
        Mutant::SkipCrcCheck,
        Mutant::WriteBeforeValidate,
        Mutant::EvictUnsynced,
    ];
}
