import Foundation
import XCTest

import Relman

/// PreparedContext (docs/lifecycle.md, "A prepared context"): `check` with
/// its context prepared once returns what `check` returns, cold and warm,
/// and a tampered release after a cached check of the genuine one is
/// judged afresh. Mirrors tests/python/test_prepared_context.py.
final class PreparedContextTests: XCTestCase {
    func inApproval() throws -> Release {
        var release = try releaseFromJson(json: #"""
            {"id": "REL-PC", "title": "Search 2.1.1", "kind": "patch", "state": "planning", "owner": "rita",
             "planned_start": "2026-03-10T22:00:00Z", "planned_end": "2026-03-10T23:00:00Z", "scope": "Cache fix",
             "changes": [{"id": "CHG-1", "kind": "normal", "summary": "s", "affected_cis": ["app-search"], "approved": true}],
             "rollback_plan": {"documented": true},
             "tests": [{"kind": "unit", "passed": 10}, {"kind": "integration", "passed": 5}]}
            """#)
        for minute in 1...3 {
            let at = String(format: "2026-03-01T10:%02d:00Z", minute)
            let command = Command(actor: "rita", at: at, action: .advance)
            release = try Relman.apply(release: release, command: command, context: contextFromJson(json: contextJson)).release
        }
        return release
    }

    func testPreparedCheckIsCheck() throws {
        let release = try inApproval()
        let prepared = try PreparedContext(context: contextJson)
        let direct = try Relman.check(release: release, target: .deployment, context: contextFromJson(json: contextJson))
        let cold = try prepared.check(release: release, target: .deployment)
        let warm = try prepared.check(release: release, target: .deployment)
        XCTAssertEqual(try gateReportToJson(value: cold), try gateReportToJson(value: direct))
        XCTAssertEqual(try gateReportToJson(value: warm), try gateReportToJson(value: direct))
        XCTAssertEqual(prepared.cached(), 1)
    }

    func testATamperedReleaseIsJudgedAfresh() throws {
        let release = try inApproval()
        let prepared = try PreparedContext(context: contextJson)
        _ = try prepared.check(release: release, target: .deployment)
        var tampered = release
        tampered.log[tampered.log.count - 1].actor = "mallory"
        let got = try prepared.check(release: tampered, target: .deployment)
        let want = try Relman.check(release: tampered, target: .deployment, context: contextFromJson(json: contextJson))
        XCTAssertFalse(got.allowed)
        XCTAssertEqual(try gateReportToJson(value: got), try gateReportToJson(value: want))
    }

    func testBadContextTextIsInvalidInput() {
        XCTAssertThrowsError(try PreparedContext(context: "{not json")) { error in
            guard case RelmanError.InvalidInput = error else {
                return XCTFail("expected InvalidInput, got \(error)")
            }
        }
    }
}
