// swift-tools-version:5.7
// The Swift package of relman: the UniFFI-generated bindings over the Rust
// library `relman_uniffi` (crate bindings/swift, `relman-swift`).
//
// Build the library first (from the repository root):
//     cargo build -p relman-swift --release
// then `swift build` here. The linker looks for librelman_uniffi in
// RELMAN_LIB_DIR (default: ../../target/release, i.e. the workspace's
// target directory); an rpath to it is added so `swift test` and your
// executables find the shared library at run time (on Linux you may use
// LD_LIBRARY_PATH instead, on macOS DYLD_LIBRARY_PATH).
//
// Layout (as UniFFI documents for SwiftPM): the generated C header and
// `module.modulemap` (module `RelmanFFI`) form a `systemLibrary` target;
// the generated Relman.swift is the `Relman` target that imports it.
import Foundation
import PackageDescription

let packageDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let libDir = ProcessInfo.processInfo.environment["RELMAN_LIB_DIR"]
    ?? "\(packageDir)/../../target/release"

let package = Package(
    name: "Relman",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "Relman", targets: ["Relman"]),
    ],
    targets: [
        // The generated C layer: RelmanFFI.h + module.modulemap.
        .systemLibrary(name: "RelmanFFI", path: "Sources/RelmanFFI"),
        // The generated Swift API (Relman.swift), linked against the Rust library.
        .target(
            name: "Relman",
            dependencies: ["RelmanFFI"],
            path: "Sources/Relman",
            linkerSettings: [
                .linkedLibrary("relman_uniffi"),
                .unsafeFlags(["-L", libDir, "-Xlinker", "-rpath", "-Xlinker", libDir]),
            ]
        ),
        .testTarget(
            name: "RelmanTests",
            dependencies: ["Relman"],
            path: "Tests/RelmanTests"
        ),
    ]
)
