// swift-tools-version: 6.0
//
// The hosted half of lwcr: the core built as an ordinary Swift module, for
// the unit tests. The shipped artifacts (build/liblwcr.so) are built from
// the same Sources/LwcrCore files as Embedded Swift by the Makefile, which
// needs link control SwiftPM does not offer (version script, -z defs,
// one whole-module compile with the preload entry points).
import PackageDescription

let package = Package(
    name: "lwcr",
    targets: [
        .target(
            name: "CInterpose",
            path: "CInterpose",
            exclude: ["preload", "cli", "exports.map"],
            sources: ["sys.c", "sha256_ni.c"],
            publicHeadersPath: "include"
        ),
        .target(
            name: "LwcrCoreHosted",
            dependencies: ["CInterpose"],
            path: "Sources/LwcrCore",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "LwcrCoreTests",
            dependencies: ["LwcrCoreHosted"],
            path: "Tests/LwcrCoreTests",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
