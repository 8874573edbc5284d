//! The replay test: every committed input of `fuzz/corpus/<target>/` and
//! `fuzz/regressions/<target>/` runs through its target in `cargo test`, without the
//! fuzzer. A crash the fuzzer finds is fixed in the engine and its input kept under
//! `fuzz/regressions/<target>/`.

use super::TARGETS;
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir`, sorted (none if it does not exist).
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

fn replay(kind: &str) -> usize {
    let mut count = 0;
    for (target, run) in TARGETS {
        for path in inputs(&fuzz_dir().join(kind).join(target)) {
            let bytes = std::fs::read(&path).expect("read an input");
            // Printed (and shown by the test harness) if the target panics.
            println!("{kind}/{target}: {}", path.display());
            run(&bytes);
            count += 1;
        }
    }
    count
}

#[test]
fn every_corpus_input_runs_through_its_target() {
    for (target, _) in TARGETS {
        assert!(
            !inputs(&fuzz_dir().join("corpus").join(target)).is_empty(),
            "no seed for target {target}"
        );
    }
    assert!(replay("corpus") > 0);
}

#[test]
fn every_regression_input_runs_through_its_target() {
    replay("regressions");
}

#[test]
fn empty_and_tiny_inputs_are_fine() {
    for (_, run) in TARGETS {
        run(&[]);
        for b in 0..=255u8 {
            run(&[b]);
        }
    }
}

/// Rewrites `fuzz/corpus/` from logs written by today's code (see CONTRIBUTING).
#[test]
#[ignore]
fn write_the_seed_corpus() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    super::write_seed_corpus(repo, &fuzz_dir()).expect("write the seed corpus");
}

/// The open seeds of healthy logs open (so the fuzzer starts from inputs that reach
/// past the scan, into replay, reads, reopen and writes).
#[test]
fn the_open_seeds_of_healthy_logs_open() {
    use super::open::{decode_open_input, fuzz_config};
    use crate::format::chunk_file_name;
    use crate::storage::{MemStorage, Storage};
    use std::sync::Arc;
    let mut opened = 0;
    for path in inputs(&fuzz_dir().join("corpus/open")) {
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let mem = MemStorage::new();
        for (id, bytes) in decode_open_input(&std::fs::read(&path).expect("read")) {
            mem.set_file_bytes(&chunk_file_name(id), bytes);
        }
        let storage: Arc<dyn Storage> = Arc::new(mem);
        let result = crate::RaftLog::<super::FuzzTypes>::open_with(storage, fuzz_config());
        // Damaged on purpose, or a log of four chunks whose oldest the seed leaves out.
        let damaged = name.contains("torn")
            || name.contains("rot")
            || name == "compat_v2_chunks_purge_truncate";
        if !damaged {
            let log = result.unwrap_or_else(|e| panic!("seed {name}: {e}"));
            assert!(log.recovery_report().dropped_nothing(), "seed {name}");
            opened += 1;
        }
    }
    assert!(opened >= 8, "{opened} healthy seeds");
}
