/// One thing wrong in a configuration file: `path` is like `apps[0].apns.key_id` or
/// `listeners[0].tls.certificate_file` (empty for the document itself).
package struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    package var path: String
    package var message: String

    package init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    package var description: String {
        self.path.isEmpty ? self.message : "\(self.path): \(self.message)"
    }
}

/// Everything wrong with a configuration file, each problem with its path.
package struct ConfigurationProblems: Error, Sendable, CustomStringConvertible {
    package var problems: [ConfigurationProblem]

    package init(_ problems: [ConfigurationProblem]) {
        self.problems = problems
    }

    package var description: String { self.problems.map(\.description).joined(separator: "\n") }
}
