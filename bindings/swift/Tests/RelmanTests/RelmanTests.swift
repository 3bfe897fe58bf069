import Foundation
import XCTest

import Relman

/// Every conformance vector file, sorted.
func vectorFiles() throws -> [URL] {
    let fm = FileManager.default
    var files: [URL] = []
    for dir in try fm.contentsOfDirectory(atPath: vectorsDir.path).sorted() {
        let folder = vectorsDir.appendingPathComponent(dir)
        for name in try fm.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".json") {
            files.append(folder.appendingPathComponent(name))
        }
    }
    return files
}

func loadVector(_ relative: String) throws -> JSON {
    let text = try String(contentsOf: vectorsDir.appendingPathComponent(relative), encoding: .utf8)
    return try JSON.parse(text)
}

/// The outcome of running an operation: its result as JSON, or the error's
/// code, path, rule and violation rules.
enum Outcome {
    case ok(JSON)
    case error(code: String, path: String?, rule: String?, violations: [String])
    /// The typed signature refuses the call (Swift would not compile it).
    case notExpressible(String)
    /// A document of the input is not a value of its core type (a wrong
    /// enum value, a missing field): a Swift caller cannot build it.
    case notRepresentable(param: String, path: String)
}

func errorOutcome(_ e: RelmanError) -> Outcome {
    switch e {
    case let .InvalidInput(code, _, path, _, _, _): return .error(code: code, path: path, rule: nil, violations: [])
    case let .InvalidPolicy(code, _, path, _): return .error(code: code, path: path, rule: nil, violations: [])
    case let .UnsupportedVersion(code, _, path): return .error(code: code, path: path, rule: nil, violations: [])
    case let .TransitionDenied(code, _, violations, _):
        return .error(code: code, path: nil, rule: nil, violations: violations.map { $0.rule })
    case let .Forbidden(code, _, rule): return .error(code: code, path: nil, rule: rule, violations: [])
    case let .LogTampered(code, _, path): return .error(code: code, path: path, rule: nil, violations: [])
    case let .LimitExceeded(code, _, path): return .error(code: code, path: path, rule: nil, violations: [])
    case let .Conflict(code, _, path, _, _): return .error(code: code, path: path, rule: nil, violations: [])
    case let .Internal(code, _): return .error(code: code, path: nil, rule: nil, violations: [])
    }
}

func releaseState(_ s: String) -> ReleaseState? {
    let all: [String: ReleaseState] = [
        "planning": .planning, "development": .development, "testing": .testing,
        "approval": .approval, "deployment": .deployment, "review": .review,
        "closed": .closed, "cancelled": .cancelled,
    ]
    return all[s]
}

func documentKind(_ s: String) -> DocumentKind? {
    let all: [String: DocumentKind] = [
        "release": .release, "change": .change, "configuration_item": .configurationItem,
        "cmdb": .cmdb, "actor": .actor, "calendar": .calendar, "schedule": .schedule,
        "history": .history, "context": .context, "policy": .policy, "command": .command,
        "rollout_replay": .rolloutReplay, "canary_comparison": .canaryComparison,
    ]
    return all[s]
}

func notesFormat(_ s: String) -> NotesFormat? {
    ["markdown": .markdown, "md": .markdown, "html": .html][s]
}

func metricFormat(_ s: String) -> MetricFormat? {
    ["prometheus": .prometheus, "datadog": .datadog][s]
}

/// Runs one operation of a vector through the typed API. Parameters come
/// from the vector's input by name; documents through their FromJson
/// function; results back through their ToJson function. An operation the
/// API does not expose fails the test.
func runTyped(_ operation: String, _ input: [String: JSON]) throws -> Outcome {
    let known: [String: Set<String>] = [
        "validate": ["kind", "document", "text"],
        "check": ["release", "target", "context", "keys"],
        "apply": ["release", "command", "context", "expected_head", "keys"],
        "verify_log": ["release", "expected_head", "keys"],
        "assess_risk": ["release", "context"],
        "assess_risk_many": ["releases", "context"],
        "fit_risk_model": ["history", "options", "context"],
        "detect_conflicts": ["schedule"],
        "suggest_slots": ["schedule", "item", "duration_secs", "now", "horizon_secs", "count"],
        "deployment_order": ["releases"],
        "rollout_step": ["plan", "state", "input", "now", "policy"],
        "judge_canary": ["baseline", "canary", "config", "policy"],
        "compute_kpis": ["history", "options", "policy"],
        "release_notes": ["release", "format"],
        "calendar_ics": ["schedule", "options"],
        "report": ["schedule", "history", "options"],
        "import_servicenow": ["tables", "options"],
        "export_servicenow": ["schedule", "risk", "conflicts", "gates", "now", "context", "score_changes",
                              "time_zone", "actors", "fetched", "dry_run"],
        "schema": ["name"],
        "explain_policy": ["policy"],
        "unauthorized_changes": ["history", "schedule", "policy"],
        "cab_agenda": ["schedule", "period_start", "period_end", "context"],
        "render_cab_agenda": ["agenda", "format"],
        "closure": ["release"],
        "overdue": ["schedule", "now", "policy", "context"],
        "import_metrics": ["format", "responses", "baseline", "canary", "now", "max_age_secs"],
        "compute_kpis_ndjson": ["text", "options", "policy"],
    ]
    guard let names = known[operation] else {
        XCTFail("operation `\(operation)` is not exposed by the Swift API")
        return .notExpressible("unknown operation \(operation)")
    }
    let given = input.filter { $0.value != .null }
    if let unknown = given.keys.first(where: { !names.contains($0) }) {
        return .notExpressible(unknown)
    }
    func text(_ name: String) -> String? { given[name].map { $0.text } }
    func need(_ name: String) throws -> JSON {
        guard let v = given[name] else { throw Missing(name: name) }
        return v
    }
    /// A document of the input read into its core type; one it cannot
    /// hold makes the call not representable.
    func typed<T>(_ name: String, _ read: () throws -> T) throws -> T {
        do {
            return try read()
        } catch let e as RelmanError {
            if case let .InvalidInput(_, _, path, _, _, _) = e { throw NotRepresentable(name: name, path: path) }
            throw e
        }
    }
    func release(_ name: String = "release") throws -> Release {
        try typed(name) { try releaseFromJson(json: need(name).text) }
    }
    func context() throws -> Context? {
        try typed("context") { try given["context"].map { try contextFromJson(json: $0.text) } }
    }
    func keys() -> String? { text("keys") }
    do {
        let out: String
        switch operation {
        case "validate":
            guard let kind = documentKind(try need("kind").string ?? "") else { return .notExpressible("kind") }
            if let t = given["text"]?.string {
                out = try validationReportToJson(value: validate(kind: kind, text: t))
            } else {
                out = try validationReportToJson(value: validateDocument(kind: kind, document: need("document").text))
            }
        case "check":
            guard let target = releaseState(try need("target").string ?? "") else { return .notExpressible("target") }
            out = try gateReportToJson(value: Relman.check(release: release(), target: target, context: context(), keys: keys()))
        case "apply":
            let command = try typed("command") { try commandFromJson(json: need("command").text) }
            out = try appliedToJson(value: Relman.apply(
                release: release(), command: command, context: context(),
                expectedHead: given["expected_head"]?.string, keys: keys()))
        case "verify_log":
            out = try logVerdictToJson(value: verifyLog(
                release: release(), expectedHead: given["expected_head"]?.string, keys: keys()))
        case "assess_risk":
            out = try riskAssessmentToJson(value: assessRisk(release: release(), context: context()))
        case "assess_risk_many":
            let items = (try need("releases").array ?? []).map { $0.text }
            out = try riskBatchToJson(value: assessRiskMany(releases: items, context: context()))
        case "fit_risk_model":
            out = try fittedRiskModelToJson(value: fitRiskModel(history: need("history").text, options: text("options"), context: context()))
        case "detect_conflicts":
            out = try conflictReportToJson(value: detectConflicts(schedule: need("schedule").text))
        case "suggest_slots":
            out = try slotSuggestionToJson(value: suggestSlots(
                schedule: need("schedule").text, item: need("item").string ?? "",
                durationSecs: need("duration_secs").uint64 ?? 0, now: need("now").string ?? "",
                horizonSecs: need("horizon_secs").uint64 ?? 0, count: need("count").uint64 ?? 0))
        case "deployment_order":
            let releases = try typed("releases") { try (need("releases").array ?? []).map { try releaseFromJson(json: $0.text) } }
            out = try deploymentOrderToJson(value: deploymentOrder(releases: releases))
        case "rollout_step":
            out = try rolloutStepToJson(value: rolloutStep(
                plan: need("plan").text, state: text("state"), input: need("input").text,
                now: need("now").string ?? "", policy: text("policy")))
        case "judge_canary":
            out = try canaryJudgementToJson(value: judgeCanary(
                baseline: need("baseline").text, canary: need("canary").text,
                config: text("config"), policy: text("policy")))
        case "compute_kpis":
            out = try kpiReportToJson(value: computeKpis(history: need("history").text, options: text("options"), policy: text("policy")))
        case "compute_kpis_ndjson":
            out = try kpiReportToJson(value: computeKpisNdjson(text: need("text").string ?? "", options: text("options"), policy: text("policy")))
        case "release_notes":
            guard let format = notesFormat(try need("format").string ?? "") else { return .notExpressible("format") }
            out = try releaseNotesToJson(value: releaseNotes(release: release(), format: format))
        case "calendar_ics":
            out = try calendarExportToJson(value: calendarIcs(schedule: need("schedule").text, options: need("options").text))
        case "report":
            out = try htmlReportToJson(value: report(schedule: need("schedule").text, history: text("history"), options: text("options")))
        case "import_servicenow":
            out = try serviceNowImportToJson(value: importServicenow(
                tables: need("tables").text, options: text("options")))
        case "export_servicenow":
            let risk = try typed("risk") { try given["risk"]?.array?.map { try riskAssessmentFromJson(json: $0.text) } }
            let conflicts = try typed("conflicts") { try given["conflicts"].map { try conflictReportFromJson(json: $0.text) } }
            let gates = try typed("gates") { try given["gates"]?.array?.map { try gateReportFromJson(json: $0.text) } }
            let actors = try typed("actors") { try given["actors"]?.array?.map { try actorRecordFromJson(json: $0.text) } }
            out = try serviceNowPatchesToJson(value: exportServicenow(
                schedule: need("schedule").text, risk: risk, conflicts: conflicts,
                gates: gates, now: given["now"]?.string, context: context(),
                scoreChanges: given["score_changes"]?.bool, timeZone: given["time_zone"]?.string,
                actors: actors, fetched: text("fetched"), dryRun: given["dry_run"]?.bool))
        case "unauthorized_changes":
            out = try unauthorizedReportToJson(value: unauthorizedChanges(
                history: need("history").text, schedule: need("schedule").text, policy: text("policy")))
        case "schema":
            out = try schema(name: need("name").string ?? "")
        case "explain_policy":
            out = try explainPolicy(policy: text("policy"))
        case "cab_agenda":
            out = try cabAgenda(
                schedule: need("schedule").text, periodStart: need("period_start").string ?? "",
                periodEnd: need("period_end").string ?? "", context: context())
        case "render_cab_agenda":
            guard let format = notesFormat(try need("format").string ?? "") else { return .notExpressible("format") }
            out = try renderCabAgenda(agenda: need("agenda").text, format: format)
        case "closure":
            out = try closure(release: release())
        case "overdue":
            out = try overdueReportToJson(value: overdue(
                schedule: need("schedule").text, now: need("now").string ?? "",
                policy: text("policy"), context: context()))
        case "import_metrics":
            guard let format = metricFormat(try need("format").string ?? "") else { return .notExpressible("format") }
            out = try importMetrics(
                format: format, responses: need("responses").text, baseline: need("baseline").text,
                canary: need("canary").text, now: need("now").string ?? "",
                maxAgeSecs: given["max_age_secs"]?.uint64)
        default:
            return .notExpressible(operation)
        }
        return .ok(try JSON.parse(out))
    } catch let e as RelmanError {
        return errorOutcome(e)
    } catch let m as Missing {
        return .notExpressible(m.name)
    } catch let n as NotRepresentable {
        return .notRepresentable(param: n.name, path: n.path)
    }
}

struct Missing: Error {
    let name: String
}

struct NotRepresentable: Error {
    let name: String
    let path: String
}

final class ConformanceTests: XCTestCase {
    func testEveryVectorThroughTheTypedApi() throws {
        let files = try vectorFiles()
        XCTAssertGreaterThan(files.count, 100)
        var refused: [String] = []
        for file in files {
            let vector = try JSON.parse(try String(contentsOf: file, encoding: .utf8))
            let operation = vector["operation"]?.string ?? ""
            let name = "\(operation)/\(file.deletingPathExtension().lastPathComponent)"
            let input = vector["input"]?.object ?? [:]
            let outcome = try runTyped(operation, input)
            verify(vector: vector, outcome: outcome, name: name, refused: &refused)
            // The same vector through the raw JSON entry.
            do {
                let out = try callJson(operation: operation, params: JSON.object(input).text)
                var ignored: [String] = []
                verify(vector: vector, outcome: .ok(try JSON.parse(out)), name: name + " (callJson)", refused: &ignored)
            } catch let e as RelmanError {
                var ignored: [String] = []
                verify(vector: vector, outcome: errorOutcome(e), name: name + " (callJson)", refused: &ignored)
            }
        }
        XCTAssertEqual(refused, [
            "check/missing_release",
            "import_metrics/unknown_format_refused",
            "judge_canary/unknown_parameter",
        ])
    }

    func verify(vector: JSON, outcome: Outcome, name: String, refused: inout [String]) {
        switch outcome {
        case .notExpressible(let parameter):
            refused.append(name)
            XCTAssertEqual(vector["expected_error"]?["code"]?.string, "invalid_input", name)
            XCTAssertEqual(vector["expected_error"]?["path"]?.string, parameter, name)
        case let .notRepresentable(parameter, path):
            // The core types cannot hold the document: the vector expects an
            // input error inside it (callJson checks it against the core).
            let expected = vector["expected_error"]?["path"]?.string ?? ""
            XCTAssertTrue(["invalid_input", "limit_exceeded"].contains(vector["expected_error"]?["code"]?.string ?? ""), name)
            XCTAssertTrue(expected == path || expected.hasPrefix(parameter), name)
        case .ok(let actual):
            guard let expected = vector["expected"] else {
                return XCTFail("\(name): expected an error, got \(actual.text)")
            }
            XCTAssertNil(diff(expected, actual), name)
        case let .error(code, path, rule, violations):
            guard let expected = vector["expected_error"] else {
                return XCTFail("\(name): unexpected error \(code) at \(path ?? "-")")
            }
            XCTAssertEqual(code, expected["code"]?.string, name)
            if let p = expected["path"]?.string { XCTAssertEqual(path, p, name) }
            if let r = expected["rule"]?.string { XCTAssertEqual(rule, r, name) }
            if let v = expected["violations"]?.array { XCTAssertEqual(violations, v.compactMap { $0.string }, name) }
        }
    }

    func testAnUnknownOperationFails() throws {
        XCTAssertThrowsError(try callJson(operation: "no_such_operation", params: "{}")) { error in
            guard case let .InvalidInput(code, message, _, _, _, _)? = error as? RelmanError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(code, "invalid_input")
            XCTAssertTrue(message.contains("unknown operation"))
        }
    }

    func testOperationsListsTheContract() {
        XCTAssertEqual(operations().count, 27)
        XCTAssertEqual(operations().first, "validate")
    }
}
