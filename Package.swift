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
    products: [
        // For programs that opt in: launch a file only if it meets a
        // requirement (README "In your own program").
        .library(name: "LaunchRequirements", targets: ["LaunchRequirements"]),
    ],
    targets: [
        .target(
            name: "CInterpose",
            path: "CInterpose",
            exclude: ["preload/constructor.c", "preload/execl.c", "preload/libc_symbol.c", "cli", "exports.map"],
            sources: ["sys.c", "sha256_ni.c", "preload/state.c", "hosted.c"],
            publicHeadersPath: "include"
        ),
        // One module over every folder of Sources but the @_cdecl edge
        // (LwcrPreload) and the command (lwcr), as the Embedded builds
        // compile them: one whole module per artifact.
        .target(
            name: "LwcrCoreHosted",
            dependencies: ["CInterpose"],
            path: "Sources",
            exclude: ["LwcrPreload", "lwcr", "Packaging", "LaunchRequirements"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The API over the same core and gate (OwnRequirement).
        .target(
            name: "LaunchRequirements",
            dependencies: ["LwcrCoreHosted"],
            path: "Sources/LaunchRequirements",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // What both test targets share: the policy fixture, scratch
        // directories, seeded randomness.
        .target(
            name: "LwcrTestSupport",
            dependencies: ["LwcrCoreHosted"],
            path: "Tests/Support",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "LwcrLaunchTests",
            dependencies: ["LwcrCoreHosted", "LwcrTestSupport"],
            path: "Tests/LwcrLaunchTests",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "LaunchRequirementsTests",
            dependencies: ["LaunchRequirements", "LwcrCoreHosted", "LwcrTestSupport"],
            path: "Tests/LaunchRequirementsTests",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "LwcrCoreTests",
            dependencies: ["LwcrCoreHosted", "LwcrTestSupport"],
            path: "Tests/LwcrCoreTests",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
