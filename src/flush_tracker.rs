//! [`FlushTracker`]: a flush callback that counts acknowledgements, for a caller that
//! waits for its own flushes. It lives in `flush/tracker.rs`, beside the queue and the
//! worker, so that the model-checking tests compile it against shuttle too.

pub use crate::flush::tracker::{FlushTracker, FLUSH_TRACKER_SPINS_DEFAULT};
