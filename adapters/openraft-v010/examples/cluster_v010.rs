//! A three-node openraft 0.10 cluster in one process, each node on its own raftwal
//! directory, with an in-memory network (direct calls between the `Raft` handles).
//!
//! It elects a leader, writes entries, kills a follower (drops its `Raft` and its
//! raftwal log), writes more, restarts the follower on the same directory, shows what
//! it recovered from its raftwal log and how it catches up, and checks that all three
//! nodes end with the same log, read back through their stores. Exits non-zero
//! otherwise.
//!
//! Run: `cargo run -p openraft-v010-raftwal --example cluster_v010`

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::error::Error;
use std::future::Future;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{MemStateMachine, NodeId, SnapshotData, TypeConfig};
use openraft::error::{RPCError, ReplicationClosed, StreamingError, Unreachable};
use openraft::network::{RPCOption, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, SnapshotResponse, VoteRequest, VoteResponse,
};
use openraft::storage::RaftLogReader;
use openraft::type_config::alias::{EntryOf, SnapshotOf, VoteOf};
use openraft::{BasicNode, OptionalSend, RaftNetworkV2, ServerState};
use openraft_v010_raftwal::{LogReader, LogStore, SharedLog};
use parking_lot::Mutex;
use tempfile::TempDir;

type BoxError = Box<dyn Error + Send + Sync>;

type Raft = openraft::Raft<TypeConfig, MemStateMachine>;

/// Generous: waits end as soon as the metric is reached; this only bounds a failure.
const WAIT: Duration = Duration::from_secs(20);

/// The whole run must finish well within this.
const RUN_TIMEOUT: Duration = Duration::from_secs(50);

/// The in-memory network: every live node's `Raft`, by id.
#[derive(Clone, Default)]
struct Router {
    nodes: Arc<Mutex<BTreeMap<NodeId, Raft>>>,
}

impl RaftNetworkFactory<TypeConfig> for Router {
    type Network = Connection;

    async fn new_client(&mut self, target: NodeId, _node: &BasicNode) -> Connection {
        Connection {
            target,
            router: self.clone(),
        }
    }
}

/// A connection to one node: a direct call to its `Raft`, or `Unreachable` while it is
/// down (or shut down).
struct Connection {
    target: NodeId,
    router: Router,
}

impl Connection {
    fn peer(&self) -> Result<Raft, Unreachable<TypeConfig>> {
        let peer = self.router.nodes.lock().get(&self.target).cloned();
        peer.ok_or_else(|| {
            Unreachable::new(&io::Error::other(format!("node {} is down", self.target)))
        })
    }
}

/// A peer that answers with an error has stopped: to the caller it is unreachable.
fn unreachable(e: impl Error + 'static) -> Unreachable<TypeConfig> {
    Unreachable::new(&e)
}

impl RaftNetworkV2<TypeConfig> for Connection {
    type SnapshotData = SnapshotData;

    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        _option: RPCOption,
    ) -> Result<AppendEntriesResponse<TypeConfig>, RPCError<TypeConfig>> {
        let peer = self.peer()?;
        Ok(peer.append_entries(rpc).await.map_err(unreachable)?)
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<TypeConfig>,
        _option: RPCOption,
    ) -> Result<VoteResponse<TypeConfig>, RPCError<TypeConfig>> {
        let peer = self.peer()?;
        Ok(peer.vote(rpc).await.map_err(unreachable)?)
    }

    async fn pre_vote(
        &mut self,
        rpc: VoteRequest<TypeConfig>,
        _option: RPCOption,
    ) -> Result<VoteResponse<TypeConfig>, RPCError<TypeConfig>> {
        let peer = self.peer()?;
        Ok(peer.pre_vote(rpc).await.map_err(unreachable)?)
    }

    async fn full_snapshot(
        &mut self,
        vote: VoteOf<TypeConfig>,
        snapshot: SnapshotOf<TypeConfig, SnapshotData>,
        _cancel: impl Future<Output = ReplicationClosed> + OptionalSend + 'static,
        _option: RPCOption,
    ) -> Result<SnapshotResponse<TypeConfig>, StreamingError<TypeConfig>> {
        let peer = self.peer()?;
        Ok(peer
            .install_full_snapshot(vote, snapshot)
            .await
            .map_err(unreachable)?)
    }
}

/// A running node.
struct Node {
    raft: Raft,
    log: SharedLog<TypeConfig>,
    reader: LogReader<TypeConfig>,
    sm: MemStateMachine,
}

/// Opens the node's raftwal directory and starts its `Raft`.
async fn start(
    id: NodeId,
    dir: &Path,
    router: &Router,
    config: &Arc<openraft::Config>,
) -> Result<Node, BoxError> {
    let store = LogStore::<TypeConfig>::open(Arc::new(raftwal::Config::new(dir)))?;
    let log = store.log().clone();
    let reader = store.reader();
    let sm = MemStateMachine::default();
    let raft = Raft::new(id, config.clone(), router.clone(), store, sm.clone()).await?;
    router.nodes.lock().insert(id, raft.clone());
    Ok(Node {
        raft,
        log,
        reader,
        sm,
    })
}

/// Waits until some live node is a leader that accepts writes and returns its id.
///
/// openraft 0.10 names a node `current_leader` as soon as it is elected, but the new
/// leader refuses writes (`ForwardToLeader`, lease expired) until a quorum has
/// acknowledged it (`last_quorum_acked`).
async fn wait_leader(nodes: &BTreeMap<NodeId, Node>) -> Result<NodeId, BoxError> {
    let any = nodes.values().next().ok_or("no node")?;
    for _ in 0..10 {
        let metrics = any
            .raft
            .wait(Some(WAIT))
            .metrics(
                |m| m.current_leader.is_some_and(|l| nodes.contains_key(&l)),
                "a live leader",
            )
            .await?;
        let leader = metrics.current_leader.ok_or("no leader")?;
        let established = nodes[&leader]
            .raft
            .wait(Some(WAIT))
            .metrics(
                |m| {
                    (m.state == ServerState::Leader && m.last_quorum_acked.is_some())
                        || m.current_leader != Some(leader)
                },
                format!("node {leader} is acknowledged by a quorum or steps aside"),
            )
            .await?;
        if established.state == ServerState::Leader && established.last_quorum_acked.is_some() {
            return Ok(leader);
        }
    }
    Err("no node became leader".into())
}

/// Writes `key=value` through the current leader, following leader changes.
async fn write(nodes: &BTreeMap<NodeId, Node>, request: String) -> Result<u64, BoxError> {
    for _ in 0..10 {
        let leader = wait_leader(nodes).await?;
        match nodes[&leader].raft.client_write(request.clone()).await {
            Ok(response) => return Ok(response.log_id.index),
            // Not (or no longer) a writable leader: ask again after a moment.
            Err(e) if e.forward_to_leader().is_some() => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err("no leader accepted the write".into())
}

/// Waits until every node has applied the entry at `index`.
async fn wait_applied(nodes: &BTreeMap<NodeId, Node>, index: u64) -> Result<(), BoxError> {
    for (id, node) in nodes {
        node.raft
            .wait(Some(WAIT))
            .applied_index_at_least(Some(index), format!("node {id} applies {index}"))
            .await?;
    }
    Ok(())
}

/// `Some(x)` as `x`, `None` as `-`.
fn show<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

async fn run() -> Result<(), BoxError> {
    let config = Arc::new(
        openraft::Config {
            cluster_name: "raftwal-example-v010".to_string(),
            heartbeat_interval: 100,
            // Long election timeouts: a busy machine must not cause spurious elections.
            election_timeout_min: 1_500,
            election_timeout_max: 3_000,
            ..Default::default()
        }
        .validate()?,
    );
    let router = Router::default();
    let dirs: BTreeMap<NodeId, TempDir> = (1..=3)
        .map(|id| {
            Ok((
                id,
                tempfile::Builder::new()
                    .prefix(&format!("raftwal-v010-cluster-node{id}-"))
                    .tempdir()?,
            ))
        })
        .collect::<Result<_, io::Error>>()?;

    let mut nodes = BTreeMap::new();
    for (&id, dir) in &dirs {
        nodes.insert(id, start(id, dir.path(), &router, &config).await?);
        println!("node {id}: raftwal log in {}", dir.path().display());
    }

    let members: BTreeMap<NodeId, BasicNode> = dirs
        .keys()
        .map(|&id| (id, BasicNode::new(format!("node-{id}"))))
        .collect();
    nodes[&1].raft.initialize(members).await?;
    let leader = wait_leader(&nodes).await?;
    println!("leader: node {leader}");

    let mut last = 0;
    for i in 0..10 {
        last = write(&nodes, format!("k{i}=v{i}")).await?;
    }
    wait_applied(&nodes, last).await?;
    println!("wrote k0..k9; every node applied up to log index {last}");

    // Kill a follower: out of the network, Raft shut down, its RaftLog closed.
    let victim = *nodes
        .keys()
        .find(|&&id| id != leader)
        .ok_or("no follower")?;
    router.nodes.lock().remove(&victim);
    let node = nodes.remove(&victim).ok_or("no victim")?;
    node.raft.shutdown().await?;
    let before = node.log.lock().log_state().clone();
    drop(node);
    println!(
        "killed node {victim}; its log ended at {}",
        show(before.last.map(|id| id.0))
    );

    for i in 10..20 {
        last = write(&nodes, format!("k{i}=v{i}")).await?;
    }
    wait_applied(&nodes, last).await?;
    println!("wrote k10..k19 while node {victim} was down; the two others applied up to {last}");

    // Restart it on the same directory: its state comes back from its raftwal log.
    let node = start(victim, dirs[&victim].path(), &router, &config).await?;
    let recovered = node.log.lock().log_state().clone();
    println!(
        "restarted node {victim}: raftwal recovered vote {}, last log id {}, committed {}",
        show(recovered.vote.as_ref().map(|v| &v.0)),
        show(recovered.last.as_ref().map(|id| &id.0)),
        show(recovered.committed.as_ref().map(|id| &id.0))
    );
    if recovered.last != before.last || recovered.vote != before.vote {
        return Err(format!(
            "node {victim} recovered last {:?} and vote {:?}, had {:?} and {:?}",
            recovered.last, recovered.vote, before.last, before.vote
        )
        .into());
    }
    if let Some(committed) = &recovered.committed {
        let index = committed.0.index;
        node.raft
            .wait(Some(WAIT))
            .applied_index_at_least(Some(index), "re-apply from the local log")
            .await?;
        println!(
            "node {victim} re-applied its committed entries up to {index} from its own raftwal log"
        );
    }
    nodes.insert(victim, node);
    wait_applied(&nodes, last).await?;
    println!("node {victim} caught up to log index {last} from the leader");

    // Every node must hold the same log and the same state machine.
    let mut logs: BTreeMap<NodeId, Vec<EntryOf<TypeConfig>>> = BTreeMap::new();
    for (&id, node) in &nodes {
        let mut reader = node.reader.clone();
        logs.insert(id, reader.try_get_log_entries(..).await?);
    }
    let (first_id, first_log) = logs.iter().next().ok_or("no node")?;
    for (id, log) in &logs {
        if log != first_log {
            return Err(format!(
                "node {id}'s log ({} entries) differs from node {first_id}'s ({} entries)",
                log.len(),
                first_log.len()
            )
            .into());
        }
    }
    if first_log.last().map(|e| e.log_id.index) != Some(last) {
        return Err(format!(
            "the logs end at {:?}, expected {last}",
            first_log.last().map(|e| e.log_id)
        )
        .into());
    }
    let data = nodes[first_id].sm.data();
    for (id, node) in &nodes {
        if node.sm.data() != data {
            return Err(format!("node {id}'s state machine differs").into());
        }
    }
    if data.len() != 20 {
        return Err(format!("expected 20 keys, found {}", data.len()).into());
    }
    println!(
        "all three logs are identical: {} entries, last {}; all state machines hold 20 keys",
        first_log.len(),
        last
    );

    for node in nodes.values() {
        node.raft.shutdown().await?;
    }
    Ok(())
}

fn main() {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("FAILED: no tokio runtime: {e}");
            std::process::exit(1);
        }
    };
    let outcome = runtime.block_on(async {
        match tokio::time::timeout(RUN_TIMEOUT, run()).await {
            Ok(result) => result,
            Err(_) => Err(format!("the run did not finish within {RUN_TIMEOUT:?}").into()),
        }
    });
    match outcome {
        Ok(()) => println!("OK"),
        Err(e) => {
            eprintln!("FAILED: {e}");
            std::process::exit(1);
        }
    }
}
