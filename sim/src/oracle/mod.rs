//! The oracle: what the engine must do, one file per family of rules. Each rule
//! looks at what happened and returns a [`Breach`] when the engine broke it; the
//! runner turns a breach into a complete [`crate::Violation`] (with the op) at once.
//!
//! - [`writes`]: write results, the state after them, rejected writes;
//! - [`reads`]: reads against the model;
//! - [`worker`]: flushes, the worker and callbacks;
//! - [`failure`]: when the log fails, and that it then acknowledges nothing;
//! - [`files`]: the files an open leaves behind (tiling, quarantine, nothing lost);
//! - [`recovery`]: the state an open recovers, against the history of the model;
//! - [`excuses`]: what the injected faults allow a reopen to refuse or lose.

mod dir_snapshot;
pub mod excuses;
pub mod failure;
pub mod files;
pub mod reads;
pub mod recovery;
pub mod worker;
pub mod writes;

/// A broken rule: its category and what was expected and seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    /// The rule's category (shrinking keeps it).
    pub category: &'static str,
    /// What the rule expected.
    pub expected: String,
    /// What was seen.
    pub actual: String,
}

/// A breach of the rule `category`.
pub fn breach(
    category: &'static str,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Breach {
    Breach {
        category,
        expected: expected.into(),
        actual: actual.into(),
    }
}
