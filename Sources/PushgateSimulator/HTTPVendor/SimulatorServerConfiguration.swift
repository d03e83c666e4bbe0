import Logging
import ServiceLifecycle

/// What every simulator's configuration has: where it listens and the server certificate it serves.
package protocol SimulatorServerConfiguration: Sendable {
    var host: String { get set }
    /// 0 picks a free port; read the simulator's `port` after `start`.
    var port: Int { get set }
    /// The server certificate followed by any intermediates (PEM).
    var certificateChainPEM: String { get set }
    /// The server certificate's private key (PEM).
    var privateKeyPEM: String { get set }
    var eventLoopThreads: Int { get set }

    init(certificateChainPEM: String, privateKeyPEM: String)
}

extension SimulatorServerConfiguration {
    /// A configuration serving the server certificate of `certificates`.
    package init(certificates: DevelopmentCertificates) {
        self.init(
            certificateChainPEM: certificates.serverCertificatePEM,
            privateKeyPEM: certificates.serverPrivateKeyPEM
        )
    }
}

/// A simulator run as a `Service`: it serves until graceful shutdown (or cancellation), then shuts down.
package protocol SimulatorService: Service {
    /// Stops listening and closes every connection. Safe to call twice.
    func shutdown() async throws
}

extension SimulatorService {
    /// Serves until graceful shutdown (or cancellation), then shuts the simulator down.
    package func run() async throws {
        // Cancellation also ends the wait; either way the simulator must not outlive the service group.
        try? await gracefulShutdown()
        try await self.shutdown()
    }
}

/// The configuration of a simulator served by `HTTPVendorServer` (Huawei, Xiaomi, vivo).
protocol HTTPVendorSimulatorConfiguration: SimulatorServerConfiguration {
    /// The delay of the `SLOW` fault.
    var slowDelay: Duration { get }

    /// Throws `SimulatorError` naming every problem (by field) when the configuration is unusable.
    func validate() throws
}

extension HTTPVendorSimulatorConfiguration {
    /// Throws `SimulatorError` naming every problem: the port first, then those `addVendorProblems` adds, then
    /// `slowDelay` and `eventLoopThreads`.
    func validate(simulatorName: String, _ addVendorProblems: (inout [String]) -> Void) throws {
        var problems: [String] = []
        if !(0...65535).contains(self.port) { problems.append("port: must be 0...65535, is \(self.port)") }
        addVendorProblems(&problems)
        if self.slowDelay < .zero { problems.append("slowDelay: must not be negative") }
        if self.eventLoopThreads < 1 { problems.append("eventLoopThreads: must be at least 1") }
        guard problems.isEmpty else {
            throw SimulatorError("\(simulatorName) configuration: " + problems.joined(separator: "; "))
        }
    }
}

/// A running HTTP/1.1 vendor simulator: its server and the state its request handler shares.
struct HTTPVendorSimulatorCore<State: Sendable>: Sendable {
    let server: HTTPVendorServer
    let state: State

    /// Validates `configuration`, makes the state and the handler, then binds and starts serving; throws
    /// `SimulatorError` for a bad configuration or certificate.
    static func start<Configuration: HTTPVendorSimulatorConfiguration>(
        name: String,
        configuration: Configuration,
        logger: Logger,
        state makeState: (Configuration) -> State,
        handler makeHandler: (State) -> any HTTPVendorHandler
    ) async throws -> HTTPVendorSimulatorCore {
        try configuration.validate()
        let state = makeState(configuration)
        let handler = makeHandler(state)
        var serverConfiguration = HTTPVendorServer.Configuration(
            name: name,
            certificateChainPEM: configuration.certificateChainPEM,
            privateKeyPEM: configuration.privateKeyPEM
        )
        serverConfiguration.host = configuration.host
        serverConfiguration.port = configuration.port
        serverConfiguration.eventLoopThreads = configuration.eventLoopThreads
        let server = try await HTTPVendorServer.start(
            configuration: serverConfiguration, handler: handler, logger: logger)
        return HTTPVendorSimulatorCore(server: server, state: state)
    }
}
