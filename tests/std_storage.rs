//! [`StdStorage`] on the real filesystem: creating the log directory, the directory
//! lock and `allocate`.
//!
//! Every test here uses absolute paths under its own temporary directory, because
//! `an_empty_path_is_invalid_input_and_writes_no_lock` changes the process's current
//! directory while it runs.

use raftwal::{StdStorage, Storage};
use std::fs;
use std::io;

#[test]
fn new_creates_the_missing_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a/b/c");
    let storage = StdStorage::new(&dir).unwrap();
    assert!(dir.is_dir());
    assert_eq!(storage.dir(), dir);
    // An existing directory is fine too, and its contents are kept.
    fs::write(dir.join("x"), b"kept").unwrap();
    let again = StdStorage::new(&dir).unwrap();
    assert_eq!(again.list().unwrap(), vec!["x".to_string()]);
}

#[test]
fn an_empty_path_is_invalid_input_and_writes_no_lock() {
    let cwd = tempfile::tempdir().unwrap();
    let old = std::env::current_dir().unwrap();
    std::env::set_current_dir(cwd.path()).unwrap();
    let result = StdStorage::new("").map(|storage| storage.lock().map(drop));
    std::env::set_current_dir(old).unwrap();

    let err = match result {
        Err(e) => e,
        Ok(_) => panic!("StdStorage::new(\"\") succeeded"),
    };
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("empty"), "{err}");
    let left: Vec<_> = fs::read_dir(cwd.path()).unwrap().collect();
    assert!(
        left.is_empty(),
        "files left in the current directory: {left:?}"
    );
}

#[test]
fn a_regular_file_as_the_directory_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("f");
    fs::write(&file, b"not a dir").unwrap();

    let err = StdStorage::new(&file).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotADirectory, "{err}");
    assert!(err.to_string().contains("not a directory"), "{err}");

    let err = StdStorage::new(file.join("sub")).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotADirectory, "{err}");

    assert_eq!(fs::read(&file).unwrap(), b"not a dir");
}

#[test]
fn the_lock_is_exclusive_until_its_guard_is_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let first = StdStorage::new(tmp.path()).unwrap();
    let second = StdStorage::new(tmp.path()).unwrap();

    let guard = first.lock().unwrap();
    let err = second.lock().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "{err}");
    // The same storage value cannot take it twice either.
    assert_eq!(first.lock().unwrap_err().kind(), io::ErrorKind::WouldBlock);

    drop(guard);
    let guard = second.lock().unwrap();
    assert_eq!(first.lock().unwrap_err().kind(), io::ErrorKind::WouldBlock);
    drop(guard);
    drop(first.lock().unwrap());
}

#[test]
fn allocate_extends_with_zeros_and_never_shrinks() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = StdStorage::new(tmp.path()).unwrap();
    let file = storage.create("chunk").unwrap();
    file.write_at(0, b"head").unwrap();

    file.allocate(64 * 1024).unwrap();
    assert_eq!(file.len().unwrap(), 64 * 1024);
    let mut buf = vec![0xff; 64 * 1024];
    file.read_at(0, &mut buf).unwrap();
    assert_eq!(&buf[..4], b"head");
    assert!(
        buf[4..].iter().all(|&b| b == 0),
        "added bytes must read as zeros"
    );

    // Never shrinks, and leaves the bytes alone.
    file.allocate(10).unwrap();
    assert_eq!(file.len().unwrap(), 64 * 1024);
    file.allocate(0).unwrap();
    assert_eq!(file.len().unwrap(), 64 * 1024);
    file.read_at(0, &mut buf).unwrap();
    assert_eq!(&buf[..4], b"head");

    // Growing again keeps what was written inside the old length.
    file.write_at(64 * 1024 - 3, b"end").unwrap();
    file.allocate(128 * 1024).unwrap();
    assert_eq!(file.len().unwrap(), 128 * 1024);
    let mut tail = vec![0xff; 64 * 1024 + 3];
    file.read_at(64 * 1024 - 3, &mut tail).unwrap();
    assert_eq!(&tail[..3], b"end");
    assert!(tail[3..].iter().all(|&b| b == 0));
    file.sync_data().unwrap();
}

/// On Linux `allocate` really reserves the space (`fallocate` mode 0), not just
/// the length: the file's blocks cover it, where `set_len` would leave a hole.
#[cfg(target_os = "linux")]
#[test]
fn allocate_reserves_the_disk_space_on_linux() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let storage = StdStorage::new(tmp.path()).unwrap();
    let file = storage.create("chunk").unwrap();
    let len = 1024 * 1024;
    file.allocate(len).unwrap();
    let meta = fs::metadata(tmp.path().join("chunk")).unwrap();
    assert_eq!(meta.len(), len);
    // `blocks()` counts 512-byte units.
    assert!(
        meta.blocks() * 512 >= len,
        "only {} bytes reserved for a {len}-byte file",
        meta.blocks() * 512
    );
}
