import Foundation
import XCTest

import Relman

/// Keyed audit chains (docs/lifecycle.md, "Keyed chains"): the keyring as
/// JSON text, `keys` on `apply` and `verifyLog`, a stripped
/// MAC caught without an expected head, and `Conflict` on a stale head.
/// Mirrors `test_keyed_chains_and_the_conflict_error` of
/// tests/python/test_uniffi.py.
final class KeyedChainTests: XCTestCase {
    let hmacJson = #"""
        {"signing_key": "host-1", "adopt_unkeyed": true,
         "keys": [{"id": "host-1", "alg": "hmac-sha256", "secret": "00112233445566778899aabbccddeeff"}]}
        """#

    func inApproval() throws -> Release {
        var release = try releaseFromJson(json: #"""
            {"id": "REL-SK", "title": "Search 2.1.1", "kind": "patch", "state": "planning", "owner": "rita",
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

    func testABadKeyIsNamedByItsPath() throws {
        let release = try inApproval()
        do {
            _ = try verifyLog(release: release, keys: #"{"keys": [{"id": "k", "alg": "hmac-sha256", "secret": "0011"}]}"#)
            XCTFail("a 2-byte secret was accepted")
        } catch let RelmanError.InvalidInput(code, message, path, _, _, _) {
            XCTAssertEqual(code, "invalid_input")
            XCTAssertEqual(path, "keys.keys[0].secret")
            XCTAssertFalse(message.contains("0011"))
        }
    }

    func testAKeyedHeadVouchesForTheLogAndAStaleHeadIsAConflict() throws {
        let release = try inApproval()
        let head = try verifyLog(release: release).head
        let context = try contextFromJson(json: contextJson)
        let vote = Command(actor: "mia", at: "2026-03-01T10:04:00Z", action: .approve(role: .cab))
        let keys = hmacJson
        let keyed = try Relman.apply(release: release, command: vote, context: context, expectedHead: head, keys: keys)
        XCTAssertTrue(try verifyLog(release: keyed.release, keys: keys).valid)
        XCTAssertEqual(keyed.events.first?.auth?.keyId, "host-1")
        XCTAssertEqual(keyed.events.first?.auth?.alg, .hmacSha256)
        XCTAssertTrue(try appliedToJson(value: keyed).contains("\"key_id\":\"host-1\""))

        do {
            _ = try Relman.apply(release: keyed.release, command: vote, context: context, expectedHead: head)
            XCTFail("a stale head was accepted")
        } catch let RelmanError.Conflict(code, _, path, expected, found) {
            XCTAssertEqual(code, "conflict")
            XCTAssertEqual(path, "log")
            XCTAssertEqual(expected, head)
            XCTAssertEqual(found, try verifyLog(release: keyed.release).head)
        }
    }
}
