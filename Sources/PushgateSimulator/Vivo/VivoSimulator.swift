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
    package let port: Int

    private let server: HTTPVendorServer
    private let state: VivoSimulatorState

    private init(server: HTTPVendorServer, state: VivoSimulatorState) {
        self.port = server.port
        self.server = server
        self.state = state
    }

    /// Binds and starts serving; throws `SimulatorError` for a bad configuration or certificate.
    package static func start(configuration: Configuration, logger: Logger) async throws -> VivoSimulator {
        try configuration.validate()
        let state = VivoSimulatorState(configuration: configuration)
        let handler = VivoRequestHandler(configuration: configuration, state: state, logger: logger)
        var serverConfiguration = HTTPVendorServer.Configuration(
            name: "vivo simulator",
            certificateChainPEM: configuration.certificateChainPEM,
            privateKeyPEM: configuration.privateKeyPEM
        )
        serverConfiguration.host = configuration.host
        serverConfiguration.port = configuration.port
        serverConfiguration.eventLoopThreads = configuration.eventLoopThreads
        let server = try await HTTPVendorServer.start(
            configuration: serverConfiguration, handler: handler, logger: logger)
        return VivoSimulator(server: server, state: state)
    }

    /// A snapshot of the counters.
    package func counters() -> Counters {
        self.state.snapshot()
    }

    /// Zeroes the counters and forgets answered requestIds, quota use and which fault regIds were seen; issued auth
    /// tokens, the auth rate windows and saved list payloads are kept.
    package func reset() {
        self.state.reset()
    }

    /// Every auth token issued so far is invalid from now on (10000); tokens issued later are not affected.
    package func expireAuthTokens() {
        self.state.expireAuthTokens()
    }

    /// Stops listening, closes every connection and shuts down the simulator's event loops. Safe to call twice.
    package func shutdown() async throws {
        try await self.server.shutdown()
    }
}
