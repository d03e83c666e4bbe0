import Logging

/// A faithful fake Huawei Push Kit (v1 API, HTTP/1.1 over TLS) on one port serving both hosts: the OAuth token
/// endpoint of `oauth-login.cloud.huawei.com` and the send endpoint of `push-api.cloud.huawei.com`, with Huawei's
/// checks in Huawei's order, its result codes and HTTP statuses, and faults keyed by device-token prefix
/// (`HuaweiFault`).
///
/// Requests are handled on their connection's event loop; the shared state (tokens, counters) is behind one lock.
package final class HuaweiSimulator: Sendable {
    /// The port the simulator listens on (the one the OS picked when the configuration said 0).
    package var port: Int { self.core.server.port }

    private let core: HTTPVendorSimulatorCore<HuaweiSimulatorState>

    private init(core: HTTPVendorSimulatorCore<HuaweiSimulatorState>) {
        self.core = core
    }

    /// Binds and starts serving; throws `SimulatorError` for a bad configuration or certificate.
    package static func start(configuration: Configuration, logger: Logger) async throws -> HuaweiSimulator {
        let core = try await HTTPVendorSimulatorCore.start(
            name: "Huawei simulator",
            configuration: configuration,
            logger: logger,
            state: { HuaweiSimulatorState(configuration: $0) },
            handler: { HuaweiRequestHandler(configuration: configuration, state: $0, logger: logger) }
        )
        return HuaweiSimulator(core: core)
    }

    /// A snapshot of the counters.
    package func counters() -> Counters {
        self.core.state.snapshot()
    }

    /// Zeroes the counters and forgets which (token, identity) pairs and fault tokens were seen; issued access tokens
    /// and the grant rate windows are kept.
    package func reset() {
        self.core.state.reset()
    }

    /// Every access token issued so far is expired from now on (80200003); tokens issued later are not affected.
    package func expireAccessTokens() {
        self.core.state.expireAccessTokens()
    }

    /// Stops listening, closes every connection and shuts down the simulator's event loops. Safe to call twice.
    package func shutdown() async throws {
        try await self.core.server.shutdown()
    }
}
