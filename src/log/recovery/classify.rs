//! Step 1 of recovery, pure: a chunk's scan and its place among the chunk files give
//! a typed [`Verdict`].

use super::scan::{ChunkScan, Header, Stop};
use crate::format::{DamageKind, HeaderProblem};

/// The chunk file after this one, as far as the verdict needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NextChunk {
    /// Its id: the global offset its name gives.
    pub(crate) id: u64,
    /// Its header is a valid header of ours whose id equals its name.
    pub(crate) header_valid: bool,
}

/// Where a chunk lies among the chunk files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    /// The next chunk file, if this one is closed.
    pub(crate) next: Option<NextChunk>,
    /// No chunk before this one is kept: replay starts here.
    pub(crate) leading: bool,
}

/// What a chunk is, typed. Offsets are within the chunk file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Valid batches to the end of the file, or to zeros (space reserved ahead of the
    /// writes); for a closed chunk, exactly to where the next chunk starts.
    Sound,
    /// A closed chunk valid exactly to where the next chunk starts (`end`), with more
    /// bytes after that: zeros (`nonzero` false: reserved space whose cut was lost) or
    /// other bytes.
    PastEnd { end: u64, nonzero: bool },
    /// The last chunk holds no log data: it is empty, all zeros, or our header with
    /// nothing but zeros after it (a chunk created by a crash at a chunk switch).
    Blank,
    /// The last chunk is damaged at `offset` and nothing proves those bytes had been
    /// synced: a torn write. `records_kept`: valid records lie before the damage.
    Torn {
        offset: u64,
        damage: DamageKind,
        records_kept: bool,
    },
    /// Damage at `offset` in bytes proven synced: a later batch records a durable
    /// offset past it, or a later chunk exists (a chunk is synced before the next is
    /// created).
    Rot { offset: u64, damage: DamageKind },
    /// A closed chunk whose file ends cleanly at `end`, before the next chunk starts:
    /// the bytes in between are missing (a lost chunk file).
    Gap { end: u64 },
    /// A closed chunk whose valid batches run to `end`, past where the next chunk
    /// file starts: that file contradicts this one.
    Overlap { end: u64 },
    /// A valid header of ours with another format version.
    Version(u32),
    /// A valid header of ours that names another chunk than its file name.
    OtherId(u64),
    /// A valid checksum over a header that is not ours.
    Foreign,
}

/// Classifies chunk `chunk_id` from its scan and its place.
pub(crate) fn classify(scan: &ChunkScan, chunk_id: u64, place: Place) -> Verdict {
    match scan.header {
        Header::Problem(HeaderProblem::Version(version)) => return Verdict::Version(version),
        Header::Problem(HeaderProblem::Id(id)) => return Verdict::OtherId(id),
        Header::Problem(HeaderProblem::Foreign) => return Verdict::Foreign,
        _ => {}
    }
    match place.next {
        Some(next) => classify_closed(scan, next.id - chunk_id),
        None => classify_last(scan),
    }
}

/// A closed chunk: every byte up to `logical_len` had been synced before the next
/// chunk was created.
fn classify_closed(scan: &ChunkScan, logical_len: u64) -> Verdict {
    debug_assert!(logical_len > 0, "chunk files are sorted by id");
    if scan.header == Header::Blank {
        return Verdict::Rot {
            offset: 0,
            damage: DamageKind::Zeros,
        };
    }
    if let Stop::Damage {
        offset: 0, damage, ..
    } = scan.stop
    {
        return Verdict::Rot { offset: 0, damage };
    }
    if scan.valid_end > logical_len {
        return Verdict::Overlap {
            end: scan.valid_end,
        };
    }
    if scan.valid_end == logical_len && scan.records > 0 {
        if scan.len_bytes == logical_len {
            return Verdict::Sound;
        }
        return Verdict::PastEnd {
            end: logical_len,
            nonzero: scan.stop != Stop::Zeros,
        };
    }
    match scan.stop {
        Stop::End if scan.records > 0 => Verdict::Gap {
            end: scan.valid_end,
        },
        Stop::End => Verdict::Rot {
            offset: scan.valid_end,
            damage: DamageKind::MissingStateRecord,
        },
        Stop::Zeros => Verdict::Rot {
            offset: scan.valid_end,
            damage: DamageKind::Zeros,
        },
        Stop::Damage { offset, damage, .. } => Verdict::Rot { offset, damage },
    }
}

/// The last chunk: its tail may be a torn write.
fn classify_last(scan: &ChunkScan) -> Verdict {
    if scan.header == Header::Blank {
        return Verdict::Blank;
    }
    match scan.stop {
        Stop::End | Stop::Zeros if scan.records == 0 => Verdict::Blank,
        Stop::End | Stop::Zeros => Verdict::Sound,
        Stop::Damage {
            offset,
            damage,
            proven: true,
        } => Verdict::Rot { offset, damage },
        Stop::Damage {
            offset,
            damage,
            proven: false,
        } => Verdict::Torn {
            offset,
            damage,
            records_kept: scan.records > 0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAST: Place = Place {
        next: None,
        leading: false,
    };

    fn closed(next_id: u64) -> Place {
        Place {
            next: Some(NextChunk {
                id: next_id,
                header_valid: true,
            }),
            leading: false,
        }
    }

    fn scan(len_bytes: u64, valid_end: u64, records: u64, stop: Stop) -> ChunkScan {
        ChunkScan {
            len_bytes,
            header: Header::Valid,
            valid_end,
            records,
            durable_offset_max: None,
            stop,
        }
    }

    fn damage(offset: u64, proven: bool) -> Stop {
        Stop::Damage {
            offset,
            damage: DamageKind::BatchChecksum,
            proven,
        }
    }

    #[test]
    fn header_problems_win_wherever_the_chunk_is() {
        for place in [LAST, closed(1000)] {
            let mut s = scan(100, 0, 0, Stop::End);
            s.header = Header::Problem(HeaderProblem::Version(3));
            assert_eq!(classify(&s, 0, place), Verdict::Version(3));
            s.header = Header::Problem(HeaderProblem::Id(7));
            assert_eq!(classify(&s, 0, place), Verdict::OtherId(7));
            s.header = Header::Problem(HeaderProblem::Foreign);
            assert_eq!(classify(&s, 0, place), Verdict::Foreign);
        }
    }

    #[test]
    fn last_chunk_verdicts() {
        assert_eq!(
            classify(&scan(500, 500, 3, Stop::End), 0, LAST),
            Verdict::Sound
        );
        assert_eq!(
            classify(&scan(900, 500, 3, Stop::Zeros), 0, LAST),
            Verdict::Sound
        );
        assert_eq!(
            classify(&scan(24, 24, 0, Stop::End), 0, LAST),
            Verdict::Blank
        );
        assert_eq!(
            classify(&scan(99, 24, 0, Stop::Zeros), 0, LAST),
            Verdict::Blank
        );
        let mut blank = scan(0, 0, 0, Stop::End);
        blank.header = Header::Blank;
        assert_eq!(classify(&blank, 0, LAST), Verdict::Blank);
        assert_eq!(
            classify(&scan(900, 500, 3, damage(500, false)), 0, LAST),
            Verdict::Torn {
                offset: 500,
                damage: DamageKind::BatchChecksum,
                records_kept: true
            }
        );
        assert_eq!(
            classify(&scan(900, 500, 3, damage(500, true)), 0, LAST),
            Verdict::Rot {
                offset: 500,
                damage: DamageKind::BatchChecksum
            }
        );
        let mut head = scan(900, 0, 0, damage(0, false));
        head.header = Header::Problem(HeaderProblem::Checksum);
        assert_eq!(
            classify(&head, 0, LAST),
            Verdict::Torn {
                offset: 0,
                damage: DamageKind::BatchChecksum,
                records_kept: false
            }
        );
    }

    #[test]
    fn closed_chunk_verdicts() {
        assert_eq!(
            classify(&scan(1000, 1000, 3, Stop::End), 0, closed(1000)),
            Verdict::Sound
        );
        assert_eq!(
            classify(&scan(4096, 1000, 3, Stop::Zeros), 0, closed(1000)),
            Verdict::PastEnd {
                end: 1000,
                nonzero: false
            }
        );
        assert_eq!(
            classify(&scan(4096, 1000, 3, damage(1000, false)), 0, closed(1000)),
            Verdict::PastEnd {
                end: 1000,
                nonzero: true
            }
        );
        assert_eq!(
            classify(&scan(1000, 1000, 3, Stop::End), 0, closed(100)),
            Verdict::Overlap { end: 1000 }
        );
        assert_eq!(
            classify(&scan(600, 600, 3, Stop::End), 0, closed(1000)),
            Verdict::Gap { end: 600 }
        );
        assert_eq!(
            classify(&scan(1000, 600, 3, Stop::Zeros), 0, closed(1000)),
            Verdict::Rot {
                offset: 600,
                damage: DamageKind::Zeros
            }
        );
        assert_eq!(
            classify(&scan(1000, 600, 3, damage(600, false)), 0, closed(1000)),
            Verdict::Rot {
                offset: 600,
                damage: DamageKind::BatchChecksum
            },
            "a later chunk proves the bytes synced"
        );
        let mut blank = scan(1000, 0, 0, Stop::Zeros);
        blank.header = Header::Blank;
        assert_eq!(
            classify(&blank, 0, closed(1000)),
            Verdict::Rot {
                offset: 0,
                damage: DamageKind::Zeros
            }
        );
        assert_eq!(
            classify(&scan(24, 24, 0, Stop::End), 0, closed(1000)),
            Verdict::Rot {
                offset: 24,
                damage: DamageKind::MissingStateRecord
            }
        );
    }
}
