//! What the tests and the cluster example share: the type config and a simple
//! in-memory state machine (the Suite needs one; it is not part of the library).
//!
//! Included by the tests and, through `#[path]`, by `examples/cluster_v010.rs`.

use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

use futures_util::StreamExt;
use openraft::storage::{EntryResponder, RaftStateMachine, Snapshot};
use openraft::type_config::alias::{EntryOf, LogIdOf, SnapshotMetaOf, StoredMembershipOf};
use openraft::{EntryPayload, OptionalSend, RaftSnapshotBuilder, StoredMembership};
use parking_lot::Mutex;

openraft::declare_raft_types!(
    /// The type config of the tests: requests are `"key=value"` strings, a response is
    /// the previous value of the key (empty if none). Node ids are `u64`, nodes
    /// `BasicNode`, entries openraft's `Entry`, the runtime tokio (the defaults).
    pub TypeConfig:
        D = String,
        R = String,
);

/// Node id.
#[allow(dead_code)] // used by the example and the durability test
pub type NodeId = u64;

/// A snapshot of [`MemStateMachine`]: the postcard encoding of its key-value pairs.
pub type SnapshotData = Vec<u8>;

/// The state of [`MemStateMachine`].
#[derive(Debug, Default)]
struct State {
    last_applied: Option<LogIdOf<TypeConfig>>,
    last_membership: StoredMembershipOf<TypeConfig>,
    data: BTreeMap<String, String>,
    snapshot: Option<(SnapshotMetaOf<TypeConfig>, SnapshotData)>,
}

/// A key-value state machine in memory. Clones share the state (the clone handed out
/// as snapshot builder sees later applies).
#[derive(Debug, Clone, Default)]
pub struct MemStateMachine {
    state: Arc<Mutex<State>>,
}

impl MemStateMachine {
    /// The applied key-value pairs.
    #[allow(dead_code)] // used by the example only
    pub fn data(&self) -> BTreeMap<String, String> {
        self.state.lock().data.clone()
    }
}

fn apply_one(state: &mut State, entry: EntryOf<TypeConfig>) -> String {
    state.last_applied = Some(entry.log_id);
    match entry.payload {
        EntryPayload::Blank => String::new(),
        EntryPayload::Normal(request) => {
            let (key, value) = request.split_once('=').unwrap_or((request.as_str(), ""));
            state
                .data
                .insert(key.to_string(), value.to_string())
                .unwrap_or_default()
        }
        EntryPayload::Membership(membership) => {
            state.last_membership = StoredMembership::new(Some(entry.log_id), membership);
            String::new()
        }
    }
}

/// A snapshot of this state machine.
type SnapshotOf = openraft::type_config::alias::SnapshotOf<TypeConfig, SnapshotData>;

impl RaftSnapshotBuilder<TypeConfig> for MemStateMachine {
    type SnapshotData = SnapshotData;

    async fn build_snapshot(&mut self) -> Result<SnapshotOf, io::Error> {
        let mut state = self.state.lock();
        let bytes = postcard::to_allocvec(&state.data).map_err(io::Error::other)?;
        let meta = SnapshotMetaOf::<TypeConfig> {
            last_log_id: state.last_applied,
            last_membership: state.last_membership.clone(),
        };
        state.snapshot = Some((meta.clone(), bytes.clone()));
        Ok(Snapshot {
            meta,
            snapshot: bytes,
        })
    }
}

impl RaftStateMachine<TypeConfig> for MemStateMachine {
    type SnapshotData = SnapshotData;
    type SnapshotBuilder = Self;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogIdOf<TypeConfig>>, StoredMembershipOf<TypeConfig>), io::Error> {
        let state = self.state.lock();
        Ok((state.last_applied, state.last_membership.clone()))
    }

    async fn apply<Strm>(&mut self, mut entries: Strm) -> Result<(), io::Error>
    where
        Strm: futures_util::Stream<Item = Result<EntryResponder<TypeConfig>, io::Error>>
            + Unpin
            + OptionalSend,
    {
        while let Some(item) = entries.next().await {
            let (entry, responder) = item?;
            let response = apply_one(&mut self.state.lock(), entry);
            if let Some(responder) = responder {
                responder.send(response);
            }
        }
        Ok(())
    }

    async fn get_snapshot_builder(&mut self) -> Self {
        self.clone()
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMetaOf<TypeConfig>,
        snapshot: SnapshotData,
    ) -> Result<(), io::Error> {
        let data: BTreeMap<String, String> = postcard::from_bytes(&snapshot)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let mut state = self.state.lock();
        state.data = data;
        state.last_applied = meta.last_log_id;
        state.last_membership = meta.last_membership.clone();
        state.snapshot = Some((meta.clone(), snapshot));
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<SnapshotOf>, io::Error> {
        let state = self.state.lock();
        Ok(state.snapshot.as_ref().map(|(meta, bytes)| Snapshot {
            meta: meta.clone(),
            snapshot: bytes.clone(),
        }))
    }
}
