import Foundation
import XCTest

import Relman

/// RiskAssessor (docs/risk.md): `assess_risk` and `assess_risk_many` with
/// their context prepared once return what the operations return, and an
/// invalid context fails the constructor. Mirrors
/// tests/python/test_risk_assessor.py.
final class RiskAssessorTests: XCTestCase {
    let releaseJson = #"""
        {"id": "REL-RA", "title": "Search 2.1.1", "kind": "patch", "state": "planning", "owner": "rita",
         "planned_start": "2026-03-10T22:00:00Z", "planned_end": "2026-03-10T23:00:00Z", "scope": "Cache fix",
         "changes": [{"id": "CHG-1", "kind": "normal", "summary": "s", "affected_cis": ["app-search"], "approved": true}],
         "rollback_plan": {"documented": true},
         "tests": [{"kind": "unit", "passed": 10}, {"kind": "integration", "passed": 5}]}
        """#

    func testAssessIsAssessRisk() throws {
        let release = try releaseFromJson(json: releaseJson)
        let assessor = try RiskAssessor(context: contextJson)
        let direct = try Relman.assessRisk(release: release, context: contextFromJson(json: contextJson))
        for _ in 0..<2 {
            let got = try assessor.assess(release: release)
            XCTAssertEqual(try riskAssessmentToJson(value: got), try riskAssessmentToJson(value: direct))
        }
        let json = try assessor.assessJson(params: "{\"release\": \(releaseJson)}")
        XCTAssertEqual(try riskAssessmentToJson(value: riskAssessmentFromJson(json: json)), try riskAssessmentToJson(value: direct))
    }

    func testAssessManyIsAssessRiskMany() throws {
        let releases = [releaseJson, #"{"id": 3}"#, releaseJson]
        let assessor = try RiskAssessor(context: contextJson)
        let direct = try Relman.assessRiskMany(releases: releases, context: contextFromJson(json: contextJson))
        let got = try assessor.assessMany(releases: releases)
        XCTAssertEqual(try riskBatchToJson(value: got), try riskBatchToJson(value: direct))
        XCTAssertEqual(got.errors.count, 1)
        let json = try assessor.assessManyJson(params: "{\"releases\": [\(releaseJson)]}")
        XCTAssertTrue(json.contains("REL-RA"))
    }

    func testBadContextTextIsInvalidInput() {
        XCTAssertThrowsError(try RiskAssessor(context: "{not json")) { error in
            guard case RelmanError.InvalidInput = error else {
                return XCTFail("expected InvalidInput, got \(error)")
            }
        }
    }
}
