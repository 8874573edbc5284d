//! Fuzz target `record`: see `raftwal::fuzz_targets::record` for the input layout and checks.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        raftwal::fuzz_targets::record(data);
    });
}
