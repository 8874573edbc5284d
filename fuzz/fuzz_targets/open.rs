//! Fuzz target `open`: see `raftwal::fuzz_targets::open` for the input layout and checks.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        raftwal::fuzz_targets::open(data);
    });
}
