import Foundation
import XCTest

import Relman

/// The directory of the record and keyed-chain tests: two release managers
/// on the CAB, a CAB member and QA.
let contextJson = #"""
    {"actors": [
      {"id": "rita", "roles": ["release_manager", "cab"]},
      {"id": "mia", "roles": ["release_manager", "cab"]},
      {"id": "carol", "roles": ["cab"]},
      {"id": "quinn", "roles": ["qa"]}
    ]}
    """#

/// Runs `body`, which must throw a `RelmanError`, and hands it to `check`.
func expectError(_ body: () throws -> Void, _ check: (RelmanError) -> Void,
                 file: StaticString = #filePath, line: UInt = #line) {
    do {
        try body()
        XCTFail("no error", file: file, line: line)
    } catch let e as RelmanError {
        check(e)
    } catch {
        XCTFail("not a RelmanError: \(error)", file: file, line: line)
    }
}
