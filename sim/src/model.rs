//! The oracle's model of a log: plain values, written from the documented rules of
//! `RaftLogWriter` (never from engine internals). For every write it says which result
//! the engine must return, and it applies the valid ones.

use crate::ops::WriteOp;
use crate::types::{LogId, Payload, SimTypes, Vote};
use raftwal::{ErrorKind, RaftLogState};
use std::collections::VecDeque;

/// What a log holds: the state and the entries `[first_index, next_index)`.
///
/// A log that was never purged starts at its first appended entry, whatever its index
/// (and, emptied by a truncate, starts anew at the next append); an append's leading
/// entries at or below the purged id are skipped; a purge below the first entry
/// removes nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Model {
    /// The saved vote.
    pub vote: Option<Vote>,
    /// The last entry's id, or the purged id when no entry is left.
    pub last: Option<LogId>,
    /// The committed id.
    pub committed: Option<LogId>,
    /// Entries up to this id are purged.
    pub purged: Option<LogId>,
    /// The user data.
    pub user_data: Option<String>,
    /// The index of `entries[0]` (meaningful when there are entries).
    pub first: u64,
    /// The entries, the first one at `first`.
    pub entries: VecDeque<(LogId, Payload)>,
}

impl Model {
    /// Builds a model from what a log reports: its state, its first index and all its
    /// entries. Fails if the entries do not fill `[first_index, next_index)` exactly.
    pub fn from_parts(
        state: RaftLogState<SimTypes>,
        first: u64,
        entries: Vec<(LogId, Payload)>,
    ) -> Result<Self, String> {
        let model = Model {
            vote: state.vote,
            last: state.last,
            committed: state.committed,
            purged: state.purged,
            user_data: state.user_data,
            first,
            entries: entries.into(),
        };
        let next = model.next_index();
        if model.entries.is_empty() && first != next {
            return Err(format!(
                "first index {first} of an empty log, whose next index is {next}"
            ));
        }
        if let Some(p) = model.purged {
            if first <= p.1 {
                return Err(format!(
                    "first index {first} is not after the purged id {p:?}"
                ));
            }
        }
        if next < first || (next - first) as usize != model.entries.len() {
            return Err(format!(
                "{} entries for the range [{first}, {next})",
                model.entries.len()
            ));
        }
        for (i, (id, _)) in model.entries.iter().enumerate() {
            if id.1 != first + i as u64 {
                return Err(format!(
                    "entry {id:?} at position of index {}",
                    first + i as u64
                ));
            }
        }
        Ok(model)
    }

    /// The index of the first entry in the log (the next index when it is empty).
    pub fn first_index(&self) -> u64 {
        if self.entries.is_empty() {
            self.next_index()
        } else {
            self.first
        }
    }

    /// The index the next appended entry must have.
    pub fn next_index(&self) -> u64 {
        self.last.map_or(0, |l| l.1 + 1)
    }

    /// The entry at `index`, if it is in the log.
    pub fn entry(&self, index: u64) -> Option<&(LogId, Payload)> {
        let pos = index.checked_sub(self.first)?;
        self.entries.get(usize::try_from(pos).ok()?)
    }

    /// The state part, as the engine reports it.
    pub fn state(&self) -> RaftLogState<SimTypes> {
        RaftLogState {
            vote: self.vote,
            last: self.last,
            committed: self.committed,
            purged: self.purged,
            user_data: self.user_data.clone(),
        }
    }

    /// Does the engine's state equal the model's state part?
    pub fn state_matches(&self, s: &RaftLogState<SimTypes>) -> bool {
        s.vote == self.vote
            && s.last == self.last
            && s.committed == self.committed
            && s.purged == self.purged
            && s.user_data == self.user_data
    }

    /// Equality, cheapest fields first.
    pub fn same_as(&self, other: &Model) -> bool {
        self.first_index() == other.first_index()
            && self.last == other.last
            && self.purged == other.purged
            && self.committed == other.committed
            && self.vote == other.vote
            && self.entries.len() == other.entries.len()
            && self.user_data == other.user_data
            && self.entries == other.entries
    }

    /// A one-line description, for messages.
    pub fn describe(&self) -> String {
        format!(
            "vote {:?} last {:?} committed {:?} purged {:?} user_data {} entries [{}, {})",
            self.vote,
            self.last,
            self.committed,
            self.purged,
            match &self.user_data {
                None => "None".to_string(),
                Some(u) => format!("{}B", u.len()),
            },
            self.first_index(),
            self.next_index()
        )
    }

    /// The result the engine must give for `op` on a log that has not failed.
    pub fn check(&self, op: &WriteOp) -> Result<(), ErrorKind> {
        match op {
            WriteOp::SaveVote(vote) => self.check_vote(vote),
            WriteOp::Append(entries) => {
                let mut last = self.last;
                for (id, _) in self.not_covered(entries) {
                    // An empty log that was never purged starts at any index.
                    if let Some(l) = last {
                        if id.1 != l.1 + 1 {
                            return Err(ErrorKind::NonConsecutive);
                        }
                        if *id <= l {
                            return Err(ErrorKind::LogIdNotIncreasing);
                        }
                    }
                    last = Some(*id);
                }
                Ok(())
            }
            WriteOp::Commit(id) => self.check_commit(id),
            WriteOp::Truncate(index) => self.check_truncate(*index),
            WriteOp::Purge(upto) => self.check_purge(upto),
            WriteOp::SaveUserData(_) => Ok(()),
            WriteOp::UpdateState(state) => {
                if state.last != self.last || state.purged != self.purged {
                    return Err(ErrorKind::InvalidState);
                }
                if state.vote != self.vote {
                    match &state.vote {
                        Some(vote) => self.check_vote(vote)?,
                        None => return Err(ErrorKind::VoteReversal),
                    }
                }
                if state.committed != self.committed {
                    match &state.committed {
                        Some(id) => self.check_commit(id)?,
                        None => return Err(ErrorKind::CommitRegression),
                    }
                }
                Ok(())
            }
        }
    }

    /// The entries of an append after its leading run covered by the purge point
    /// (entries at or below the purged id, index and id both, are skipped while they
    /// lead; a covered entry after an uncovered one is kept, and fails the checks).
    pub fn not_covered<'a>(
        &self,
        entries: &'a [(LogId, Payload)],
    ) -> impl Iterator<Item = &'a (LogId, Payload)> {
        let purged = self.purged;
        entries
            .iter()
            .skip_while(move |(id, _)| purged.is_some_and(|p| id.1 <= p.1 && *id <= p))
    }

    /// Appends one entry that the checks accepted.
    pub fn push_entry(&mut self, entry: (LogId, Payload)) {
        if self.entries.is_empty() {
            self.first = entry.0 .1;
        }
        self.last = Some(entry.0);
        self.entries.push_back(entry);
    }

    /// A vote must compare `>=` the saved one.
    fn check_vote(&self, vote: &Vote) -> Result<(), ErrorKind> {
        match &self.vote {
            Some(saved) if vote < saved => Err(ErrorKind::VoteReversal),
            _ => Ok(()),
        }
    }

    /// Not lower than the committed id; an entry of the log or a purged id.
    fn check_commit(&self, id: &LogId) -> Result<(), ErrorKind> {
        if let Some(committed) = &self.committed {
            if id < committed {
                return Err(ErrorKind::CommitRegression);
            }
        }
        if let Some(purged) = &self.purged {
            if id.1 <= purged.1 {
                return if id <= purged {
                    Ok(())
                } else {
                    Err(ErrorKind::CommitNotInLog)
                };
            }
        }
        match self.entry(id.1) {
            Some((found, _)) if found == id => Ok(()),
            _ => Err(ErrorKind::CommitNotInLog),
        }
    }

    /// Within `[first_index, next_index]` and after the committed entry.
    fn check_truncate(&self, index: u64) -> Result<(), ErrorKind> {
        if index < self.first_index() || index > self.next_index() {
            return Err(ErrorKind::TruncateOutOfRange);
        }
        if let Some(committed) = &self.committed {
            if committed.1 >= index {
                return Err(ErrorKind::TruncateCommitted);
            }
        }
        Ok(())
    }

    /// Not below the purged id; within the log, the entry at its index; beyond the
    /// last entry, not below the last id.
    fn check_purge(&self, upto: &LogId) -> Result<(), ErrorKind> {
        if let Some(purged) = &self.purged {
            if upto < purged {
                return Err(ErrorKind::PurgeRegression);
            }
            if upto.1 <= purged.1 {
                return if upto == purged {
                    Ok(())
                } else {
                    Err(ErrorKind::PurgeConflict)
                };
            }
        }
        if upto.1 < self.first_index() {
            // Below the first entry of a log that starts after 0: nothing to remove.
            return Ok(());
        }
        match self.entry(upto.1) {
            Some((found, _)) if found != upto => Err(ErrorKind::PurgeConflict),
            Some(_) => Ok(()),
            None => match &self.last {
                Some(last) if upto < last => Err(ErrorKind::PurgeConflict),
                _ => Ok(()),
            },
        }
    }

    /// Applies a write that [`Model::check`] accepted.
    pub fn apply(&mut self, op: &WriteOp) {
        match op {
            WriteOp::SaveVote(vote) => self.vote = Some(*vote),
            WriteOp::Append(entries) => {
                let kept: Vec<_> = self.not_covered(entries).cloned().collect();
                for entry in kept {
                    self.push_entry(entry);
                }
            }
            WriteOp::Commit(id) => self.committed = Some(*id),
            WriteOp::Truncate(index) => {
                let keep = index.saturating_sub(self.first) as usize;
                self.entries.truncate(keep);
                self.last = match self.entries.back() {
                    Some((id, _)) => Some(*id),
                    None => self.purged,
                };
            }
            WriteOp::Purge(upto) => {
                let next = upto.1 + 1;
                if next >= self.next_index() {
                    self.last = Some(*upto);
                    self.entries.clear();
                    self.first = next;
                } else if next > self.first {
                    let drop = ((next - self.first) as usize).min(self.entries.len());
                    self.entries.drain(..drop);
                    self.first = next;
                }
                self.purged = Some(*upto);
            }
            WriteOp::SaveUserData(user_data) => self.user_data = user_data.clone(),
            WriteOp::UpdateState(state) => {
                self.vote = state.vote;
                self.committed = state.committed;
                self.user_data = state.user_data.clone();
            }
        }
        debug_assert_eq!(
            self.entries.len() as u64,
            self.next_index() - self.first_index(),
            "model invariant after {op}"
        );
    }

    /// What `read(from, to)` must return: the entries, or the error kind of its single
    /// error item.
    pub fn read(&self, from: u64, to: u64) -> Result<Vec<&(LogId, Payload)>, ErrorKind> {
        if from >= to {
            return Ok(Vec::new());
        }
        if from < self.first_index() || to > self.next_index() {
            return Err(ErrorKind::ReadOutOfRange);
        }
        Ok((from..to)
            .map(|i| self.entry(i).expect("in range"))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(m: &mut Model, term: u64, from: u64, to: u64) {
        let op = WriteOp::Append((from..to).map(|i| ((term, i), format!("p{i}"))).collect());
        assert_eq!(m.check(&op), Ok(()));
        m.apply(&op);
    }

    #[test]
    fn a_never_purged_log_starts_at_its_first_entry() {
        let mut m = Model::default();
        append(&mut m, 1, 5, 9);
        assert_eq!((m.first_index(), m.next_index()), (5, 9));
        assert_eq!(m.read(4, 6), Err(ErrorKind::ReadOutOfRange));
        assert_eq!(
            m.check(&WriteOp::Truncate(4)),
            Err(ErrorKind::TruncateOutOfRange)
        );
        assert_eq!(m.check(&WriteOp::Purge((1, 2))), Ok(()));
        assert_eq!(
            m.check(&WriteOp::Commit((1, 2))),
            Err(ErrorKind::CommitNotInLog)
        );
        m.apply(&WriteOp::Purge((1, 2)));
        assert_eq!(
            (m.first_index(), m.next_index(), m.entries.len()),
            (5, 9, 4)
        );
        let mut e = Model::default();
        append(&mut e, 1, 5, 9);
        e.apply(&WriteOp::Truncate(5));
        assert_eq!((e.last, e.first_index(), e.next_index()), (None, 0, 0));
        append(&mut e, 2, 3, 4);
        assert_eq!((e.first_index(), e.next_index()), (3, 4));
    }

    #[test]
    fn documented_rules() {
        let mut m = Model::default();
        append(&mut m, 1, 0, 10);
        assert_eq!(
            m.check(&WriteOp::Append(vec![((1, 11), String::new())])),
            Err(ErrorKind::NonConsecutive)
        );
        assert_eq!(
            m.check(&WriteOp::Append(vec![((0, 10), String::new())])),
            Err(ErrorKind::LogIdNotIncreasing)
        );
        assert_eq!(
            m.check(&WriteOp::Commit((1, 10))),
            Err(ErrorKind::CommitNotInLog)
        );
        assert_eq!(
            m.check(&WriteOp::Commit((2, 5))),
            Err(ErrorKind::CommitNotInLog)
        );
        m.apply(&WriteOp::Commit((1, 5)));
        assert_eq!(
            m.check(&WriteOp::Commit((1, 4))),
            Err(ErrorKind::CommitRegression)
        );
        assert_eq!(
            m.check(&WriteOp::Truncate(5)),
            Err(ErrorKind::TruncateCommitted)
        );
        assert_eq!(
            m.check(&WriteOp::Truncate(11)),
            Err(ErrorKind::TruncateOutOfRange)
        );
        assert_eq!(m.check(&WriteOp::Truncate(10)), Ok(()));
        m.apply(&WriteOp::Truncate(8));
        assert_eq!(m.last, Some((1, 7)));
        m.apply(&WriteOp::Purge((1, 3)));
        assert_eq!(m.first_index(), 4);
        assert_eq!(
            m.check(&WriteOp::Purge((1, 2))),
            Err(ErrorKind::PurgeRegression)
        );
        assert_eq!(
            m.check(&WriteOp::Purge((2, 6))),
            Err(ErrorKind::PurgeConflict)
        );
        assert_eq!(
            m.check(&WriteOp::Truncate(3)),
            Err(ErrorKind::TruncateOutOfRange)
        );
        assert_eq!(m.read(3, 5), Err(ErrorKind::ReadOutOfRange));
        assert_eq!(m.read(4, 8).unwrap().len(), 4);
        m.apply(&WriteOp::Purge((3, 20)));
        assert_eq!(
            (m.first_index(), m.next_index(), m.entries.len()),
            (21, 21, 0)
        );
        assert_eq!(
            m.check(&WriteOp::Append(vec![((3, 21), String::new())])),
            Ok(())
        );
        assert_eq!(m.check(&WriteOp::Commit((3, 20))), Ok(()));
        assert_eq!(m.check(&WriteOp::Commit((2, 19))), Ok(()));
        m.apply(&WriteOp::SaveVote((2, 1)));
        assert_eq!(
            m.check(&WriteOp::SaveVote((1, 9))),
            Err(ErrorKind::VoteReversal)
        );
        let mut s = m.state();
        s.vote = None;
        assert_eq!(
            m.check(&WriteOp::UpdateState(s.clone())),
            Err(ErrorKind::VoteReversal)
        );
        s.vote = m.vote;
        s.last = None;
        assert_eq!(
            m.check(&WriteOp::UpdateState(s)),
            Err(ErrorKind::InvalidState)
        );
    }
}
