//! A read-only open: no lock, no write of any kind, a torn tail just not shown.

mod common;

use common::*;
use raftwal::{
    ChunkAction, Config, ErrorKind, MemStorage, RaftLog, RaftLogWriter, Storage, StorageFile,
    WorkerMode,
};
use std::any::Any;
use std::io;
use std::sync::Arc;

/// How a test storage shows its files to the open: as they are, by default.
trait View: Send + Sync + 'static {
    fn read_at(&self, file: &dyn StorageFile, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        file.read_at(offset, buf)
    }
    fn len(&self, file: &dyn StorageFile) -> io::Result<u64> {
        file.len()
    }
}

/// The files as they are.
struct AsTheyAre;
impl View for AsTheyAre {}

/// A storage over `MemStorage` that refuses every call that could change the disk,
/// and whose files refuse every write and show their bytes through a [`View`]: a
/// read-only open must not notice the refusals.
struct NoWrites<V: View>(MemStorage, Arc<V>);
struct NoWritesFile<V: View>(Arc<dyn StorageFile>, Arc<V>);

fn no_writes(mem: &MemStorage, view: impl View) -> Arc<dyn Storage> {
    Arc::new(NoWrites(mem.clone(), Arc::new(view)))
}

fn refused<T>(what: &str) -> io::Result<T> {
    Err(io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{what} on a read-only storage"),
    ))
}

impl<V: View> Storage for NoWrites<V> {
    fn lock(&self) -> io::Result<Box<dyn Any + Send + Sync>> {
        refused("lock")
    }
    fn list(&self) -> io::Result<Vec<String>> {
        self.0.list()
    }
    fn create(&self, _: &str) -> io::Result<Arc<dyn StorageFile>> {
        refused("create")
    }
    fn open(&self, _: &str) -> io::Result<Arc<dyn StorageFile>> {
        refused("open for writing")
    }
    fn open_read_only(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        Ok(Arc::new(NoWritesFile(self.0.open(name)?, self.1.clone())))
    }
    fn remove(&self, _: &str) -> io::Result<()> {
        refused("remove")
    }
    fn sync_dir(&self) -> io::Result<()> {
        refused("sync_dir")
    }
}

impl<V: View> StorageFile for NoWritesFile<V> {
    fn write_at(&self, _: u64, _: &[u8]) -> io::Result<()> {
        refused("write")
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.1.read_at(self.0.as_ref(), offset, buf)
    }
    fn len(&self) -> io::Result<u64> {
        self.1.len(self.0.as_ref())
    }
    fn set_len(&self, _: u64) -> io::Result<()> {
        refused("set_len")
    }
    fn allocate(&self, _: u64) -> io::Result<()> {
        refused("allocate")
    }
    fn sync_data(&self) -> io::Result<()> {
        refused("sync_data")
    }
}

fn config() -> Arc<Config> {
    Arc::new(
        Config::new("mem")
            .with_worker_mode(WorkerMode::Manual)
            .with_chunk_preallocate_size(0),
    )
}

#[test]
fn a_read_only_open_changes_nothing_hides_a_torn_tail_and_refuses_writes() {
    let mem = MemStorage::new();
    let storage: Arc<dyn Storage> = Arc::new(mem.clone());
    let mut log = open(&storage, &config());
    log.save_vote((2, 1)).unwrap();
    log.append(entries(1, 0, 10)).unwrap();
    flush_wait(&mut log).unwrap();
    let valid = log.on_disk_size();
    drop(log);
    let name = "00000000000000000000.wal";
    let file = mem.open(name).unwrap();
    file.write_at(valid, &[0xEE; 100]).unwrap(); // a torn write
    let before = mem.file_bytes(name).unwrap();

    let ro = no_writes(&mem, AsTheyAre);
    let mut log = RaftLog::<TT>::open_read_only_with(ro, config()).unwrap();
    assert_eq!(read_all(&log), entries(1, 0, 10));
    assert_eq!(log.log_state().vote, Some((2, 1)));
    let report = log.recovery_report();
    assert!(!report.applied);
    assert_eq!(report.dropped.len(), 1, "{report:?}");
    assert_eq!(report.dropped[0].offset, valid);
    assert_eq!(report.dropped[0].quarantine_file, "", "nothing was moved");
    assert!(matches!(
        report.decisions[0].action,
        ChunkAction::QuarantineTail { from, .. } if from == valid
    ));
    assert_eq!(
        log.save_vote((3, 1)).unwrap_err().kind(),
        ErrorKind::ReadOnly
    );
    assert_eq!(
        log.append(entries(1, 10, 11)).unwrap_err().kind(),
        ErrorKind::ReadOnly
    );
    assert_eq!(log.flush(None).unwrap_err().kind(), ErrorKind::ReadOnly);
    log.wait_worker_idle();
    drop(log);
    assert_eq!(mem.file_bytes(name).unwrap(), before, "not a byte changed");
    assert_eq!(mem.list().unwrap().len(), 1, "no file created");

    // The normal open then does what the read-only one said it would.
    let log = open(&storage, &config());
    assert_eq!(read_all(&log), entries(1, 0, 10));
    assert_eq!(log.recovery_report().dropped[0].offset, valid);
}

#[test]
fn a_read_only_open_works_beside_a_running_log() {
    let tmp = tempfile::tempdir().unwrap();
    let config = Arc::new(Config::new(tmp.path()).with_worker_mode(WorkerMode::Manual));
    let mut log = Log::open(config.clone()).unwrap();
    log.append(entries(1, 0, 5)).unwrap();
    flush_wait(&mut log).unwrap();
    assert_eq!(
        Log::open(config.clone()).map(|_| ()).unwrap_err().kind(),
        ErrorKind::Locked
    );
    let reader = Log::open_read_only(config.clone()).unwrap();
    assert_eq!(read_all(&reader), entries(1, 0, 5));
    assert!(reader.recovery_report().dropped_nothing());
}

#[test]
fn a_read_only_open_of_a_missing_directory_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nope");
    let err = Log::open_read_only(Arc::new(Config::new(&dir)))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert!(!dir.exists());
}

/// Zeros at one offset to the first `stale_reads` reads that cover it, the written
/// bytes to every read after: what a read-only open sees of a batch that a running
/// node writes while the open reads its window.
struct StaleAt {
    offset: u64,
    stale_reads: std::sync::atomic::AtomicU32,
}

/// Bytes shown as zeros from the stale offset on.
const STALE_BYTES: u64 = 16;

impl StaleAt {
    fn new(offset: u64, stale_reads: u32) -> Self {
        Self {
            offset,
            stale_reads: stale_reads.into(),
        }
    }
}

impl View for StaleAt {
    fn read_at(&self, file: &dyn StorageFile, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        use std::sync::atomic::Ordering;
        file.read_at(offset, buf)?;
        let end = offset + buf.len() as u64;
        let covers = offset <= self.offset && self.offset < end;
        if covers && self.stale_reads.load(Ordering::SeqCst) > 0 {
            self.stale_reads.fetch_sub(1, Ordering::SeqCst);
            let from = (self.offset - offset) as usize;
            let to = (from + STALE_BYTES as usize).min(buf.len());
            buf[from..to].fill(0);
        }
        Ok(())
    }
}

/// A log of ten synced one-entry batches, and an offset inside the sixth batch's record
/// (past its header): later batches record durable offsets past it.
fn ten_synced_batches() -> (MemStorage, u64) {
    let mem = MemStorage::new();
    let storage: Arc<dyn Storage> = Arc::new(mem.clone());
    let mut log = open(&storage, &config());
    let mut inside_sixth = 0;
    for i in 0..10 {
        if i == 5 {
            inside_sixth = log.on_disk_size() + 30;
        }
        log.append(entries(1, i, i + 1)).unwrap();
        flush_wait(&mut log).unwrap();
    }
    (mem, inside_sixth)
}

#[test]
fn a_read_only_open_reads_a_batch_again_that_was_being_written() {
    let (mem, inside_sixth) = ten_synced_batches();
    let stale = no_writes(&mem, StaleAt::new(inside_sixth, 1));
    let log = RaftLog::<TT>::open_read_only_with(stale, config())
        .expect("a batch written while the open read it is not damage");
    assert_eq!(read_all(&log), entries(1, 0, 10));
    assert!(log.recovery_report().dropped.is_empty());
}

#[test]
fn a_read_only_open_still_refuses_damage_that_stays() {
    let (mem, inside_sixth) = ten_synced_batches();
    let stale = no_writes(&mem, StaleAt::new(inside_sixth, u32::MAX));
    let refused = RaftLog::<TT>::open_read_only_with(stale, config()).unwrap_err();
    assert_eq!(
        refused.kind(),
        ErrorKind::Corrupt,
        "rot that every read shows, proven synced by the later batches: {refused}"
    );
}

/// Read-only opens while another thread appends, flushes, rotates chunks and purges
/// the log on the real file system: each open sees a consistent log or fails with an
/// I/O error (a chunk file the writer removed after the listing), never with a
/// refusal that would tell an operator a healthy log is damaged.
#[test]
fn read_only_opens_beside_a_busy_writer_never_see_damage() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let tmp = tempfile::tempdir().unwrap();
    let config = Arc::new(
        Config::new(tmp.path())
            .with_chunk_max_records(64)
            .with_chunk_preallocate_size(8192),
    );
    let mut log = Log::open(config.clone()).unwrap();
    log.append(entries(1, 0, 1)).unwrap();
    flush_wait(&mut log).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    // The last index a flush reported durable: a read-only open that starts later
    // must show it (entries up to it are neither lost nor purged).
    let acked = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let writer = {
        let done = done.clone();
        let acked = acked.clone();
        std::thread::spawn(move || {
            let mut next = 1;
            while !done.load(Ordering::Relaxed) {
                log.append(entries(1, next, next + 3)).unwrap();
                next += 3;
                if next % 4 == 0 {
                    flush_wait(&mut log).unwrap();
                    acked.store(next - 1, Ordering::SeqCst);
                } else {
                    log.flush(None).unwrap();
                }
                if next % 200 < 3 {
                    log.purge((1, next - 100)).unwrap();
                }
            }
            flush_wait(&mut log).unwrap();
            next
        })
    };
    let (mut opened, mut io_errors) = (0, 0);
    // At least 300 opens, and on until the writer has rotated chunks and purged (past
    // entry 256: four chunks of 64 records, a purge every 200 entries). Counting opens
    // alone asserted that the writer got that far meanwhile, which a busy machine's
    // scheduler does not promise (it failed once beside a parallel test run). A writer
    // that stopped (a panic) ends the loop too; the join below then fails the test.
    let mut attempts = 0;
    while (attempts < 300 || acked.load(Ordering::SeqCst) < 256) && !writer.is_finished() {
        attempts += 1;
        let floor = acked.load(Ordering::SeqCst);
        match Log::open_read_only(config.clone()) {
            Ok(reader) => {
                opened += 1;
                let state = reader.log_state();
                let kept = read_all(&reader);
                if let (Some(first), Some(last)) = (kept.first(), kept.last()) {
                    assert_eq!(Some(&last.0), state.last.as_ref());
                    assert_eq!(kept.len() as u64, last.0 .1 - first.0 .1 + 1, "no hole");
                }
                let last_index = state.last.map_or(0, |id| id.1);
                assert!(
                    last_index >= floor,
                    "entry {floor} was reported durable before the open, which shows up to {last_index}"
                );
            }
            // The documented race: a chunk the listing saw, removed by a purge before
            // the open reached it (any other I/O error fails the test).
            Err(raftwal::Error::Io {
                op: "open", error, ..
            }) if error.kind() == io::ErrorKind::NotFound => io_errors += 1,
            Err(e) => panic!("a read-only open of a busy healthy log refused it: {e}"),
        }
    }
    done.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert!(opened > 0, "{io_errors} I/O errors and no open");
}

/// Files that first claim 4 KiB more than they hold, as a chunk's reserved space does
/// until a running node closes the chunk and cuts it: the first read past the real
/// end fails, and from then on the length is the real one.
#[derive(Default)]
struct CutUnderTheReader {
    cut_seen: std::sync::atomic::AtomicBool,
}

impl View for CutUnderTheReader {
    fn read_at(&self, file: &dyn StorageFile, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        if offset + buf.len() as u64 > file.len()? {
            self.cut_seen
                .store(true, std::sync::atomic::Ordering::SeqCst);
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "past the end"));
        }
        file.read_at(offset, buf)
    }
    fn len(&self, file: &dyn StorageFile) -> io::Result<u64> {
        let real = file.len()?;
        match self.cut_seen.load(std::sync::atomic::Ordering::SeqCst) {
            true => Ok(real),
            false => Ok(real + 4096),
        }
    }
}

#[test]
fn a_read_only_open_of_a_chunk_cut_while_it_is_read_keeps_every_entry() {
    let (mem, _) = ten_synced_batches();
    let cut = no_writes(&mem, CutUnderTheReader::default());
    let log = RaftLog::<TT>::open_read_only_with(cut, config()).unwrap();
    assert_eq!(read_all(&log), entries(1, 0, 10));
    assert!(
        log.recovery_report().dropped_nothing(),
        "the lost end is no damage: {:?}",
        log.recovery_report()
    );
}
