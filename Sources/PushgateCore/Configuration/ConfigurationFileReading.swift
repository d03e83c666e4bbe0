import Foundation

/// Reading what a configuration names (key files, certificates, secrets) with errors that say
/// where in the file the name was: every adapter factory needs these.
package enum ConfigurationFileReading {
    /// The file's text; `path` is the configuration key that named it.
    package static func read(_ file: String, path: String) throws -> String {
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw PushgateError.invalidConfiguration("\(path): cannot read \(file)")
        }
    }

    /// The secret's value; `path` is its configuration key.
    package static func resolve(_ secret: Secret, path: String) throws -> String {
        do {
            return try secret.resolve()
        } catch {
            throw PushgateError.invalidConfiguration("\(path): \(error)")
        }
    }
}
