import Logging

/// A faithful fake Xiaomi MiPush server API (`api.xmpush.xiaomi.com`, HTTP/1.1 over TLS): the regid send endpoints
/// (v2, v3, v4) with Xiaomi's static-secret authentication, its form fields and limits checked in order, its error
/// codes in HTTP 200 answers, per-app daily quotas, and faults keyed by regid prefix (`XiaomiFault`).
///
/// Requests are handled on their connection's event loop; the shared state (counters, quota use) is behind one lock.
package final class XiaomiSimulator: Sendable {
    /// The port the simulator listens on (the one the OS picked when the configuration said 0).
    package var port: Int { self.core.server.port }

    private let core: HTTPVendorSimulatorCore<XiaomiSimulatorState>

    private init(core: HTTPVendorSimulatorCore<XiaomiSimulatorState>) {
        self.core = core
    }

    /// Binds and starts serving; throws `SimulatorError` for a bad configuration or certificate.
    package static func start(configuration: Configuration, logger: Logger) async throws -> XiaomiSimulator {
        let core = try await HTTPVendorSimulatorCore.start(
            name: "Xiaomi simulator",
            configuration: configuration,
            logger: logger,
            state: { XiaomiSimulatorState(dailyQuota: $0.dailyQuota) },
            handler: { XiaomiRequestHandler(configuration: configuration, state: $0, logger: logger) }
        )
        return XiaomiSimulator(core: core)
    }

    /// A snapshot of the counters.
    package func counters() -> Counters {
        self.core.state.snapshot()
    }

    /// Zeroes the counters and forgets accepted and failed-once (regid, notify_id) pairs and the day's quota use.
    package func reset() {
        self.core.state.reset()
    }

    /// Stops listening, closes every connection and shuts down the simulator's event loops. Safe to call twice.
    package func shutdown() async throws {
        try await self.core.server.shutdown()
    }
}
