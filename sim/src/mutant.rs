//! The simulator's deliberate bugs: every variant the mutant tests run, one flat list
//! with the command-line names of [`crate::names::mutant_name`]. A variant is either a
//! fault of the engine itself ([`Mutant::engine`], compiled into the engine behind its
//! `mutants` feature) or a fault of the storage the engine runs on
//! ([`Mutant::storage`], a wrapper around the simulated disk in
//! [`crate::mutant_storage`]: the engine is unchanged, the disk lies to it).

use crate::mutant_storage::StorageMutant;
use raftwal::mutants::Mutant as EngineMutant;

/// A deliberately broken variant of the system under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mutant {
    /// A flush is acknowledged before its data is durable: `sync_data` returns `Ok`
    /// without syncing ([`StorageMutant::LyingSync`]).
    AckBeforeSync,
    /// A created chunk file's name is not made durable: the `sync_dir` after a create
    /// returns `Ok` without syncing ([`StorageMutant::SkipSyncDirAfterCreate`]).
    SkipSyncDirOnCreate,
    /// The engine does not verify checksums when reading entries back or replaying.
    SkipCrcCheck,
    /// The engine writes a vote before checking it against the saved vote.
    WriteBeforeValidate,
    /// The engine evicts cached payloads that are not durable yet.
    EvictUnsynced,
    /// A failed `sync_data` is reported as success
    /// ([`StorageMutant::IgnoreSyncFailure`]).
    IgnoreSyncFailure,
}

impl Mutant {
    /// Every variant, in the order of the command line's help.
    pub const ALL: [Mutant; 6] = [
        Mutant::AckBeforeSync,
        Mutant::SkipSyncDirOnCreate,
        Mutant::SkipCrcCheck,
        Mutant::WriteBeforeValidate,
        Mutant::EvictUnsynced,
        Mutant::IgnoreSyncFailure,
    ];

    /// The engine's own variant of this bug, if it is one (set with
    /// `Config::with_mutant`).
    pub fn engine(self) -> Option<EngineMutant> {
        match self {
            Mutant::SkipCrcCheck => Some(EngineMutant::SkipCrcCheck),
            Mutant::WriteBeforeValidate => Some(EngineMutant::WriteBeforeValidate),
            Mutant::EvictUnsynced => Some(EngineMutant::EvictUnsynced),
            Mutant::AckBeforeSync | Mutant::SkipSyncDirOnCreate | Mutant::IgnoreSyncFailure => None,
        }
    }

    /// The storage fault of this bug, if it is one (the engine runs on a
    /// [`crate::mutant_storage::MutantStorage`]).
    pub fn storage(self) -> Option<StorageMutant> {
        match self {
            Mutant::AckBeforeSync => Some(StorageMutant::LyingSync),
            Mutant::SkipSyncDirOnCreate => Some(StorageMutant::SkipSyncDirAfterCreate),
            Mutant::IgnoreSyncFailure => Some(StorageMutant::IgnoreSyncFailure),
            Mutant::SkipCrcCheck | Mutant::WriteBeforeValidate | Mutant::EvictUnsynced => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant is exactly one of the two kinds.
    #[test]
    fn each_mutant_is_engine_or_storage() {
        for m in Mutant::ALL {
            assert!(
                m.engine().is_some() != m.storage().is_some(),
                "{m:?} must be an engine or a storage mutant, not both or neither"
            );
        }
    }

    /// Every engine mutant is reachable from the simulator (so the mutant tests run it).
    #[test]
    fn every_engine_mutant_is_listed() {
        for e in EngineMutant::ALL {
            assert!(
                Mutant::ALL.iter().any(|m| m.engine() == Some(e)),
                "{e:?} has no simulator mutant"
            );
        }
    }
}
