#!/bin/sh
# Builds and runs the iOS state holders against the real core on Linux, inside
# the Swift toolchain's Debian root (scripts/install-test-tools.sh). Run from a
# directory holding: pph.swift, pphFFI.h, pphFFI.modulemap, libpph_ffi.so
# (generated and built by the test), State/*.swift (ios/App/State),
# Combine.swift (ios/Tests/LinuxShims) and main.swift (ios/Tests/StateHolders).
set -eu
here=$(pwd)
# Absolute paths, and a module cache of this run's own.
ffi="-Xcc -fmodule-map-file=$here/pphFFI.modulemap -I $here -module-cache-path $here/module-cache"
# The PphCore module, as ios/Package.swift makes it from the same bindings.
swiftc -swift-version 5 -module-name PphCore -parse-as-library -emit-library -emit-module \
  pph.swift $ffi -L . -lpph_ffi -o libPphCore.so
swiftc -swift-version 5 -module-name Combine -parse-as-library -emit-library -emit-module \
  Combine.swift -module-cache-path "$here/module-cache" -o libCombine.so
swiftc -swift-version 5 -module-name StateHolderTests State/*.swift main.swift \
  $ffi -L . -lPphCore -lCombine -lpph_ffi -o state-holder-tests
LD_LIBRARY_PATH=. ./state-holder-tests
