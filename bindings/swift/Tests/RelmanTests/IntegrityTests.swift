import Foundation
import XCTest

import Relman

/// The record (docs/lifecycle.md, "The record"): amend and import built
/// from relman's typed `Command` and `Action`, the votes and runs of the
/// release with their `source`, the differences of `verifyLog`, and the
/// refusals of a forged vote, a
/// look-alike actor id and an approver who deploys. Mirrors the
/// "the record" section of tests/python/test_uniffi.py.
final class IntegrityTests: XCTestCase {
    /// A patch release in planning whose gates are met up to approval.
    func planningRelease() throws -> Release {
        try releaseFromJson(json: #"""
            {"id": "REL-S1", "title": "Search 2.1.1", "kind": "patch", "state": "planning", "owner": "rita",
             "planned_start": "2026-03-01T10:00:00Z", "planned_end": "2026-03-01T12:00:00Z", "scope": "Cache fix",
             "changes": [{"id": "CHG-1", "kind": "normal", "summary": "s", "affected_cis": ["app-search"], "approved": true}],
             "rollback_plan": {"documented": true},
             "tests": [{"kind": "unit", "passed": 10}, {"kind": "integration", "passed": 5}]}
            """#)
    }

    func step(_ release: Release, _ actor: String, _ action: Action, minute: Int) throws -> Release {
        let at = String(format: "2026-03-01T10:%02d:00Z", minute)
        let command = Command(actor: actor, at: at, action: action)
        return try Relman.apply(release: release, command: command, context: contextFromJson(json: contextJson)).release
    }

    func inApproval() throws -> Release {
        var release = try planningRelease()
        for minute in 1...3 {
            release = try step(release, "rita", .advance, minute: minute)
        }
        XCTAssertEqual(release.state, .approval)
        return release
    }

    func testAnAmendCommandIsBuiltFromTypedRecords() throws {
        let release = try step(try planningRelease(), "rita", .advance, minute: 1)
        let set = Amendment(scope: "Cache fix and typo tolerance", deployment: #"{"strategy": "blue_green"}"#)
        let command = Command(actor: "rita", at: "2026-03-01T12:00:00+01:00", action: .amend(reason: "typo tolerance joins", set: set))
        XCTAssertEqual(try JSON.parse(try commandToJson(value: command))["command"]?.string, "amend")
        let applied = try Relman.apply(release: release, command: command, context: contextFromJson(json: contextJson))
        XCTAssertEqual(applied.events.first?.command, "amend")
        let details = try JSON.parse(applied.events[0].details)
        XCTAssertEqual(details["fields"], .array([.string("scope"), .string("deployment")]))
        XCTAssertEqual(try amendmentFromJson(json: details["set"]!.text).scope, "Cache fix and typo tolerance")
        XCTAssertEqual(applied.release.scope, "Cache fix and typo tolerance")
        XCTAssertTrue(try verifyLog(release: applied.release).valid)
        let given = #"{"changes": [], "kind": "minor", "planned_end": "2026-03-11T01:00:00+01:00"}"#
        XCTAssertNil(diff(try JSON.parse(given), try JSON.parse(try amendmentToJson(value: amendmentFromJson(json: given)))))
        expectError({ _ = try amendmentFromJson(json: #"{"title": "T"}"#) }) { e in
            guard case let .InvalidInput(_, message, _, _, _, _) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(message.contains("unknown field `title`"), message)
        }
        // A value no core type can hold is InvalidInput before relman runs.
        let broken = Command(actor: "rita", at: "2026-03-01T11:00:00Z", action: .amend(reason: "r", set: Amendment(deployment: "{oops")))
        expectError({ _ = try commandToJson(value: broken) }) { e in
            guard case let .InvalidInput(_, _, _, line, _, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(line, 1)
        }
    }

    func testAnImportCommandVotesAndRunsCarryTheirSource() throws {
        let release = try inApproval()
        let vote = Approval(approver: "carol", role: .cab, decision: .approved, at: "2026-03-01T10:03:30Z")
        let command = Command(actor: "rita", at: "2026-03-01T10:04:00Z",
                              action: .`import`(source: "servicenow:acme", records: ["sysapproval-1"], approvals: [vote]))
        XCTAssertEqual(try JSON.parse(try commandToJson(value: command))["command"]?.string, "import")
        let context = try contextFromJson(json: contextJson)
        let applied = try Relman.apply(release: release, command: command, context: context)
        let votes = applied.release.approvals
        XCTAssertEqual(votes.map { $0.approver }, ["carol"])
        XCTAssertEqual(votes.first?.source, "servicenow:acme")
        XCTAssertEqual(votes.first?.round, 1)
        XCTAssertEqual(try JSON.parse(try approvalToJson(value: votes[0]))["source"]?.string, "servicenow:acme")
        let report = try Relman.check(release: applied.release, target: .deployment, context: context)
        XCTAssertEqual(report.requirements.first?.rule, "record.log")
        XCTAssertEqual(report.requirements.first?.met, true)

        let development = try step(try planningRelease(), "rita", .advance, minute: 1)
        let run = TestRun(kind: .security, passed: 12, failed: 0, extra: #"{"u_report": "https://ci/42"}"#)
        let runs = Command(actor: "rita", at: "2026-03-01T10:05:00Z", action: .`import`(source: "jenkins", tests: [run]))
        let recorded = try Relman.apply(release: development, command: runs, context: context).release
        let last = recorded.tests.last!
        XCTAssertEqual(last.kind, .security)
        XCTAssertEqual(last.passed, 12)
        XCTAssertEqual(last.source, "jenkins")
        XCTAssertEqual(try JSON.parse(try testRunToJson(value: last))["u_report"]?.string, "https://ci/42")
        // Votes, runs and contexts read back what they write.
        XCTAssertEqual(try approvalFromJson(json: approvalToJson(value: votes[0])).source, "servicenow:acme")
        XCTAssertEqual(try testRunFromJson(json: testRunToJson(value: last)).passed, 12)
        XCTAssertEqual(try JSON.parse(try contextToJson(value: context))["actors"]?.array?.count, 4)
    }

    func testImportWithAdoptBringsAReleasePastPlanningIn() throws {
        var release = try planningRelease()
        release.id = "REL-S2"
        release.state = .testing
        let verdict = try verifyLog(release: release)
        XCTAssertFalse(verdict.valid)
        XCTAssertEqual(verdict.tamper?.kind, .emptyLog)
        expectError({ _ = try self.step(release, "rita", .advance, minute: 1) }) { e in
            guard case let .LogTampered(_, _, path) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(path, "log")
        }
        let adopt = Command(actor: "rita", at: "2026-03-01T10:00:00Z",
                            action: .`import`(source: "servicenow:acme", records: ["RLSE1"], adopt: true))
        let adopted = try Relman.apply(release: release, command: adopt, context: contextFromJson(json: contextJson)).release
        XCTAssertTrue(try verifyLog(release: adopted).valid)
        XCTAssertEqual(try step(adopted, "rita", .advance, minute: 1).state, .approval)
    }

    func testVerifyLogListsTheDifferencesOfAForgedVote() throws {
        let release = try step(try inApproval(), "mia", .approve(role: .cab), minute: 4)
        let clean = try verifyLog(release: release)
        XCTAssertTrue(clean.valid)
        XCTAssertTrue(clean.differences.isEmpty)
        // A second vote written straight into the document.
        guard case var .object(doc) = try JSON.parse(try releaseToJson(value: release)),
              case var .array(votes)? = doc["approvals"] else { return XCTFail("no approvals") }
        votes.append(try JSON.parse(#"{"approver": "carol", "role": "cab", "decision": "approved", "at": "2026-03-01T10:05:00Z"}"#))
        doc["approvals"] = .array(votes)
        let forged = try releaseFromJson(json: JSON.object(doc).text)
        let verdict = try verifyLog(release: forged)
        XCTAssertFalse(verdict.valid)
        XCTAssertEqual(verdict.tamper?.kind, .diverged)
        XCTAssertEqual(verdict.tamper?.path, "approvals[1]")
        XCTAssertEqual(verdict.differences.map { $0.kind }, [.unlogged])
        XCTAssertEqual(verdict.differences.map { $0.path }, ["approvals[1]"])
        XCTAssertNil(verdict.differences.first?.seq)
        XCTAssertTrue(verdict.differences[0].message.contains("carol"))
        XCTAssertNotNil(try JSON.parse(try logVerdictToJson(value: verdict))["differences"])
        expectError({ _ = try self.step(forged, "rita", .advance, minute: 5) }) { e in
            guard case let .LogTampered(code, _, path) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(code, "log_tampered")
            XCTAssertEqual(path, "approvals[1]")
        }
    }

    func testLookAlikeIdsAndApproverDeploymentAreForbidden() throws {
        let release = try inApproval()
        for actor in ["Carol", "c\u{0430}rol", "ca\u{200B}rol"] {
            expectError({ _ = try self.step(release, actor, .approve(role: .cab), minute: 4) }) { e in
                guard case let .Forbidden(_, _, rule) = e else { return XCTFail("\(e)") }
                XCTAssertEqual(rule, "identity.confusable")
            }
        }
        let approved = try step(release, "mia", .approve(role: .cab), minute: 4)
        expectError({ _ = try self.step(approved, "mia", .startDeployment, minute: 5) }) { e in
            guard case let .Forbidden(_, _, rule) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(rule, "sod.approver_deployment")
        }
        XCTAssertEqual(try step(approved, "rita", .startDeployment, minute: 5).state, .deployment)
    }
}
