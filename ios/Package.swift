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
        // SQLCipher encrypts through CommonCrypto here, which needs the
        // Security framework (and CoreFoundation) linked into the app.
        .target(
            name: "PphCore", dependencies: ["PphFFI"], path: "Sources/PphCore",
            linkerSettings: [.linkedFramework("Security"), .linkedFramework("CoreFoundation")]
        ),
    ]
)
