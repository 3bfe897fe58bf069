import Foundation
import Relman

/// A file of the Northwind sample data (examples/data), or of the folder given.
func read(_ name: String) throws -> String {
    let folder = URL(fileURLWithPath: ProcessInfo.processInfo.arguments.dropFirst().first ?? "../data")
    return try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
}

let release = try releaseFromJson(json: read("release-major.json"))  // Checkout 5.0, in planning
var context = try contextFromJson(json: read("context.json"))         // the actor directory
context.policy = try read("policy.json")

// Dry run: may it move on to development, and what is still unmet?
let report = try check(release: release, target: .development, context: context)
print("verdict:", report.allowed ? "allowed" : "denied", "\(report.from) -> \(report.target)")
let unmet = report.requirements.filter { !$0.met }.map { "\($0.rule): \($0.message)" }
print("unmet rules:", unmet.isEmpty ? "none" : unmet.joined(separator: "; "))

do {
    // Anna Jansen, the release manager who owns it, moves it on.
    let command = Command(actor: "anna.jansen", at: "2026-11-16T09:15:00+01:00", action: .advance)
    let applied = try apply(release: release, command: command, context: context)
    print("applied state:", applied.release.state, "(event \(applied.events[0].seq) by \(applied.events[0].actor))")
    // Any operation also runs on JSON text: the risk of the release now.
    let releaseJson = try releaseToJson(value: applied.release), contextJson = try contextToJson(value: context)
    let params = "{\"release\": \(releaseJson), \"context\": \(contextJson)}"
    let risk = try JSONSerialization.jsonObject(with: Data(callJson(operation: "assess_risk", params: params).utf8))
    if let risk = risk as? [String: Any], let score = risk["score"] as? Double, let level = risk["level"] as? String {
        print("risk score:", score, level)
    }
} catch let RelmanError.TransitionDenied(_, message, violations, _) {
    print("denied:", message, violations.map(\.rule))
} catch let error as RelmanError {
    print("refused:", error.localizedDescription)  // relman's message
}
