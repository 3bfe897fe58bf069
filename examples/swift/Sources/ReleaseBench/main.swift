import Foundation
import Relman

// µs per `check` call on examples/data/release-minor.json + context.json
// (to deployment), in the four forms a Swift app can call it; run with
// `swift run -c release ReleaseBench [DATA_DIR] [CALLS]`. The Rust side of
// the table: `cargo run --release -p relman-benches --bin check-per-call`.

/// The median per-call time, in µs, of five runs of `calls` calls of `body`.
func perCall(_ calls: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<min(calls, 200) { try body() }
    var runs: [Double] = []
    for _ in 0..<5 {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<calls { try body() }
        runs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / Double(calls) / 1000)
    }
    return runs.sorted()[2]
}

let arguments = ProcessInfo.processInfo.arguments.dropFirst()
let folder = URL(fileURLWithPath: arguments.first ?? "../data")
let calls = arguments.dropFirst().first.flatMap { Int($0) } ?? 20_000
let releaseText = try String(contentsOf: folder.appendingPathComponent("release-minor.json"), encoding: .utf8)
let contextText = try String(contentsOf: folder.appendingPathComponent("context.json"), encoding: .utf8)

let release = try releaseFromJson(json: releaseText)
let context = try contextFromJson(json: contextText)
let releaseDocument = try ReleaseDocument.fromJson(json: releaseText)
let contextDocument = try ContextDocument.fromJson(json: contextText)
let params = "{\"release\": \(releaseText), \"target\": \"deployment\", \"context\": \(contextText)}"

let records = try perCall(calls) { _ = try check(release: release, target: .deployment, context: context) }
let documents = try perCall(calls) {
    _ = try checkDocument(release: releaseDocument, target: .deployment, context: contextDocument)
}
let json = try perCall(calls) { _ = try callJson(operation: "check", params: params) }
let parse = try perCall(calls) { _ = try releaseFromJson(json: releaseText) }

print("| form | µs per call |")
print("|---|---|")
print("| `check(release:target:context:)`, records | \(String(format: "%.1f", records)) |")
print("| `checkDocument(release:target:context:)`, documents | \(String(format: "%.1f", documents)) |")
print("| `callJson(operation: \"check\")`, JSON text | \(String(format: "%.1f", json)) |")
print("| `releaseFromJson` alone | \(String(format: "%.1f", parse)) |")
