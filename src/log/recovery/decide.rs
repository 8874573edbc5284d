//! Step 2 of recovery, pure: the decision table. A chunk's [`Verdict`] and its
//! [`Place`] give the one [`Action`] open takes with it. The table is rendered in the
//! crate documentation ([`crate::RecoveryReport`]); each row has its own test below.

use super::classify::{Place, Verdict};
use crate::error::Error;
use crate::format::{chunk_file_name, format_version, DamageKind};

/// What open does with one chunk file.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// Keep the file as it is.
    Keep,
    /// Cut the file to `to`: the bytes after are proven not part of the log (zeros, or
    /// bytes past a closed chunk's end when the next chunk's header is valid).
    Cut { to: u64 },
    /// Copy the bytes from `from` to the quarantine, then cut the file to `from`.
    QuarantineTail { from: u64, damage: DamageKind },
    /// Copy the whole file to the quarantine, then remove it.
    QuarantineFile { damage: DamageKind },
    /// Remove the file: it holds no byte of log data.
    RemoveBlank,
    /// Leave the chunk out of the replay; if the chunks after it prove that all its
    /// entries are purged, copy it to the quarantine and remove it, otherwise refuse
    /// with this error.
    SkipIfPurged(Error),
    /// Refuse to open; change nothing.
    Refuse(Error),
}

/// The decision table.
pub(crate) fn decide(verdict: Verdict, chunk_id: u64, place: Place) -> Action {
    let name = || chunk_file_name(chunk_id);
    let next_name = || {
        place
            .next
            .map_or_else(String::new, |n| chunk_file_name(n.id))
    };
    let refuse_or_skip = |error: Error| {
        if place.leading && place.next.is_some() {
            Action::SkipIfPurged(error)
        } else {
            Action::Refuse(error)
        }
    };
    match verdict {
        Verdict::Sound => Action::Keep,
        Verdict::PastEnd {
            end,
            nonzero: false,
        } => Action::Cut { to: end },
        Verdict::PastEnd { end, nonzero: true } => match place.next {
            Some(next) if next.header_valid => Action::Cut { to: end },
            _ => Action::QuarantineTail {
                from: end,
                damage: DamageKind::BatchHeader,
            },
        },
        Verdict::Blank => Action::RemoveBlank,
        Verdict::Torn {
            offset,
            damage,
            records_kept: true,
        } => Action::QuarantineTail {
            from: offset,
            damage,
        },
        Verdict::Torn {
            damage,
            records_kept: false,
            ..
        } => Action::QuarantineFile { damage },
        Verdict::Rot { offset, damage } => {
            let why = if place.next.is_some() {
                format!(
                    "a later chunk ({}) exists, so these bytes had been synced",
                    next_name()
                )
            } else {
                "a later batch proves these bytes had been synced".to_string()
            };
            refuse_or_skip(Error::corrupt(name(), offset, damage, why))
        }
        Verdict::Gap { end } => Action::Refuse(Error::ChunkGap {
            chunk: next_name(),
            expected_offset: chunk_id + end,
        }),
        Verdict::Overlap { end } => Action::Refuse(Error::ChunkConflict {
            chunk: name(),
            other: next_name(),
            reason: format!(
                "it starts at global offset {}, inside the valid batches of {} (which end at {})",
                place.next.map_or(0, |n| n.id),
                name(),
                chunk_id + end
            ),
        }),
        Verdict::Version(version) => Action::Refuse(Error::UnsupportedVersion {
            chunk: name(),
            version,
            supported: format_version(),
        }),
        Verdict::OtherId(id) => Action::Refuse(Error::ChunkConflict {
            chunk: chunk_file_name(id),
            other: name(),
            reason: format!("its header names chunk {id}, its file name says {chunk_id}"),
        }),
        Verdict::Foreign => Action::Refuse(Error::ChunkConflict {
            chunk: name(),
            other: name(),
            reason: "its header has a valid checksum but is not a raftwal chunk header".to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::classify::NextChunk;
    use super::*;
    use crate::error::ErrorKind;

    const LAST: Place = Place {
        next: None,
        leading: false,
    };
    const ONLY: Place = Place {
        next: None,
        leading: true,
    };

    fn closed(header_valid: bool, leading: bool) -> Place {
        Place {
            next: Some(NextChunk {
                id: 1000,
                header_valid,
            }),
            leading,
        }
    }

    fn refused(action: Action) -> ErrorKind {
        match action {
            Action::Refuse(e) => e.kind(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn skipped(action: Action) -> ErrorKind {
        match action {
            Action::SkipIfPurged(e) => e.kind(),
            other => panic!("expected a skip, got {other:?}"),
        }
    }

    const DAMAGE: DamageKind = DamageKind::RecordChecksum;

    #[test]
    fn sound_is_kept() {
        for place in [LAST, ONLY, closed(true, false)] {
            assert!(matches!(decide(Verdict::Sound, 0, place), Action::Keep));
        }
    }

    #[test]
    fn zeros_past_a_closed_end_are_cut() {
        for valid in [true, false] {
            let v = Verdict::PastEnd {
                end: 1000,
                nonzero: false,
            };
            assert!(matches!(
                decide(v, 0, closed(valid, false)),
                Action::Cut { to: 1000 }
            ));
        }
    }

    #[test]
    fn bytes_past_a_closed_end_are_cut_only_when_the_next_chunk_is_valid() {
        let v = Verdict::PastEnd {
            end: 1000,
            nonzero: true,
        };
        assert!(matches!(
            decide(v, 0, closed(true, false)),
            Action::Cut { to: 1000 }
        ));
        assert!(matches!(
            decide(v, 0, closed(false, false)),
            Action::QuarantineTail { from: 1000, .. }
        ));
    }

    #[test]
    fn a_blank_last_chunk_is_removed() {
        for place in [LAST, ONLY] {
            assert!(matches!(
                decide(Verdict::Blank, 0, place),
                Action::RemoveBlank
            ));
        }
    }

    #[test]
    fn a_torn_tail_is_quarantined_and_cut() {
        let v = Verdict::Torn {
            offset: 500,
            damage: DAMAGE,
            records_kept: true,
        };
        assert!(matches!(
            decide(v, 0, LAST),
            Action::QuarantineTail { from: 500, .. }
        ));
    }

    #[test]
    fn a_torn_chunk_with_nothing_valid_is_quarantined_whole() {
        let v = Verdict::Torn {
            offset: 0,
            damage: DamageKind::HeaderChecksum,
            records_kept: false,
        };
        for place in [LAST, ONLY] {
            assert!(matches!(decide(v, 0, place), Action::QuarantineFile { .. }));
        }
    }

    #[test]
    fn rot_is_refused_unless_a_leading_chunk_may_be_all_purged() {
        let v = Verdict::Rot {
            offset: 500,
            damage: DAMAGE,
        };
        assert_eq!(refused(decide(v, 0, LAST)), ErrorKind::Corrupt);
        assert_eq!(refused(decide(v, 0, ONLY)), ErrorKind::Corrupt);
        assert_eq!(
            refused(decide(v, 0, closed(true, false))),
            ErrorKind::Corrupt
        );
        assert_eq!(
            skipped(decide(v, 0, closed(true, true))),
            ErrorKind::Corrupt
        );
    }

    #[test]
    fn a_gap_is_refused_even_in_a_leading_chunk() {
        // A file that ends cleanly before the next starts is not damage: the next file
        // is the odd one (a lost chunk, or a stray copy), and nothing proves either.
        let v = Verdict::Gap { end: 600 };
        assert_eq!(
            refused(decide(v, 0, closed(true, false))),
            ErrorKind::ChunkGap
        );
        assert_eq!(
            refused(decide(v, 0, closed(true, true))),
            ErrorKind::ChunkGap
        );
    }

    #[test]
    fn an_overlap_is_a_conflict_naming_both_files() {
        let action = decide(Verdict::Overlap { end: 2000 }, 0, closed(true, true));
        let Action::Refuse(Error::ChunkConflict { chunk, other, .. }) = action else {
            panic!("{action:?}");
        };
        assert_eq!(chunk, chunk_file_name(0));
        assert_eq!(other, chunk_file_name(1000));
    }

    #[test]
    fn header_problems_are_refused_anywhere() {
        for place in [LAST, ONLY, closed(true, true), closed(false, false)] {
            assert_eq!(
                refused(decide(Verdict::Version(3), 0, place)),
                ErrorKind::UnsupportedVersion
            );
            assert_eq!(
                refused(decide(Verdict::OtherId(5), 0, place)),
                ErrorKind::ChunkConflict
            );
            assert_eq!(
                refused(decide(Verdict::Foreign, 0, place)),
                ErrorKind::ChunkConflict
            );
        }
    }
}
