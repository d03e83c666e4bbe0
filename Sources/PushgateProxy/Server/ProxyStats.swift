/// A snapshot of the proxy's counters, for tests and the CLI.
public struct ProxyStats: Sendable, Equatable {
    /// Tunnels established and not yet closed.
    public var tunnelsOpen: Int = 0
    /// Tunnels ever established.
    public var tunnelsTotal: Int = 0
    /// Refusals by `RefusalReason` raw value (`auth_required`, `forbidden_target`, …); absent reasons are 0.
    public var refusedByReason: [String: Int] = [:]
    /// Bytes from clients to targets.
    public var bytesUpstream: Int = 0
    /// Bytes from targets to clients.
    public var bytesDownstream: Int = 0

    public init() {}

    /// The count for one reason, 0 when absent.
    public func refused(_ reason: String) -> Int {
        self.refusedByReason[reason, default: 0]
    }
}
