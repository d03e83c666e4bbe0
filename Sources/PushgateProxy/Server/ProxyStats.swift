/// A snapshot of the proxy's counters, for tests and the CLI.
package struct ProxyStats: Sendable, Equatable {
    /// Tunnels established and not yet closed.
    package var tunnelsOpen: Int = 0
    /// Tunnels ever established.
    package var tunnelsTotal: Int = 0
    /// Refusals by `RefusalReason` raw value (`auth_required`, `forbidden_target`, …); absent reasons are 0.
    package var refusedByReason: [String: Int] = [:]
    /// Bytes from clients to targets.
    package var bytesUpstream: Int = 0
    /// Bytes from targets to clients.
    package var bytesDownstream: Int = 0

    package init() {}

    /// The count for one reason, 0 when absent.
    package func refused(_ reason: String) -> Int {
        self.refusedByReason[reason, default: 0]
    }
}
