//! Where the benchmark files go: `$RAFTWAL_BENCH_DIR`, or `target/bench-tmp` in this
//! package. Both sides use the same directory, hence the same filesystem; a RAM
//! filesystem (tmpfs) would make every `fdatasync` free, so it is reported loudly.

use std::path::{Path, PathBuf};

pub fn prepare() -> PathBuf {
    let base = match std::env::var_os("RAFTWAL_BENCH_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target")
            .join("bench-tmp"),
    };
    std::fs::create_dir_all(&base).expect("create bench directory");
    base.canonicalize().expect("canonicalize bench directory")
}

/// The type of the filesystem holding `path` (longest matching mount point in
/// `/proc/self/mountinfo`), e.g. "ext4", "xfs", "tmpfs".
pub fn fs_type(path: &Path) -> String {
    let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return "unknown".into();
    };
    let mut best: Option<(usize, String)> = None;
    for line in info.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let (Some(mnt), Some(dash)) = (fields.get(4), fields.iter().position(|f| *f == "-")) else {
            continue;
        };
        let Some(fstype) = fields.get(dash + 1) else {
            continue;
        };
        if path.starts_with(mnt) && best.as_ref().is_none_or(|(l, _)| mnt.len() > *l) {
            best = Some((mnt.len(), fstype.to_string()));
        }
    }
    best.map(|(_, t)| t).unwrap_or_else(|| "unknown".into())
}

pub fn is_ram_fs(fstype: &str) -> bool {
    matches!(fstype, "tmpfs" | "ramfs")
}
