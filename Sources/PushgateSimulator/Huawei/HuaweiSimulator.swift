import Logging

/// A faithful fake Huawei Push Kit (v1 API, HTTP/1.1 over TLS) on one port serving both hosts: the OAuth token
/// endpoint of `oauth-login.cloud.huawei.com` and the send endpoint of `push-api.cloud.huawei.com`, with Huawei's
/// checks in Huawei's order, its result codes and HTTP statuses, and faults keyed by device-token prefix
/// (`HuaweiFault`).
///
/// Requests are handled on their connection's event loop; the shared state (tokens, counters) is behind one lock.
package final class HuaweiSimulator: Sendable {
    /// The port the simulator listens on (the one the OS picked when the configuration said 0).
    package let port: Int

    private let server: HTTPVendorServer
    private let state: HuaweiSimulatorState

    private init(server: HTTPVendorServer, state: HuaweiSimulatorState) {
        self.port = server.port
        self.server = server
        self.state = state
    }

    /// Binds and starts serving; throws `SimulatorError` for a bad configuration or certificate.
    package static func start(configuration: Configuration, logger: Logger) async throws -> HuaweiSimulator {
        try configuration.validate()
        let state = HuaweiSimulatorState(configuration: configuration)
        let handler = HuaweiRequestHandler(configuration: configuration, state: state, logger: logger)
        var serverConfiguration = HTTPVendorServer.Configuration(
            name: "Huawei simulator",
            certificateChainPEM: configuration.certificateChainPEM,
            privateKeyPEM: configuration.privateKeyPEM
        )
        serverConfiguration.host = configuration.host
        serverConfiguration.port = configuration.port
        serverConfiguration.eventLoopThreads = configuration.eventLoopThreads
        let server = try await HTTPVendorServer.start(
            configuration: serverConfiguration, handler: handler, logger: logger)
        return HuaweiSimulator(server: server, state: state)
    }

    /// A snapshot of the counters.
    package func counters() -> Counters {
        self.state.snapshot()
    }

    /// Zeroes the counters and forgets which (token, identity) pairs and fault tokens were seen; issued access tokens
    /// and the grant rate windows are kept.
    package func reset() {
        self.state.reset()
    }

    /// Every access token issued so far is expired from now on (80200003); tokens issued later are not affected.
    package func expireAccessTokens() {
        self.state.expireAccessTokens()
    }

    /// Stops listening, closes every connection and shuts down the simulator's event loops. Safe to call twice.
    package func shutdown() async throws {
        try await self.server.shutdown()
    }
}
