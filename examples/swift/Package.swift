// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "ReleaseFlow",
    dependencies: [.package(path: "../../target/swift/Relman")],  // ./scripts/package-swift writes it
    targets: [
        .executableTarget(name: "ReleaseFlow", dependencies: [.product(name: "Relman", package: "Relman")]),
    ]
)
