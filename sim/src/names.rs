//! Names: the command-line names of the engine mutants and of switched-off fault
//! kinds, as the command line parses them and every report prints them. A leaf
//! module, so that reports need not depend on the command line.

use crate::config::FaultKind;
use raftwal::mutants::Mutant;

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
