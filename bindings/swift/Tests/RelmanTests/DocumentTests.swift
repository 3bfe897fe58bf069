import Foundation
import XCTest

import Relman

/// ReleaseDocument and ContextDocument: documents read once and handed to
/// `checkDocument` and `assessRiskDocument`, which return what `check`
/// and `assessRisk` return. Mirrors tests/python/test_documents.py.
final class DocumentTests: XCTestCase {
    func testEveryCheckAndRiskVectorThroughDocuments() throws {
        var checked = 0
        for file in try vectorFiles() {
            let vector = try JSON.parse(try String(contentsOf: file, encoding: .utf8))
            let operation = vector["operation"]?.string ?? ""
            guard ["check", "assess_risk"].contains(operation),
                  let input = vector["input"]?.object, let release = input["release"], release != .null else { continue }
            let name = "\(operation)/\(file.deletingPathExtension().lastPathComponent)"
            let given = input.filter { $0.value != .null }
            let outcome: Outcome
            do {
                let document = try ReleaseDocument.fromJson(json: release.text)
                var context: ContextDocument? = nil
                if let c = given["context"] {
                    context = try ContextDocument.fromJson(json: c.text)
                }
                if operation == "check" {
                    guard let target = releaseState(given["target"]?.string ?? "") else { continue }
                    let report = try checkDocument(release: document, target: target, context: context, keys: given["keys"]?.text)
                    outcome = .ok(try JSON.parse(try gateReportToJson(value: report)))
                } else {
                    outcome = .ok(try JSON.parse(try riskAssessmentToJson(value: assessRiskDocument(release: document, context: context))))
                }
            } catch let e as RelmanError {
                outcome = errorOutcome(e)
            }
            switch outcome {
            case .ok(let actual):
                guard let expected = vector["expected"] else { return XCTFail("\(name): expected an error") }
                XCTAssertNil(diff(expected, actual), name)
            case let .error(code, path, rule, _):
                guard let expected = vector["expected_error"] else { return XCTFail("\(name): unexpected \(code)") }
                XCTAssertEqual(code, expected["code"]?.string, name)
                if let p = expected["path"]?.string { XCTAssertEqual(path, p, name) }
                if let r = expected["rule"]?.string { XCTAssertEqual(rule, r, name) }
            default:
                XCTFail(name)
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 20)
    }

    func testADocumentReadsBackItsRecordAndJson() throws {
        let text = #"{"id": "R1", "title": "T", "kind": "minor", "state": "planning", "u_ticket": "T-9"}"#
        let document = try ReleaseDocument.fromJson(json: text)
        XCTAssertEqual(document.record(), try releaseFromJson(json: text))
        XCTAssertEqual(try JSON.parse(document.toJson())["u_ticket"]?.string, "T-9")
        XCTAssertEqual(try ReleaseDocument.fromRecord(record: document.record()).toJson(), document.toJson())
        let context = try ContextDocument.fromJson(json: contextJson)
        XCTAssertEqual(context.record().actors.count, 4)
        XCTAssertEqual(try ContextDocument.fromRecord(record: context.record()).toJson(), context.toJson())
    }

    func testDocumentsGiveWhatTheTypedCallsGive() throws {
        let text = #"{"id": "R1", "title": "T", "kind": "minor", "state": "planning", "owner": "rita"}"#
        let release = try releaseFromJson(json: text)
        let context = try contextFromJson(json: contextJson)
        let document = try ReleaseDocument.fromRecord(record: release)
        let contextDocument = try ContextDocument.fromRecord(record: context)
        XCTAssertEqual(try checkDocument(release: document, target: .development, context: contextDocument),
                       try Relman.check(release: release, target: .development, context: context))
        XCTAssertEqual(try assessRiskDocument(release: document, context: contextDocument),
                       try assessRisk(release: release, context: context))
        XCTAssertEqual(try assessRiskDocument(release: document), try assessRisk(release: release))
    }

    func testBadDocumentsAreInvalidInput() {
        expectError({ _ = try ReleaseDocument.fromJson(json: #"{"id": "R", "title": "T", "kind": "huge", "state": "planning"}"#) }) { e in
            guard case let .InvalidInput(_, _, path, _, _, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(path, "kind")
        }
        expectError({ _ = try ContextDocument.fromJson(json: "{not json") }) { e in
            guard case let .InvalidInput(_, _, path, line, _, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(path, "context")
            XCTAssertEqual(line, 1)
        }
    }
}
