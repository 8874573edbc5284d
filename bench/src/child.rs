//! Measurements in a fresh process: this binary run again with `--child <args>`, so
//! that its peak memory (VmHWM) is the measured open's alone.

use std::process::{Command, Stdio};

/// Runs this binary with `--child <args>` and returns the numbers of the stdout line
/// that starts with `tag` and a space. Panics if the child fails or prints no such line.
pub fn child_output(args: &[String], tag: &str) -> Vec<f64> {
    let exe = std::env::current_exe().expect("current_exe");
    let out = Command::new(exe)
        .arg("--child")
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("spawn a child measurement");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child {args:?} failed: {}\n{stdout}",
        out.status
    );
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(tag).and_then(|l| l.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no {tag} from child {args:?}:\n{stdout}"));
    line.split(' ')
        .map(|x| x.parse().expect("child result number"))
        .collect()
}
