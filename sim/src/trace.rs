//! The trace of a run: one line per op and per notable event, built only when asked
//! for (it costs formatting). Deterministic: same seed, same bytes. [`format`] says
//! how its pieces are written.

pub mod format;

/// A trace buffer.
#[derive(Debug, Default)]
pub struct Trace {
    enabled: bool,
    out: String,
}

impl Trace {
    /// A trace that records if `enabled`.
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            out: String::new(),
        }
    }

    /// Is it recording?
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Records the line `f` builds, if recording.
    #[inline]
    pub fn line(&mut self, f: impl FnOnce() -> String) {
        if self.enabled {
            self.out.push_str(&f());
            self.out.push('\n');
        }
    }

    /// The recorded text.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// The recorded text.
    pub fn into_string(self) -> String {
        self.out
    }
}
