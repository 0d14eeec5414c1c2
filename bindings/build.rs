//! Link settings for the shared library the shells load.
//!
//! Both measured in docs/PERFORMANCE.md ("Linking the library"):
//! - Packed relative relocations. Most of the library's dynamic relocations
//!   move pointers in vtables and string tables by the load address: 18,600
//!   of them at 24 bytes each, 446 KB; packed, a few kilobytes. On Linux
//!   DT_RELR (glibc 2.36 or later loads it); on Android the NDK linker's own
//!   packing, which Android loads from API level 23 (our minSdk is 26; RELR
//!   itself needs API 28).
//! - Identical code folded (`--icf=all`): functions whose machine code is
//!   the same, mostly generic Rust instantiated for types of one layout, are
//!   kept once (72 KB). Rust promises no distinct function addresses; the C
//!   it carries, SQLite and ring's BoringSSL parts, is linked the same way
//!   in Chromium.
//!
//! Both linkers are LLVM's lld (rustc's own on x86_64 Linux, the NDK's on
//! Android). Apple's linker already writes compact chained fix-ups and
//! folds nothing on request.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    let flags: &[&str] = if target.contains("-android") {
        &["-Wl,--pack-dyn-relocs=android", "-Wl,--icf=all"]
    } else if target == "x86_64-unknown-linux-gnu" {
        &["-Wl,-z,pack-relative-relocs", "-Wl,--icf=all"]
    } else if target.ends_with("-linux-gnu") {
        // Another Linux is linked by the system's linker, which may not
        // pack: Debian 12's GNU ld takes the flag and writes no RELR for
        // aarch64 (scripts/measure-aarch64.sh links with lld instead).
        &["-Wl,-z,pack-relative-relocs"]
    } else {
        &[]
    };
    for flag in flags {
        println!("cargo:rustc-cdylib-link-arg={flag}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
