//! Excuses: what the faults injected since the previous open allow a reopen to do
//! (refuse with a documented kind, or lose acknowledged writes in an undecidable
//! place): rot, misdirected writes, at-rest faults, latent sector errors.

use crate::at_rest::{HeaderHow, Injected};
use crate::layout;
use crate::ledger::Ledger;
use crate::names::{
    CHUNK_CONFLICT, CHUNK_GAP, CORRUPT, CORRUPT_MISSING_ENTRIES, UNSUPPORTED_VERSION,
};
use crate::oracle::files::DirSnapshot;
use raftwal_simdisk::{BitRot, SimDisk};
use std::collections::BTreeSet;

/// Where rot was injected before a reopen, and whether it lies in the last synced
/// range of the last chunk file (the undecidable case: such rot looks exactly like a
/// torn tail; in a chunk with a later one, the later chunk proves it synced).
#[derive(Clone, Debug)]
pub struct Rot {
    /// Where.
    pub at: BitRot,
    /// In the last synced write of the last chunk file.
    pub in_last_synced: bool,
}

/// What may excuse a refused open or lost acknowledged writes.
#[derive(Clone, Debug, Default)]
pub struct Excuses {
    /// Rot injected before this reopen.
    pub rot: Option<Rot>,
    /// A misdirected write fired since the previous power loss.
    pub misdirected: bool,
    /// The at-rest faults applied since the previous open (undone ones removed).
    pub at_rest: Vec<Injected>,
}

impl Excuses {
    /// Every excuse, for a message.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(r) = &self.rot {
            parts.push(format!("rot {} byte {}", r.at.file_name, r.at.offset_bytes));
        }
        if self.misdirected {
            parts.push("misdirected writes".to_string());
        }
        parts.extend(self.at_rest.iter().map(|f| f.to_string()));
        parts.join("; ")
    }

    /// The refusals documented for the faults injected since the previous open.
    pub fn allowed_refusals(&self, latent: LatentView) -> BTreeSet<&'static str> {
        let mut allowed = BTreeSet::new();
        if self.rot.is_some() || self.misdirected {
            allowed.extend([CORRUPT, CHUNK_GAP]);
        }
        for f in &self.at_rest {
            allowed.extend(f.allowed_refusals().iter().copied());
        }
        if latent.proven {
            allowed.insert(CORRUPT);
        }
        if latent.present {
            allowed.insert(CORRUPT_MISSING_ENTRIES);
        }
        allowed
    }
}

/// What each at-rest fault excuses.
impl Injected {
    /// The refusals of an open this fault may cause (the documented typed errors).
    pub fn allowed_refusals(&self) -> &'static [&'static str] {
        match self {
            // A stray file contradicts the chunks it lies in (ChunkConflict), leaves a
            // gap after the real end (ChunkGap), or is a damaged non-last chunk to the
            // engine (before the first one: Corrupt).
            Injected::Stray { .. } => &[CHUNK_CONFLICT, CHUNK_GAP, CORRUPT],
            Injected::VersionSkew { .. } => &[UNSUPPORTED_VERSION],
            Injected::HeaderDamage {
                how: HeaderHow::IdRewrite { .. },
                ..
            } => &[CHUNK_CONFLICT, CORRUPT, CHUNK_GAP],
            Injected::HeaderDamage {
                how: HeaderHow::Flip { at },
                ..
            } if (12..20).contains(at) => &[CHUNK_CONFLICT, CORRUPT, CHUNK_GAP],
            Injected::HeaderDamage { .. } => &[CORRUPT, CHUNK_GAP],
            Injected::LostFile { .. } => &[CORRUPT, CHUNK_GAP],
            Injected::ZeroedEnd { .. } => &[CORRUPT, CHUNK_GAP],
            Injected::FrameRot { .. } => &[CORRUPT, CHUNK_GAP],
            // Judged by where the bad sector lies (proven data or not), not here.
            Injected::LatentTail { .. } => &[],
        }
    }

    /// Why losing acknowledged writes is undecidable after this fault, if it is.
    pub fn loss_excuse(&self) -> Option<&'static str> {
        match self {
            Injected::LostFile { last_with_data, .. } if *last_with_data => {
                Some("lost last chunk file")
            }
            Injected::HeaderDamage {
                which,
                how: HeaderHow::Cut { .. },
                ..
            } if which.is_last() => Some("last chunk cut inside its header"),
            Injected::HeaderDamage {
                which,
                in_last_synced: true,
                ..
            } if which.is_last() => Some("last chunk's header in its last synced write"),
            Injected::FrameRot {
                in_last_synced: true,
                ..
            } => Some("frame rot in the last synced write"),
            _ => None,
        }
    }
}

/// Where the latent sector errors of the chunk files lie, just before an open.
#[derive(Clone, Copy, Debug, Default)]
pub struct LatentView {
    /// Some chunk file has one.
    pub present: bool,
    /// One lies in proven data: a closed chunk, or the last chunk's damage it causes
    /// is followed by a batch that proves it synced. `Corrupt` is then documented.
    pub proven: bool,
    /// One lies in the last chunk's unproven tail: the open must quarantine it.
    pub in_tail: bool,
    /// One lies in its file's last synced write (undecidable: it looks torn).
    pub in_last_synced: bool,
}

impl LatentView {
    /// Where the latent sector errors of the chunk files lie (see [`LatentView`]).
    pub fn of(before: &DirSnapshot, ledger: &Ledger, disk: &SimDisk) -> LatentView {
        let mut view = LatentView::default();
        let chunks = before.chunks();
        for (i, &(id, name)) in chunks.iter().enumerate() {
            let f = &before.files[name];
            let len = f.bytes.len() as u64;
            let bad: Vec<_> = f
                .unreadable
                .iter()
                .filter(|r| r.start < len)
                .cloned()
                .collect();
            if bad.is_empty() {
                continue;
            }
            view.present = true;
            if i + 1 < chunks.len() {
                view.proven = true;
                continue;
            }
            match layout::first_damage(&f.bytes, id, &bad) {
                Some((at, true)) if layout::first_damage(&f.bytes, id, &[]) != Some((at, true)) => {
                    view.proven = true
                }
                Some(_) => view.in_tail = true,
                None => {}
            }
            view.in_last_synced |= bad
                .iter()
                .any(|r| ledger.in_last_synced_range(disk, name, r.start, r.end));
        }
        view
    }
}

/// The rot, for a message.
pub fn describe_rot(rot: &Option<Rot>) -> String {
    match rot {
        None => "; no rot".to_string(),
        Some(r) => format!(
            "; rot at {} byte {} (not in its last synced range: {})",
            r.at.file_name, r.at.offset_bytes, !r.in_last_synced
        ),
    }
}

/// The at-rest faults, for a message.
pub fn describe_at_rest(excuses: &Excuses) -> String {
    if excuses.at_rest.is_empty() {
        String::new()
    } else {
        let all: Vec<String> = excuses.at_rest.iter().map(|f| f.to_string()).collect();
        format!("; at rest: {}", all.join("; "))
    }
}

/// The rot injected at a power loss, for its trace line (empty if none).
pub fn describe_injected_rot(rot: &Option<Rot>) -> String {
    match rot {
        None => String::new(),
        Some(r) => format!(
            "; rot {} byte {} bit {}{}",
            r.at.file_name,
            r.at.offset_bytes,
            r.at.bit,
            if r.in_last_synced {
                " (in its last synced range)"
            } else {
                ""
            }
        ),
    }
}
