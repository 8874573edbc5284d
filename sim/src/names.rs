//! Names: the command-line names of the engine mutants and of switched-off fault
//! kinds, as the command line parses them and every report prints them, and the
//! names of an open's refusal kinds. A leaf
//! module, so that reports need not depend on the command line.

use crate::config::FaultKind;
use crate::mutant::Mutant;

/// The command-line name of a mutant.
pub fn mutant_name(m: Mutant) -> &'static str {
    match m {
        Mutant::AckBeforeSync => "ack-before-sync",
        Mutant::SkipSyncDirOnCreate => "skip-sync-dir-on-create",
        Mutant::SkipCrcCheck => "skip-crc-check",
        Mutant::WriteBeforeValidate => "write-before-validate",
        Mutant::EvictUnsynced => "evict-unsynced",
        Mutant::IgnoreSyncFailure => "ignore-sync-failure",
    }
}

/// Parses a mutant's command-line name.
pub fn parse_mutant(s: &str) -> Result<Mutant, String> {
    Mutant::ALL
        .into_iter()
        .find(|m| mutant_name(*m) == s)
        .ok_or_else(|| {
            let names: Vec<_> = Mutant::ALL.iter().map(|m| mutant_name(*m)).collect();
            format!("unknown mutant {s:?}; one of: {}", names.join(", "))
        })
}

/// The name of an optional mutant: its command-line name, or `none`.
pub fn mutant_or_none(m: Option<Mutant>) -> &'static str {
    m.map_or("none", mutant_name)
}

impl FaultKind {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Tear => "tear",
            FaultKind::Reorder => "reorder",
            FaultKind::Garbage => "garbage",
            FaultKind::Fsync => "fsync",
            FaultKind::Write => "write",
            FaultKind::Read => "read",
            FaultKind::SyncDir => "sync-dir",
            FaultKind::Misdirected => "misdirected",
            FaultKind::Latent => "latent",
            FaultKind::Rot => "rot",
            FaultKind::Stray => "stray",
            FaultKind::Version => "version",
            FaultKind::Header => "header",
            FaultKind::Lost => "lost",
            FaultKind::Zeroed => "zeroed",
            FaultKind::Frame => "frame",
            FaultKind::LatentTail => "latent-tail",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Result<Self, String> {
        FaultKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = FaultKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown fault {s:?}; one of: {}", names.join(", "))
            })
    }
}

/// `a,b` or `none`.
pub fn without_names(without: &[FaultKind]) -> String {
    if without.is_empty() {
        "none".to_string()
    } else {
        without
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// An open's refusal kinds, by the `Debug` name of their `ErrorKind` (so that this
/// code does not depend on which kinds the engine defines yet).
pub const UNSUPPORTED_VERSION: &str = "UnsupportedVersion";
/// See [`UNSUPPORTED_VERSION`].
pub const CHUNK_CONFLICT: &str = "ChunkConflict";
/// See [`UNSUPPORTED_VERSION`].
pub const CORRUPT: &str = "Corrupt";
/// See [`UNSUPPORTED_VERSION`].
pub const CHUNK_GAP: &str = "ChunkGap";
/// `Corrupt` with `DamageKind::MissingEntries`: the replayed chunks need entries no
/// chunk file holds. After a latent sector error made a whole last chunk unreadable
/// this is sound: the chunks before it were removed by a purge recorded in it, which
/// proves it had been synced.
pub const CORRUPT_MISSING_ENTRIES: &str = "Corrupt(MissingEntries)";
