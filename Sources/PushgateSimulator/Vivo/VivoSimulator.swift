import Logging

/// A faithful fake vivo Push server API (`api-push.vivo.com.cn`, HTTP/1.1 JSON over TLS): the auth call, single
/// send, and the two-step list push, with vivo's checks in vivo's order, its result codes (HTTP 200 for business
/// errors), the 07:00–23:00 window for operation messages, a daily quota, `requestId` replay handling, and faults
/// keyed by regId prefix (`VivoFault`).
///
/// Requests are handled on their connection's event loop; the shared state (tokens, payloads, counters) is behind one
/// lock.
package final class VivoSimulator: Sendable {
    /// The port the simulator listens on (the one the OS picked when the configuration said 0).
    package var port: Int { self.core.server.port }

    private let core: HTTPVendorSimulatorCore<VivoSimulatorState>

    private init(core: HTTPVendorSimulatorCore<VivoSimulatorState>) {
        self.core = core
    }

    /// Binds and starts serving; throws `SimulatorError` for a bad configuration or certificate.
    package static func start(configuration: Configuration, logger: Logger) async throws -> VivoSimulator {
        let core = try await HTTPVendorSimulatorCore.start(
            name: "vivo simulator",
            configuration: configuration,
            logger: logger,
            state: { VivoSimulatorState(configuration: $0) },
            handler: { VivoRequestHandler(configuration: configuration, state: $0, logger: logger) }
        )
        return VivoSimulator(core: core)
    }

    /// A snapshot of the counters.
    package func counters() -> Counters {
        self.core.state.snapshot()
    }

    /// Zeroes the counters and forgets answered requestIds, quota use and which fault regIds were seen; issued auth
    /// tokens, the auth rate windows and saved list payloads are kept.
    package func reset() {
        self.core.state.reset()
    }

    /// Every auth token issued so far is invalid from now on (10000); tokens issued later are not affected.
    package func expireAuthTokens() {
        self.core.state.expireAuthTokens()
    }

    /// Stops listening, closes every connection and shuts down the simulator's event loops. Safe to call twice.
    package func shutdown() async throws {
        try await self.core.server.shutdown()
    }
}
