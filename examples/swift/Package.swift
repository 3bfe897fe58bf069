// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "ReleaseFlow",
    dependencies: [.package(path: "../../target/swift/Relman")],  // ./scripts/package-swift writes it
    targets: [
        .executableTarget(name: "ReleaseFlow", dependencies: [.product(name: "Relman", package: "Relman")]),
        // µs per check call in each form (issue #30): swift run -c release ReleaseBench
        .executableTarget(name: "ReleaseBench", dependencies: [.product(name: "Relman", package: "Relman")]),
    ]
)
