//! `raftwal::Serde` (feature `serde`): any serde type as a log id, payload, vote and
//! user data, through a real log and a reopen.

use raftwal::{check_round_trip, Codec, Config, Error, RaftLog, RaftLogWriter, Serde, Types};
use serde::{Deserialize, Serialize};
use std::sync::{mpsc, Arc};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct LogId {
    term: u64,
    index: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Command {
    Set { key: String, value: Vec<u8> },
    Delete(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Membership {
    voters: Vec<u64>,
    learners: Option<Vec<u64>>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct SerdeTypes;

impl Types for SerdeTypes {
    type LogId = Serde<LogId>;
    type LogPayload = Serde<Command>;
    type Vote = Serde<(u64, u64)>;
    type UserData = Serde<Membership>;
    type Callback = mpsc::SyncSender<Result<(), Error>>;

    fn log_index(log_id: &Self::LogId) -> u64 {
        log_id.0.index
    }
    fn payload_size(_: &Self::LogPayload) -> u64 {
        1
    }
}

fn id(term: u64, index: u64) -> Serde<LogId> {
    Serde(LogId { term, index })
}

fn command(i: u64) -> Serde<Command> {
    if i.is_multiple_of(3) {
        Serde(Command::Delete(format!("k{i}")))
    } else {
        Serde(Command::Set {
            key: format!("k{i}"),
            value: vec![i as u8; i as usize],
        })
    }
}

#[test]
fn values_round_trip_under_the_codec_contract() {
    for i in 0..20 {
        check_round_trip(&id(i, i * 1000)).unwrap();
        check_round_trip(&command(i)).unwrap();
    }
    check_round_trip(&Serde((u64::MAX, 0u64))).unwrap();
    check_round_trip(&Serde(Membership {
        voters: vec![1, 2, 3],
        learners: None,
    }))
    .unwrap();
    check_round_trip(&Serde(String::from("ünïcode"))).unwrap();
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    // A string whose length runs past the input, then invalid UTF-8.
    assert!(Serde::<String>::decode(&mut &[0x05, b'a'][..]).is_err());
    assert!(Serde::<String>::decode(&mut &[0x02, 0xff, 0xfe][..]).is_err());
    // An enum variant that does not exist.
    assert!(Serde::<Command>::decode(&mut &[0x07][..]).is_err());
    assert!(Serde::<LogId>::decode(&mut &[][..]).is_err());
}

#[test]
fn a_log_of_serde_types_reopens_with_everything() {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(Config::new(dir.path()));
    let mut log = RaftLog::<SerdeTypes>::open(config.clone()).unwrap();
    log.save_vote(Serde((1, 2))).unwrap();
    log.append((0..10).map(|i| (id(1, i), command(i)))).unwrap();
    log.commit(id(1, 7)).unwrap();
    let membership = Serde(Membership {
        voters: vec![1, 2, 3],
        learners: Some(vec![4]),
    });
    log.save_user_data(Some(membership.clone())).unwrap();
    log.sync().unwrap();
    drop(log);

    let log = RaftLog::<SerdeTypes>::open(config).unwrap();
    let state = log.log_state();
    assert_eq!(state.vote, Some(Serde((1, 2))));
    assert_eq!(state.committed, Some(id(1, 7)));
    assert_eq!(state.user_data, Some(membership));
    let entries: Vec<_> = log.read(0, 10).collect::<Result<_, _>>().unwrap();
    let expected: Vec<_> = (0..10).map(|i| (id(1, i), command(i))).collect();
    assert_eq!(entries, expected);
}
