import Foundation

/// The conformance vectors: core/tests/vectors of the repository
/// (bindings/swift/Tests/RelmanTests/Vectors.swift → repository root). The
/// distribution package of scripts/package-swift carries them as the test
/// target's resources and replaces this file by one reading them there.
let vectorsDir = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
    .appendingPathComponent("core/tests/vectors")
