//! What the tests and the cluster example share: the type config and a simple
//! in-memory state machine (the Suite needs one; it is not part of the library).
//!
//! Included by `tests/suite.rs` and, through `#[path]`, by `examples/cluster.rs`.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::sync::Arc;

use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{
    AnyError, BasicNode, Entry, EntryPayload, LogId, RaftSnapshotBuilder, SnapshotMeta,
    StorageError, StorageIOError, StoredMembership,
};
use parking_lot::Mutex;

openraft::declare_raft_types!(
    /// The type config of the tests: requests are `"key=value"` strings, a response is
    /// the previous value of the key (empty if none).
    pub TypeConfig:
        D = String,
        R = String,
        NodeId = u64,
        Node = BasicNode,
        Entry = Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
);

/// Node id.
pub type NodeId = u64;

/// The state of [`MemStateMachine`].
#[derive(Debug, Default)]
struct State {
    last_applied: Option<LogId<NodeId>>,
    last_membership: StoredMembership<NodeId, BasicNode>,
    data: BTreeMap<String, String>,
    snapshot: Option<(SnapshotMeta<NodeId, BasicNode>, Vec<u8>)>,
    snapshot_count: u64,
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

fn apply_one(state: &mut State, entry: Entry<TypeConfig>) -> String {
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

impl RaftSnapshotBuilder<TypeConfig> for MemStateMachine {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError<NodeId>> {
        let mut state = self.state.lock();
        let bytes = postcard::to_allocvec(&state.data)
            .map_err(|e| StorageIOError::write_snapshot(None, AnyError::error(e)))?;
        state.snapshot_count += 1;
        let snapshot_id = match &state.last_applied {
            Some(id) => format!("{}-{}-{}", id.leader_id, id.index, state.snapshot_count),
            None => format!("none-{}", state.snapshot_count),
        };
        let meta = SnapshotMeta {
            last_log_id: state.last_applied,
            last_membership: state.last_membership.clone(),
            snapshot_id,
        };
        state.snapshot = Some((meta.clone(), bytes.clone()));
        Ok(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(bytes)),
        })
    }
}

impl RaftStateMachine<TypeConfig> for MemStateMachine {
    type SnapshotBuilder = Self;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogId<NodeId>>, StoredMembership<NodeId, BasicNode>), StorageError<NodeId>>
    {
        let state = self.state.lock();
        Ok((state.last_applied, state.last_membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<String>, StorageError<NodeId>>
    where
        I: IntoIterator<Item = Entry<TypeConfig>> + Send,
        I::IntoIter: Send,
    {
        let mut state = self.state.lock();
        Ok(entries
            .into_iter()
            .map(|entry| apply_one(&mut state, entry))
            .collect())
    }

    async fn get_snapshot_builder(&mut self) -> Self {
        self.clone()
    }

    async fn begin_receiving_snapshot(
        &mut self,
    ) -> Result<Box<Cursor<Vec<u8>>>, StorageError<NodeId>> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<NodeId, BasicNode>,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError<NodeId>> {
        let bytes = snapshot.into_inner();
        let data: BTreeMap<String, String> = postcard::from_bytes(&bytes).map_err(|e| {
            StorageIOError::read_snapshot(Some(meta.signature()), AnyError::error(e))
        })?;
        let mut state = self.state.lock();
        state.data = data;
        state.last_applied = meta.last_log_id;
        state.last_membership = meta.last_membership.clone();
        state.snapshot = Some((meta.clone(), bytes));
        Ok(())
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<Snapshot<TypeConfig>>, StorageError<NodeId>> {
        let state = self.state.lock();
        Ok(state.snapshot.as_ref().map(|(meta, bytes)| Snapshot {
            meta: meta.clone(),
            snapshot: Box::new(Cursor::new(bytes.clone())),
        }))
    }
}
