//! Fuzz target `ops`: see `raftwal::fuzz_targets::ops` for the input layout and checks.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        raftwal::fuzz_targets::ops(data);
    });
}
