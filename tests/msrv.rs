//! The declared MSRV (`rust-version`) is honest, as far as one toolchain can tell: this
//! machine has only the newest Rust, so no older compiler can build the workspace.
//! Two checks stand in for it:
//! - our own code: `cargo clippy` (in `.ci/run`, `-D warnings`) runs the
//!   `incompatible_msrv` lint, which rejects any std item stabilized after the
//!   crate's `rust-version`;
//! - the locked dependencies (this test): every package a workspace member depends on,
//!   for its build, its tests or its examples, declares a `rust-version` no newer than
//!   that member's. A `cargo update` that takes in a dependency needing a newer Rust
//!   fails here (fix: `CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo update`).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// `1.89` or `1.89.0` as comparable numbers.
fn version(text: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = text
        .split('.')
        .map(|p| p.parse().expect("a number"))
        .collect();
    parts.resize(3, 0);
    parts
}

fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let out = Command::new(rustc).arg("-vV").output().expect("rustc -vV");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("a host line")
        .to_string()
}

#[test]
fn no_locked_dependency_needs_a_newer_rust_than_its_dependent_declares() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
        ])
        .arg(host_triple())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");

    let packages: BTreeMap<&str, &Value> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().expect("id"), p))
        .collect();
    // Each package's dependencies, with whether it is one for the package's own build
    // (normal or build) rather than only for its tests (dev).
    let deps: BTreeMap<&str, Vec<(&str, bool)>> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve nodes")
        .iter()
        .map(|n| {
            let ids = n["deps"]
                .as_array()
                .expect("deps")
                .iter()
                .map(|d| {
                    let for_build = d["dep_kinds"]
                        .as_array()
                        .expect("dep_kinds")
                        .iter()
                        .any(|k| k["kind"].as_str() != Some("dev"));
                    (d["pkg"].as_str().expect("pkg"), for_build)
                })
                .collect();
            (n["id"].as_str().expect("id"), ids)
        })
        .collect();

    let members = metadata["workspace_members"].as_array().expect("members");
    assert!(members.len() >= 5, "every workspace member is checked");
    let mut problems = Vec::new();
    for member in members {
        let member = member.as_str().expect("member id");
        let package = packages[member];
        let name = package["name"].as_str().expect("name");
        let declared = package["rust_version"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} declares no rust-version"));
        // Everything it reaches: direct dependencies of any kind (normal, build, dev),
        // then their normal and build dependencies (a dependency's dev-dependencies
        // are not resolved for us).
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&str> = deps[member].iter().map(|&(id, _)| id).collect();
        while let Some(id) = todo.pop() {
            if seen.insert(id) {
                todo.extend(deps[id].iter().filter(|d| d.1).map(|&(id, _)| id));
            }
        }
        for id in seen {
            let dep = packages[id];
            if let Some(needed) = dep["rust_version"].as_str() {
                if version(needed) > version(declared) {
                    problems.push(format!(
                        "{name} declares rust-version {declared}, but {} {} needs {needed}",
                        dep["name"].as_str().unwrap_or("?"),
                        dep["version"].as_str().unwrap_or("?"),
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
