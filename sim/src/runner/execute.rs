//! Op execution: the write, flush and read ops run on the log, each judged by its
//! oracle family ([`crate::oracle::writes`], [`crate::oracle::reads`]).

use super::Runner;
use crate::ops::WriteOp;
use crate::oracle::reads::{check_read, ReadCheck};
use crate::oracle::writes;
use crate::oracle::Breach;
use crate::trace::format::show;
use crate::types::FlushRecorder;
use raftwal::{ErrorKind, RaftLogWriter};

impl Runner {
    pub(super) fn write(&mut self, op: &WriteOp) -> Result<(), Breach> {
        let expected = if self.failed {
            Err(ErrorKind::Failed)
        } else {
            self.model.check(op)
        };
        let log = self.world.log.as_mut().expect("open");
        let before = expected.is_err().then(|| writes::fingerprint(log));
        let result = match op {
            WriteOp::SaveVote(v) => log.save_vote(*v),
            WriteOp::Append(entries) => log.append(entries.iter().cloned()),
            WriteOp::Commit(c) => log.commit(*c),
            WriteOp::Truncate(i) => log.truncate(*i),
            WriteOp::Purge(p) => log.purge(*p),
            WriteOp::SaveUserData(u) => log.save_user_data(u.clone()),
            WriteOp::UpdateState(s) => log.update_state(s.clone()),
        };
        let actual = result.as_ref().map(|_| ()).map_err(|e| e.kind());
        self.trace
            .line(|| format!("{:>6} {op} -> {}", self.op_index, show(&result)));
        writes::op_result(&expected, &result)?;
        let log = self.world.log.as_ref().expect("open");
        match actual {
            Ok(()) => {
                self.model.apply(op);
                writes::state_after_op(&self.model, log)?;
                self.seq += 1;
                self.history.push(self.seq, op.clone());
                self.stats.writes_ok += 1;
            }
            Err(kind) => {
                let after = writes::fingerprint(log);
                writes::rejected_unchanged(&before, &after)?;
                if kind == ErrorKind::Failed {
                    self.stats.writes_failed += 1;
                } else {
                    self.stats.writes_rejected += 1;
                }
            }
        }
        Ok(())
    }

    pub(super) fn flush(&mut self, callback: bool) -> Result<(), Breach> {
        self.stats.flushes += 1;
        let expected = if self.failed {
            Err(ErrorKind::Failed)
        } else {
            Ok(())
        };
        let id = self.next_flush_id;
        self.next_flush_id += 1;
        let recorder = callback.then(|| FlushRecorder::new(id, self.outcomes.clone()));
        let result = self.world.log.as_mut().expect("open").flush(recorder);
        self.trace.line(|| {
            format!(
                "{:>6} flush #{id} (writes <= {}) -> {}",
                self.op_index,
                self.seq,
                show(&result)
            )
        });
        writes::op_result(&expected, &result)?;
        if result.is_ok() && callback {
            self.flushes.insert(id, self.seq);
        }
        Ok(())
    }

    pub(super) fn read(&mut self, from: u64, to: u64) -> Result<(), Breach> {
        self.stats.reads += 1;
        let log = self.world.log.as_ref().expect("open");
        let expected = self.model.read(from, to);
        let ReadCheck {
            got,
            injected,
            breach,
        } = check_read(log, &self.world.disk, from, to, &expected);
        self.stats.entries_read += got as u64;
        if injected.is_some() {
            self.stats.read_faults_seen += 1;
        }
        self.trace.line(|| {
            let outcome = match (&expected, &injected) {
                (Err(k), _) => format!("Err({k:?})"),
                (Ok(_), Some(e)) => format!("{got} entries, then injected Err({e})"),
                (Ok(_), None) => format!("{got} entries"),
            };
            format!("{:>6} read [{from}, {to}) -> {outcome}", self.op_index)
        });
        match breach {
            Some(b) => Err(b),
            None => Ok(()),
        }
    }
}
