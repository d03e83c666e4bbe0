import PushgateCore

/// Everything wrong with a proxy configuration, each problem with the path of the field it concerns.
package struct ProxyConfigurationError: Error, Sendable, CustomStringConvertible {
    /// One problem, with the path of the field it concerns (`listeners[0].tls.certificate_file`).
    package typealias Problem = ConfigurationProblem

    package var problems: [Problem]

    package init(problems: [Problem]) {
        self.problems = problems
    }

    init(path: String, _ message: String) {
        self.problems = [Problem(path: path, message: message)]
    }

    /// All problems on one line, for a CLI error.
    package var description: String {
        "invalid proxy configuration: " + self.problems.map(\.description).joined(separator: "; ")
    }
}
