import PushgateCore

/// The `host:port` pairs the proxy may connect to, matched exactly after `ProxyTarget` normalisation.
struct TargetAllowlist: Sendable, Equatable {
    private(set) var targets: Set<ProxyTarget>

    init(_ targets: Set<ProxyTarget>) {
        self.targets = targets
    }

    /// Parses configuration entries; entries that are not names (IP literals) are left out, since they could never
    /// match, and reported by `ProxyConfiguration.warnings()`.
    init(entries: [String]) throws(ProxyConfigurationError) {
        var targets: Set<ProxyTarget> = []
        var problems: [ProxyConfigurationError.Problem] = []
        for (index, entry) in entries.enumerated() {
            switch ProxyTarget.parse(entry) {
            case .success(let target): targets.insert(target)
            case .failure(.ipLiteral): continue
            case .failure(.malformed(let reason)):
                problems.append(.init(path: "allow[\(index)]", message: "\"\(entry)\" is not host:port (\(reason))"))
            }
        }
        guard problems.isEmpty else { throw ProxyConfigurationError(problems: problems) }
        self.targets = targets
    }

    func contains(_ target: ProxyTarget) -> Bool {
        self.targets.contains(target)
    }
}
