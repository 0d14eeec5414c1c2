// swift-tools-version:5.9
// The core for iOS: the uniffi-generated Swift bindings (Sources/PphCore,
// written by scripts/build-xcframework.sh) over the static library in
// PphFFI.xcframework (device and simulator slices).
import PackageDescription

let package = Package(
    name: "PphCore",
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "PphCore", targets: ["PphCore"]),
    ],
    targets: [
        .binaryTarget(name: "PphFFI", path: "build/PphFFI.xcframework"),
        // CoreFoundation: the device's time zone (chrono's iana-time-zone).
        // Random bytes come from CCRandomGenerateBytes in libSystem, and
        // SQLCipher's crypto is Rust's, so no Security framework.
        .target(
            name: "PphCore", dependencies: ["PphFFI"], path: "Sources/PphCore",
            linkerSettings: [.linkedFramework("CoreFoundation")]
        ),
    ]
)
