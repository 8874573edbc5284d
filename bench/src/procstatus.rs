//! Resident memory of this process, from `/proc/self/status` (Linux).

/// (VmHWM, VmRSS) in bytes: the peak and current resident set size.
pub fn hwm_and_rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let field = |name: &str| -> u64 {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing from /proc/self/status"));
        let kb: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("parse {line:?}: {e}"));
        kb * 1024
    };
    (field("VmHWM:"), field("VmRSS:"))
}
