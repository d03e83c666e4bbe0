import Logging

/// A faithful fake Xiaomi MiPush server API (`api.xmpush.xiaomi.com`, HTTP/1.1 over TLS): the regid send endpoints
/// (v2, v3, v4) with Xiaomi's static-secret authentication, its form fields and limits checked in order, its error
/// codes in HTTP 200 answers, per-app daily quotas, and faults keyed by regid prefix (`XiaomiFault`).
///
/// Requests are handled on their connection's event loop; the shared state (counters, quota use) is behind one lock.
package final class XiaomiSimulator: Sendable {
    /// The port the simulator listens on (the one the OS picked when the configuration said 0).
    package let port: Int

    private let server: HTTPVendorServer
    private let state: XiaomiSimulatorState

    private init(server: HTTPVendorServer, state: XiaomiSimulatorState) {
        self.port = server.port
        self.server = server
        self.state = state
    }

    /// Binds and starts serving; throws `SimulatorError` for a bad configuration or certificate.
    package static func start(configuration: Configuration, logger: Logger) async throws -> XiaomiSimulator {
        try configuration.validate()
        let state = XiaomiSimulatorState(dailyQuota: configuration.dailyQuota)
        let handler = XiaomiRequestHandler(configuration: configuration, state: state, logger: logger)
        var serverConfiguration = HTTPVendorServer.Configuration(
            name: "Xiaomi simulator",
            certificateChainPEM: configuration.certificateChainPEM,
            privateKeyPEM: configuration.privateKeyPEM
        )
        serverConfiguration.host = configuration.host
        serverConfiguration.port = configuration.port
        serverConfiguration.eventLoopThreads = configuration.eventLoopThreads
        let server = try await HTTPVendorServer.start(
            configuration: serverConfiguration, handler: handler, logger: logger)
        return XiaomiSimulator(server: server, state: state)
    }

    /// A snapshot of the counters.
    package func counters() -> Counters {
        self.state.snapshot()
    }

    /// Zeroes the counters and forgets accepted and failed-once (regid, notify_id) pairs and the day's quota use.
    package func reset() {
        self.state.reset()
    }

    /// Stops listening, closes every connection and shuts down the simulator's event loops. Safe to call twice.
    package func shutdown() async throws {
        try await self.server.shutdown()
    }
}
