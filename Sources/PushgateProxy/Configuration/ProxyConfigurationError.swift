/// Everything wrong with a proxy configuration, each problem with the path of the field it concerns.
public struct ProxyConfigurationError: Error, Sendable, CustomStringConvertible {
    /// One problem: `path` is like `listeners[0].tls.certificate_file` (empty for the document itself).
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var message: String

        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }

        public var description: String {
            self.path.isEmpty ? self.message : "\(self.path): \(self.message)"
        }
    }

    public var problems: [Problem]

    public init(problems: [Problem]) {
        self.problems = problems
    }

    init(path: String, _ message: String) {
        self.problems = [Problem(path: path, message: message)]
    }

    /// All problems on one line, for a CLI error.
    public var description: String {
        "invalid proxy configuration: " + self.problems.map(\.description).joined(separator: "; ")
    }
}
