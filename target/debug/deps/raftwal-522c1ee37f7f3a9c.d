/work/main/target/debug/deps/raftwal-522c1ee37f7f3a9c.d: src/lib.rs src/storage/mod.rs src/storage/mem.rs src/storage/std_fs.rs

/work/main/target/debug/deps/libraftwal-522c1ee37f7f3a9c.rlib: src/lib.rs src/storage/mod.rs src/storage/mem.rs src/storage/std_fs.rs

/work/main/target/debug/deps/libraftwal-522c1ee37f7f3a9c.rmeta: src/lib.rs src/storage/mod.rs src/storage/mem.rs src/storage/std_fs.rs

src/lib.rs:
src/storage/mod.rs:
src/storage/mem.rs:
src/storage/std_fs.rs:
