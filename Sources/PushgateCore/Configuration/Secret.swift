import Foundation

/// A secret in a configuration file: `${ENV_VAR}`, `file:/path`, or the literal value.
/// Resolved once at start; never printed.
package struct Secret: Sendable, Decodable, CustomStringConvertible {
    package var reference: String

    package init(reference: String) { self.reference = reference }

    package init(from decoder: any Decoder) throws {
        self.reference = try decoder.singleValueContainer().decode(String.self)
    }

    /// The value, read from the environment or the file it names.
    package func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if self.reference.hasPrefix("${"), self.reference.hasSuffix("}") {
            let name = String(self.reference.dropFirst(2).dropLast())
            guard let value = environment[name] else {
                throw PushgateError.invalidConfiguration("environment variable \(name) is not set")
            }
            return value
        }
        if self.reference.hasPrefix("file:") {
            let path = String(self.reference.dropFirst("file:".count))
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw PushgateError.invalidConfiguration("cannot read \(path)")
            }
        }
        return self.reference
    }

    package var description: String { "<secret>" }
}
