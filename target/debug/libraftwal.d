/work/main/target/debug/libraftwal.rlib: /work/main/src/lib.rs /work/main/src/storage/mem.rs /work/main/src/storage/mod.rs /work/main/src/storage/std_fs.rs
