//! Random operation sequences, shrunk by proptest, against the simulator's model
//! (`raftwal_sim::model::Model`, the one written-down copy of the log's rules): every
//! result, every read and every reopen must equal the model's. The simulator drives
//! the same model with its own generator, crashes and disk faults; this test adds
//! proptest's shrinking and a fault-free disk, so a rule broken by the engine shows
//! as a minimal sequence of calls.

use proptest::prelude::*;
use raftwal::{Config, ErrorKind, MemStorage, RaftLog, RaftLogWriter, Storage, WorkerMode};
use raftwal_sim::model::Model;
use raftwal_sim::ops::WriteOp;
use raftwal_sim::types::SimTypes;
use std::sync::Arc;

/// One step, with its arguments relative to the model's state when it runs (so that
/// most steps are near the log's edges, where the rules are).
#[derive(Debug, Clone)]
enum Step {
    /// `count` entries after the last, in the same term or the next; `skip` leaves a
    /// gap of one index (valid only as the first entry of a never-purged log).
    Append {
        count: u64,
        term_up: bool,
        skip: bool,
    },
    /// An append of the purged id itself (skipped) or of a higher id at its index.
    AppendPurged {
        term_up: bool,
    },
    Vote(u64, u64),
    /// Commit of the entry at this index, or of a made-up id there.
    Commit(u64),
    Truncate(u64),
    /// Purge up to the entry at this index, or a made-up id there (`term_up`: of a
    /// higher term).
    Purge(u64, bool),
    UserData(Option<u8>),
    Sync,
    Reopen,
    Read(u64, u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (1..6u64, any::<bool>(), prop::bool::weighted(0.1))
            .prop_map(|(count, term_up, skip)| Step::Append { count, term_up, skip }),
        1 => any::<bool>().prop_map(|term_up| Step::AppendPurged { term_up }),
        1 => (0..6u64, 0..3u64).prop_map(|(t, n)| Step::Vote(t, n)),
        1 => (0..40u64).prop_map(Step::Commit),
        1 => (0..40u64).prop_map(Step::Truncate),
        1 => (0..45u64, any::<bool>()).prop_map(|(i, up)| Step::Purge(i, up)),
        1 => prop::option::of(any::<u8>()).prop_map(Step::UserData),
        1 => Just(Step::Sync),
        1 => Just(Step::Reopen),
        1 => (0..45u64, 0..45u64).prop_map(|(a, b)| Step::Read(a, b)),
    ]
}

fn term(m: &Model) -> u64 {
    m.last.map_or(1, |l| l.0)
}

fn id_at(m: &Model, index: u64) -> Option<(u64, u64)> {
    m.entry(index).map(|e| e.0)
}

/// The write `step` stands for in the model's current state, if it is a write.
fn write_op(m: &Model, step: &Step) -> Option<WriteOp> {
    Some(match *step {
        Step::Append {
            count,
            term_up,
            skip,
        } => {
            let t = term(m) + u64::from(term_up);
            let start = m.next_index() + u64::from(skip);
            WriteOp::Append(
                (start..start + count)
                    .map(|i| ((t, i), format!("p{t}.{i}")))
                    .collect(),
            )
        }
        Step::AppendPurged { term_up } => {
            let p = m.purged?;
            WriteOp::Append(vec![((p.0 + u64::from(term_up), p.1), "stale".to_string())])
        }
        Step::Vote(t, n) => WriteOp::SaveVote((t, n)),
        Step::Commit(i) => WriteOp::Commit(id_at(m, i).unwrap_or((term(m), i))),
        Step::Truncate(i) => WriteOp::Truncate(i),
        Step::Purge(i, up) => WriteOp::Purge(id_at(m, i).unwrap_or((term(m) + u64::from(up), i))),
        Step::UserData(d) => WriteOp::SaveUserData(d.map(|b| format!("ud{b}"))),
        Step::Sync | Step::Reopen | Step::Read(..) => return None,
    })
}

fn write(log: &mut RaftLog<SimTypes>, op: &WriteOp) -> Result<(), ErrorKind> {
    let result = match op.clone() {
        WriteOp::SaveVote(v) => log.save_vote(v).map(drop),
        WriteOp::Append(entries) => log.append(entries).map(drop),
        WriteOp::Commit(id) => log.commit(id).map(drop),
        WriteOp::Truncate(i) => log.truncate(i).map(drop),
        WriteOp::Purge(id) => log.purge(id).map(drop),
        WriteOp::SaveUserData(d) => log.save_user_data(d).map(drop),
        WriteOp::UpdateState(_) => unreachable!("not generated"),
    };
    result.map_err(|e| e.kind())
}

fn open(storage: &Arc<dyn Storage>, config: &Arc<Config>) -> RaftLog<SimTypes> {
    RaftLog::open_with(storage.clone(), config.clone()).expect("open")
}

fn read_all(log: &RaftLog<SimTypes>) -> Vec<((u64, u64), String)> {
    let (first, next) = (log.first_index(), log.log_state().next_index());
    log.read(first, next).map(|r| r.expect("read")).collect()
}

fn assert_matches(log: &RaftLog<SimTypes>, m: &Model, after: &str) {
    assert!(
        m.state_matches(log.log_state()),
        "after {after}: log {:?}, model {}",
        log.log_state(),
        m.describe()
    );
    assert_eq!(
        (log.first_index(), log.log_state().next_index()),
        (m.first_index(), m.next_index()),
        "after {after}"
    );
}

fn run(steps: Vec<Step>) {
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let config = Arc::new(
        Config::new("mem")
            .with_chunk_max_records(5)
            .with_cache_max_items(3)
            // Reservation on, but small: a default-sized one is megabytes of zeros to
            // write and to scan per chunk, most of this test's time in a debug build.
            .with_chunk_preallocate_size(4096)
            .with_worker_mode(WorkerMode::Manual),
    );
    let mut log = open(&storage, &config);
    let mut m = Model::default();
    for step in steps {
        match &step {
            Step::Sync => log.sync().expect("sync"),
            Step::Reopen => {
                log.sync().expect("sync");
                drop(log);
                log = open(&storage, &config);
                // Every entry too, read back from the disk (the cache is empty after a
                // reopen), not only the state and the indexes the check below sees.
                let (first, next) = (m.first_index(), m.next_index());
                let got: Vec<_> = log
                    .read(first, next)
                    .collect::<Result<_, _>>()
                    .expect("a reopened log reads");
                let want: Vec<_> = m
                    .read(first, next)
                    .expect("the model reads its own range")
                    .into_iter()
                    .cloned()
                    .collect();
                assert_eq!(got, want, "entries after a reopen");
            }
            Step::Read(a, b) => {
                let got: Vec<_> = log.read(*a, *b).collect();
                match m.read(*a, *b) {
                    Ok(want) => {
                        let want: Vec<_> = want.into_iter().cloned().collect();
                        let got: Result<Vec<_>, _> = got.into_iter().collect();
                        assert_eq!(got.expect("the model reads them"), want, "{step:?}");
                    }
                    // The one error and nothing else (as the simulator asks): `collect`
                    // into a `Result` would let entries before an error pass.
                    Err(kind) => {
                        let kinds: Vec<_> = got
                            .iter()
                            .map(|r| r.as_ref().map(|_| ()).map_err(|e| e.kind()))
                            .collect();
                        assert_eq!(kinds, [Err(kind)], "{step:?}")
                    }
                }
            }
            _ => {
                let Some(op) = write_op(&m, &step) else {
                    continue;
                };
                let expected = m.check(&op);
                let covered =
                    matches!(&op, WriteOp::Append(e) if m.not_covered(e).next().is_none());
                // A rejected write, and an append the purge point covers, change nothing.
                let before = (expected.is_err() || covered).then(|| log.dump_data());
                assert_eq!(write(&mut log, &op), expected, "{op:?} on {}", m.describe());
                match before {
                    Some(before) => assert_eq!(log.dump_data(), before, "{op:?} changed the log"),
                    None => m.apply(&op),
                }
            }
        }
        assert_matches(&log, &m, &format!("{step:?}"));
    }
    let want: Vec<_> = m.entries.iter().cloned().collect();
    assert_eq!(read_all(&log), want);
    log.sync().expect("sync");
    drop(log);
    let log = open(&storage, &config);
    assert_eq!(read_all(&log), want, "after the last reopen");
    assert_matches(&log, &m, "the last reopen");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn random_ops_match_the_model(steps in prop::collection::vec(step(), 1..80)) {
        run(steps);
    }
}

/// Found by `random_ops_match_the_model` (when the test had its own copy of the
/// rules): a purge id below the first entry, with a higher term than that entry, made
/// a commit above the purged index (where only the entry at that index counts) be
/// taken as one below it. Such a purge stays accepted: openraft's storage Suite
/// (`get_initial_state_last_log_lt_sm`) purges a log id of a later term below the first
/// entry kept, from a state machine ahead of the log.
#[test]
fn commit_above_a_purged_index_needs_the_entry_there() {
    run(vec![
        Step::Append {
            count: 1,
            term_up: false,
            skip: true,
        },
        Step::Purge(0, true),
        Step::Commit(2),
    ]);
}

/// The append of a purged id is skipped (it changes nothing); a higher id at the
/// purged index is refused.
#[test]
fn an_append_of_the_purged_id_is_skipped_and_a_higher_one_refused() {
    run(vec![
        Step::Append {
            count: 3,
            term_up: false,
            skip: false,
        },
        Step::Purge(1, false),
        Step::AppendPurged { term_up: false },
        Step::AppendPurged { term_up: true },
        Step::Reopen,
    ]);
}

/// The cases the earlier version of this test (with its own copy of the rules) shrank
/// to and kept in its regression file, rewritten as steps: a first append after a
/// gap, an append over a purge point beyond the log, and a truncate at the first
/// index after two purges.
#[test]
fn earlier_shrunk_cases() {
    let append = |count, skip| Step::Append {
        count,
        term_up: false,
        skip,
    };
    run(vec![append(1, true)]);
    run(vec![
        Step::Purge(0, false),
        append(4, false),
        Step::Sync,
        Step::AppendPurged { term_up: false },
    ]);
    run(vec![
        Step::Purge(9, false),
        append(5, false),
        append(3, false),
        Step::Purge(16, false),
        Step::Truncate(17),
    ]);
}
