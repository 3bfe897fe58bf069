import Foundation

/// A JSON value, for reading the conformance vectors and comparing results
/// structurally (numbers within 1e-9 relative, as every front end does).
indirect enum JSON: Codable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSON].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSON].self))
        }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d):
            if d == d.rounded(), abs(d) < 9.0e15 { try c.encode(Int64(d)) } else { try c.encode(d) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    static func parse(_ text: String) throws -> JSON {
        try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
    }

    /// The value as JSON text.
    var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // swiftlint:disable:next force_try
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var uint64: UInt64? {
        if case .number(let d) = self, d >= 0 { return UInt64(d) }
        return nil
    }

    var object: [String: JSON]? {
        if case .object(let o) = self { return o }
        return nil
    }

    var array: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
}

/// The path of the first difference between two values, or nil.
func diff(_ expected: JSON, _ actual: JSON, _ path: String = "$") -> String? {
    switch (expected, actual) {
    case let (.number(a), .number(b)):
        let scale = max(abs(a), abs(b), Double.leastNormalMagnitude)
        return (a != b && abs(a - b) / scale > 1e-9) ? "\(path): \(a) != \(b)" : nil
    case let (.array(a), .array(b)):
        if a.count != b.count { return "\(path): \(a.count) items != \(b.count) items" }
        for (i, (x, y)) in zip(a, b).enumerated() {
            if let d = diff(x, y, "\(path)[\(i)]") { return d }
        }
        return nil
    case let (.object(a), .object(b)):
        for key in Set(a.keys).union(b.keys).sorted() {
            guard let x = a[key] else { return "\(path).\(key): unexpected in actual" }
            guard let y = b[key] else { return "\(path).\(key): missing in actual" }
            if let d = diff(x, y, "\(path).\(key)") { return d }
        }
        return nil
    default:
        return expected == actual ? nil : "\(path): \(expected.text) != \(actual.text)"
    }
}
