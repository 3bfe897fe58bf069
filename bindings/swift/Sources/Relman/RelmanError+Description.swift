// Written by hand, beside the generated Relman.swift (scripts/gen-swift
// never touches it): what Swift developers expect of an error.
import Foundation

/// A `RelmanError` reads as its message: `"\(error)"`,
/// `String(describing:)` and `error.localizedDescription` give
/// ``id: missing field `id` ``, not the enum dump. The message is relman's
/// own (the Rust `Display` of the error, exported by UniFFI as
/// `description`); `code`, `path`, `problems` and the other fields stay
/// for code, through `switch` or `catch let RelmanError.InvalidInput(...)`.
/// (uniffi.toml omits UniFFI's `LocalizedError` conformance, whose
/// `errorDescription` would be `String(reflecting: self)`.)
extension RelmanError: CustomStringConvertible, LocalizedError {
    /// The error's message, as `localizedDescription` shows it.
    public var errorDescription: String? { description }
}
