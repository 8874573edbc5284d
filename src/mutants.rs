//! Deliberately broken engine variants. They exist so the simulator can prove that its
//! oracle catches real bugs. A variant is active only when the `mutants` feature is on
//! **and** the config was made with `Config::with_mutant` naming it; a normal build
//! cannot reach one (without the feature this module is private and every check of a
//! mutant is a constant `false`).

/// A deliberate bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mutant {
    /// Report a flush as done before `sync_data`.
    AckBeforeSync,
    /// Do not `sync_dir` after creating a chunk file.
    SkipSyncDirOnCreate,
    /// Do not verify checksums when reading entries back or replaying.
    SkipCrcCheck,
    /// Write a vote before checking it against the saved vote.
    WriteBeforeValidate,
    /// Evict cached payloads that are not durable yet.
    EvictUnsynced,
    /// Treat a failed `sync_data` as success.
    IgnoreSyncFailure,
}

impl Mutant {
    /// Every variant.
    pub const ALL: [Mutant; 6] = [
        Mutant::AckBeforeSync,
        Mutant::SkipSyncDirOnCreate,
        Mutant::SkipCrcCheck,
        Mutant::WriteBeforeValidate,
        Mutant::EvictUnsynced,
        Mutant::IgnoreSyncFailure,
    ];
}
