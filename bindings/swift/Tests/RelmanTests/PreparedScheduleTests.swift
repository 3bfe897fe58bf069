import Foundation
import XCTest

import Relman

/// `PreparedSchedule`: every conformance vector of `detect_conflicts`
/// through a prepared schedule (built once, asked twice), held to the
/// vector's expected output or error and to `detectConflicts(schedule:)`.
final class PreparedScheduleTests: XCTestCase {
    func testDetectConflictsVectorsThroughAPreparedSchedule() throws {
        let files = try vectorFiles().filter { $0.deletingLastPathComponent().lastPathComponent == "detect_conflicts" }
        XCTAssertGreaterThanOrEqual(files.count, 5)
        for file in files {
            let vector = try JSON.parse(try String(contentsOf: file, encoding: .utf8))
            let schedule = vector["input"]!["schedule"]!.text
            do {
                let prepared = try PreparedSchedule(schedule: schedule)
                let first = try prepared.conflicts()
                let second = try prepared.conflicts()
                XCTAssertEqual(try conflictReportToJson(value: first), try conflictReportToJson(value: second))
                guard let expected = vector["expected"] else {
                    XCTFail("\(file.lastPathComponent): expected an error")
                    continue
                }
                let actual = try JSON.parse(try conflictReportToJson(value: first))
                XCTAssertNil(diff(expected, actual), file.lastPathComponent)
                let cold = try detectConflicts(schedule: schedule)
                XCTAssertEqual(try conflictReportToJson(value: cold), try conflictReportToJson(value: first))
            } catch let e as RelmanError {
                guard let expected = vector["expected_error"] else {
                    XCTFail("\(file.lastPathComponent): unexpected error \(e)")
                    continue
                }
                guard case let .error(code, path, _, _) = errorOutcome(e) else { return XCTFail("\(e)") }
                XCTAssertEqual(code, expected["code"]?.string, file.lastPathComponent)
                if let p = expected["path"]?.string { XCTAssertEqual(path, p, file.lastPathComponent) }
                expectError({ _ = try detectConflicts(schedule: schedule) }) { op in
                    XCTAssertEqual(op, e)
                }
            }
        }
    }
}
