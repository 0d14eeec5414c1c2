#!/usr/bin/env python3
"""Where the phone library's bytes go, by section and by origin.

    cargo build --profile release-symbols -p pph-ffi --lib
    python3 scripts/library-size-breakdown.py $CARGO_TARGET_DIR/release-symbols


`release-symbols` is the release profile without stripping, so the code is
the shipped code. Symbol sizes come from `nm -S`; after LTO a function
inlined into another counts where it was inlined, so the crate shares are
approximate. Unwind tables are the .eh_frame, .eh_frame_hdr and
.gcc_except_table sections. Figures are in docs/PERFORMANCE.md. NM and
SIZE name other binutils (aarch64-linux-gnu-nm for a cross-built library).
"""
import glob
import os
import re
import subprocess
import sys
from collections import defaultdict

NM = os.environ.get("NM", "nm")
SIZE = os.environ.get("SIZE", "size")


def archive_symbols(pattern):
    """Names defined in the static libraries matching `pattern`."""
    names = set()
    for archive in glob.glob(pattern):
        out = subprocess.run([NM, "--defined-only", archive], capture_output=True, text=True).stdout
        names.update(line.split()[-1] for line in out.splitlines() if len(line.split()) == 3)
    return names

def crate_of(name):
    """The crate a demangled Rust symbol belongs to, or None for C."""
    if name.startswith("uniffi_") or "uniffi" in name or "FfiConverter" in name:
        return "uniffi scaffolding and runtime"
    # `<a::B as c::D>::f` belongs to the type's crate; `a::b::c` to `a`.
    m = re.match(r"^<+&?(?:mut )?(?:dyn )?\(?([A-Za-z_][A-Za-z0-9_]*)::", name) or re.match(
        r"^([A-Za-z_][A-Za-z0-9_]*)::", name
    )
    return m.group(1) if m else None


def main(profile_dir):
    path = os.path.join(profile_dir, "libpph_ffi.so")
    build = os.path.join(profile_dir, "build")
    c_parts = [
        ("C: SQLCipher", archive_symbols(f"{build}/libsqlite3-sys-*/out/*.a")),
        ("C: ring", archive_symbols(f"{build}/ring-*/out/*.a")),
    ]
    sections = {}
    for line in subprocess.run([SIZE, "-A", path], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sections[parts[0]] = int(parts[1])
    out = subprocess.run([NM, "-S", "--size-sort", path], capture_output=True, text=True, check=True).stdout
    demangled = subprocess.run([NM, "-S", "--size-sort", "-C", path], capture_output=True, text=True, check=True).stdout.splitlines()
    by = defaultdict(int)
    total = 0
    for line, readable in zip(out.splitlines(), demangled):
        parts = line.split(" ", 3)
        if len(parts) < 4:
            continue
        size = int(parts[1], 16)
        raw = parts[3]
        name = readable.split(" ", 3)[3]
        total += size
        crate = crate_of(name)
        if crate is None:
            crate = next((part for part, names in c_parts if raw in names), "unattributed")
        by[crate] += size
    print(f"{'section':28} {'bytes':>12}")
    for name in [".text", ".rodata", ".data.rel.ro", ".eh_frame", ".eh_frame_hdr", ".gcc_except_table", ".rela.dyn", ".relr.dyn", ".dynsym", ".dynstr"]:
        if name in sections:
            print(f"{name:28} {sections[name]:>12,}")
    unwind = sum(sections.get(s, 0) for s in [".eh_frame", ".eh_frame_hdr", ".gcc_except_table"])
    print(f"{'unwind tables (all three)':28} {unwind:>12,}")
    print()
    print(f"symbols: {total:,} B in all")
    for crate, size in sorted(by.items(), key=lambda kv: -kv[1])[:40]:
        print(f"{crate:40} {size:>12,}  {100 * size / total:5.1f}%")


if __name__ == "__main__":
    main(sys.argv[1])
