//! Fuzz target `codec`: see `raftwal::fuzz_targets::codec` for the input layout and checks.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        raftwal::fuzz_targets::codec(data);
    });
}
