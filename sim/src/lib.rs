//! `raftwal-sim`: runs seeded random op sequences with crashes and disk faults against
//! the real `raftwal` engine on the simulated disk, and checks every op result, every
//! read, every flush callback and every recovery against a model.
//!
//! - [`config`]: what a seed decides (fault mix, engine limits, op mix), each part
//!   from its own [`streams`] stream;
//! - [`ops`]: the ops (plain data); [`generator`]: draws them; [`model`]: the oracle;
//! - [`world`]: the disk and the log (open, crash, power loss, fresh disk);
//! - [`run`]: the run loop; [`runner`]: one run, op by op; [`oracle`]: the rules, one file
//!   per family; [`at_rest`]: faults applied to the files between a
//!   crash and the reopen; [`layout`]: the simulator's own reading of the format;
//! - [`swarm`]: many seeds; [`shrink`]: minimal failing op lists;
//! - [`ledger`]: the byte ranges each file made durable;
//! - [`observations`]: run counters and fault counts, each field listed once;
//! - [`summary`], [`trace`]: what a run reports; [`cli`]: the command line;
//!   [`names`]: mutant and fault-kind names;
//! - [`mutant`]: the deliberate bugs the mutant tests run, of the engine or of its
//!   storage ([`mutant_storage`]: a lying wrapper around the simulated disk).

#![warn(missing_docs)]

pub mod at_rest;
pub mod cli;
pub mod config;
pub mod generator;
pub mod layout;
pub mod ledger;
pub mod model;
pub mod mutant;
pub mod mutant_storage;
pub mod names;
pub mod observations;
pub mod ops;
pub mod oracle;
pub mod run;
pub mod runner;
pub mod shrink;
pub mod streams;
pub mod summary;
pub mod swarm;
pub mod trace;
pub mod types;
pub mod world;

pub use config::RunConfig;
pub use mutant::Mutant;
pub use run::{run_ops, run_seed, RunOptions, RunOutcome};
pub use summary::{RunSummary, Violation};
pub use swarm::{swarm, SwarmOptions, SwarmReport};
