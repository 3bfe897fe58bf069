import Foundation
import XCTest

import Relman

/// Records round-trip through <type>FromJson / <type>ToJson without loss;
/// timestamps keep their offset; every RelmanError variant; a forced panic.
final class RecordTests: XCTestCase {
    /// <type>ToJson(<type>FromJson(x)) == x for every expected result of
    /// the vectors (written by relman, so in relman's own form) and every
    /// release a result holds.
    func testEveryRecordRoundTrips() throws {
        typealias Pair = (String) throws -> String
        let results: [String: Pair] = [
            "validate": { try validationReportToJson(value: validationReportFromJson(json: $0)) },
            "check": { try gateReportToJson(value: gateReportFromJson(json: $0)) },
            "apply": { try appliedToJson(value: appliedFromJson(json: $0)) },
            "verify_log": { try logVerdictToJson(value: logVerdictFromJson(json: $0)) },
            "assess_risk": { try riskAssessmentToJson(value: riskAssessmentFromJson(json: $0)) },
            "assess_risk_many": { try riskBatchToJson(value: riskBatchFromJson(json: $0)) },
            "fit_risk_model": { try fittedRiskModelToJson(value: fittedRiskModelFromJson(json: $0)) },
            "detect_conflicts": { try conflictReportToJson(value: conflictReportFromJson(json: $0)) },
            "suggest_slots": { try slotSuggestionToJson(value: slotSuggestionFromJson(json: $0)) },
            "deployment_order": { try deploymentOrderToJson(value: deploymentOrderFromJson(json: $0)) },
            "rollout_step": { try rolloutStepToJson(value: rolloutStepFromJson(json: $0)) },
            "judge_canary": { try canaryJudgementToJson(value: canaryJudgementFromJson(json: $0)) },
            "compute_kpis": { try kpiReportToJson(value: kpiReportFromJson(json: $0)) },
            "compute_kpis_ndjson": { try kpiReportToJson(value: kpiReportFromJson(json: $0)) },
            "release_notes": { try releaseNotesToJson(value: releaseNotesFromJson(json: $0)) },
            "calendar_ics": { try calendarExportToJson(value: calendarExportFromJson(json: $0)) },
            "report": { try htmlReportToJson(value: htmlReportFromJson(json: $0)) },
            "import_servicenow": { try serviceNowImportToJson(value: serviceNowImportFromJson(json: $0)) },
            "export_servicenow": { try serviceNowPatchesToJson(value: serviceNowPatchesFromJson(json: $0)) },
            "unauthorized_changes": { try unauthorizedReportToJson(value: unauthorizedReportFromJson(json: $0)) },
            "overdue": { try overdueReportToJson(value: overdueReportFromJson(json: $0)) },
            // JSON text results (JsonValue, MetricImport): nothing to read back.
            "explain_policy": { $0 },
            "cab_agenda": { $0 },
            "render_cab_agenda": { $0 },
            "closure": { $0 },
            "import_metrics": { $0 },
        ]
        var checked = 0
        for file in try vectorFiles() {
            let vector = try JSON.parse(try String(contentsOf: file, encoding: .utf8))
            let operation = vector["operation"]?.string ?? ""
            guard let expected = vector["expected"], operation != "schema" else { continue }
            guard let pair = results[operation] else { return XCTFail("no record for \(operation)") }
            XCTAssertNil(diff(expected, try JSON.parse(try pair(expected.text))), file.lastPathComponent)
            if let release = expected["release"], release.object != nil {
                let back = try releaseToJson(value: releaseFromJson(json: release.text))
                XCTAssertNil(diff(release, try JSON.parse(back)), "\(file.lastPathComponent) release")
            }
            // Actors given to an operation (export_servicenow's approvers).
            for actor in vector["input"]?["actors"]?.array ?? [] {
                let back = try actorRecordToJson(value: actorRecordFromJson(json: actor.text))
                XCTAssertNil(diff(actor, try JSON.parse(back)), "\(file.lastPathComponent) actor")
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 50)
    }

    func testTimestampsKeepTheirOffset() throws {
        let input = try loadVector("apply/advance_from_planning.json")["input"]!
        let release = try releaseFromJson(json: input["release"]!.text)
        XCTAssertEqual(release.plannedStart, "2026-12-13T01:00:00+01:00")
        let context = try contextFromJson(json: input["context"]!.text)
        let command = Command(actor: "alice", at: "2026-12-01T11:00:00+01:00", action: .advance)
        let applied = try Relman.apply(release: release, command: command, context: context)
        XCTAssertEqual(applied.release.state, .development)
        XCTAssertEqual(applied.events.first?.at, "2026-12-01T11:00:00+01:00")
        let written = try JSON.parse(try releaseToJson(value: applied.release))
        XCTAssertEqual(written["planned_start"]?.string, "2026-12-13T01:00:00+01:00")
        let verdict = try verifyLog(release: applied.release)
        XCTAssertTrue(verdict.valid)
        XCTAssertEqual(verdict.events, 1)
    }

    func testARecordBuiltInCode() throws {
        var release = Release(id: "R1", title: "T", kind: .minor, state: .planning)
        XCTAssertEqual(try JSON.parse(try releaseToJson(value: release)),
                       try JSON.parse(#"{"id": "R1", "title": "T", "kind": "minor", "state": "planning"}"#))
        release.changes = [Change(id: "C1", kind: .normal, summary: "Faster search", extra: #"{"u_ticket": "T-9"}"#)]
        release.extra = #"{"ticket_color": "blue"}"#
        let written = try JSON.parse(try releaseToJson(value: release))
        XCTAssertEqual(written["ticket_color"]?.string, "blue")
        XCTAssertEqual(written["changes"]?.array?.first?["u_ticket"]?.string, "T-9")
        let report = try Relman.check(release: release, target: .development)
        XCTAssertFalse(report.allowed)
        XCTAssertEqual(report.from, .planning)
        let notes = try releaseNotes(release: release, format: .markdown)
        XCTAssertTrue(notes.text.contains("T"))
    }

    func testBatchKeepsGoingPastABadRelease() throws {
        let good = #"{"id": "R1", "title": "T", "kind": "minor", "state": "planning"}"#
        let bad = #"{"id": "R2", "title": "T", "kind": "huge", "state": "planning"}"#
        let batch = try assessRiskMany(releases: [good, bad])
        XCTAssertEqual(batch.assessments.first??.releaseId, "R1")
        XCTAssertNil(batch.assessments[1])
        XCTAssertEqual(try JSON.parse(batch.errors.first!.error)["path"]?.string, "kind")
    }

    func testSchema() throws {
        let schemaText = try schema(name: "release")
        XCTAssertNotNil(try JSON.parse(schemaText)["title"])
    }
}

final class ErrorTests: XCTestCase {
    func testMalformedJsonWhereAStringIsTaken() {
        let bad = #"{"a": [1, 2,, 3]}"#
        let calls: [(String, () throws -> Void)] = [
            ("history", { _ = try computeKpis(history: bad) }),
            ("schedule", { _ = try detectConflicts(schedule: bad) }),
            ("plan", { _ = try rolloutStep(plan: bad, state: nil, input: "{}", now: "2026-01-01T00:00:00Z") }),
            ("baseline", { _ = try judgeCanary(baseline: bad, canary: "{}") }),
            ("options", { _ = try calendarIcs(schedule: "{}", options: bad) }),
            ("tables", { _ = try importServicenow(tables: bad) }),
            ("document", { _ = try validateDocument(kind: .release, document: bad) }),
        ]
        for (name, call) in calls {
            expectError(call) { e in
                guard case let .InvalidInput(code, _, path, line, column, _) = e else { return XCTFail("\(e)") }
                XCTAssertEqual(code, "invalid_input")
                XCTAssertEqual(path, name)
                XCTAssertEqual(line, 1)
                XCTAssertEqual(column, 13)
            }
        }
    }

    func testInvalidRecords() throws {
        expectError({ _ = try releaseFromJson(json: #"{"id": "R", "title": "T", "kind": "huge", "state": "planning"}"#) }) { e in
            guard case let .InvalidInput(_, _, path, _, _, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(path, "kind")
        }
        var release = Release(id: "R1", title: "T", kind: .minor, state: .planning, extra: "[1, 2]")
        expectError({ _ = try assessRisk(release: release) }) { e in
            guard case let .InvalidInput(_, _, _, line, _, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(line, 1)
        }
        release.extra = "{}"
        release.plannedStart = "2026-12-13T01:00:00+01:00"
        release.plannedEnd = "2026-12-12T01:00:00+01:00"
        expectError({ _ = try assessRisk(release: release) }) { e in
            guard case let .InvalidInput(_, _, path, _, _, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(path, "planned_end")
        }
        expectError({ _ = try suggestSlots(schedule: "{}", item: "X", durationSecs: 60, now: "not a time", horizonSecs: 3600, count: 1) }) { e in
            guard case let .InvalidInput(_, message, _, _, _, _) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(message.contains("not a time"))
        }
    }

    func testDeniedTransitionCarriesEveryViolation() throws {
        let input = try loadVector("apply/denied_lists_every_violation.json")["input"]!
        expectError({
            _ = try Relman.apply(release: releaseFromJson(json: input["release"]!.text),
                                 command: commandFromJson(json: input["command"]!.text),
                                 context: contextFromJson(json: input["context"]!.text))
        }) { e in
            guard case let .TransitionDenied(code, _, violations, report) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(code, "transition_denied")
            XCTAssertEqual(violations.map { $0.rule }, ["planning.owner", "planning.scope", "planning.window"])
            XCTAssertEqual((try? JSON.parse(report))?["allowed"], .bool(false))
        }
    }

    func testForbiddenInvalidPolicyUnsupportedVersionLimitExceeded() throws {
        let input = try loadVector("apply/owner_cannot_approve.json")["input"]!
        expectError({
            _ = try Relman.apply(release: releaseFromJson(json: input["release"]!.text),
                                 command: commandFromJson(json: input["command"]!.text),
                                 context: contextFromJson(json: input["context"]!.text))
        }) { e in
            guard case let .Forbidden(code, _, rule) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(code, "forbidden")
            XCTAssertEqual(rule, "sod.owner_approval")
        }
        var release = Release(id: "R1", title: "T", kind: .minor, state: .planning)
        let context = try contextFromJson(json: #"{"policy": {"risk": {"weights": {"emergency": -1}}}}"#)
        expectError({ _ = try assessRisk(release: release, context: context) }) { e in
            guard case let .InvalidPolicy(code, _, path, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(code, "invalid_policy")
            XCTAssertEqual(path, "policy.risk.weights.emergency")
        }
        release.schemaVersion = 99
        expectError({ _ = try assessRisk(release: release) }) { e in
            guard case let .UnsupportedVersion(code, _, path) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(code, "unsupported_version")
            XCTAssertEqual(path, "schema_version")
        }
        expectError({ _ = try detectConflicts(schedule: String(repeating: "[", count: 100_000)) }) { e in
            guard case let .LimitExceeded(code, _, path) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(code, "limit_exceeded")
            XCTAssertEqual(path, "schedule")
        }
    }

    func testLogTampered() throws {
        let input = try loadVector("apply/advance_from_planning.json")["input"]!
        let context = try contextFromJson(json: input["context"]!.text)
        let applied = try Relman.apply(release: releaseFromJson(json: input["release"]!.text),
                                       command: commandFromJson(json: input["command"]!.text),
                                       context: context)
        let text = try releaseToJson(value: applied.release)
        let tampered = try releaseFromJson(json: text.replacingOccurrences(of: #""actor":"alice""#, with: #""actor":"mallory""#))
        XCTAssertFalse(try verifyLog(release: tampered).valid)
        let cancel = Command(actor: "alice", at: "2026-12-02T10:00:00Z", action: .cancel(reason: "x"))
        expectError({ _ = try Relman.apply(release: tampered, command: cancel, context: context) }) { e in
            guard case let .LogTampered(code, _, path) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(code, "log_tampered")
            XCTAssertTrue(path.hasPrefix("log["))
        }
    }

    func testAnErrorReadsAsItsMessage() {
        expectError({ _ = try releaseFromJson(json: #"{"title": "T", "kind": "minor", "state": "planning"}"#) }) { e in
            let expected = "id: missing field `id` at line 1 column 52"
            XCTAssertEqual(e.localizedDescription, expected)
            XCTAssertEqual("\(e)", expected)
            XCTAssertEqual(e.errorDescription, expected)
            // The fields are still there for code.
            guard case let .InvalidInput(code, message, path, _, _, problems) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(code, "invalid_input")
            XCTAssertEqual(message, e.localizedDescription)
            XCTAssertEqual(path, "id")
            XCTAssertEqual(problems.map { $0.path }, ["id"])
        }
        // As any Error, the way an app's catch-all sees it.
        do {
            _ = try detectConflicts(schedule: "[")
            XCTFail("no error")
        } catch {
            XCTAssertEqual(error.localizedDescription, "schedule: not JSON text: EOF while parsing a list at line 1 column 1")
        }
    }

    func testAForcedPanicBecomesInternal() {
        expectError({ try forcePanic() }) { e in
            guard case let .Internal(code, message) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(code, "internal")
            XCTAssertTrue(message.contains("forced panic"))
        }
        XCTAssertFalse(operations().isEmpty)
    }
}
