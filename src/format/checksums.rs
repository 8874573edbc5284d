//! [`Checksums`]: whether a decode verifies the checksums it reads.

/// Whether decoding verifies record and batch checksums. Chosen once, when a log is
/// opened ([`Checksums::for_config`]), and passed to every decode of that log: always
/// [`Checksums::Verify`], except in the simulator's `SkipCrcCheck` mutant, which
/// proves that the oracle notices when checksums stop being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checksums {
    /// Verify every checksum (every real build).
    Verify,
    /// Check frames and lengths only: the `SkipCrcCheck` mutant, the fuzz targets that
    /// exercise the frame checks on their own, and the replay of records whose
    /// checksums the scan has just verified.
    Skip,
}

impl Checksums {
    /// The choice for a log opened with `config`.
    pub(crate) fn for_config(config: &crate::Config) -> Self {
        if config.is_mutant(crate::mutants::Mutant::SkipCrcCheck) {
            Checksums::Skip
        } else {
            Checksums::Verify
        }
    }

    /// True if checksums are verified.
    pub(crate) fn verified(self) -> bool {
        self == Checksums::Verify
    }
}
