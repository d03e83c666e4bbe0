import Foundation
import Logging
import PushgateTestSupport

@testable import PushgateSimulator

/// What the vendor harnesses need of a simulator: starting it, its port, and shutting it down.
protocol HarnessedSimulator: Sendable {
    associatedtype Configuration: SimulatorServerConfiguration
    static func start(configuration: Configuration, logger: Logger) async throws -> Self
    var port: Int { get }
    func shutdown() async throws
}

extension HuaweiSimulator: HarnessedSimulator {}
extension XiaomiSimulator: HarnessedSimulator {}
extension VivoSimulator: HarnessedSimulator {}

/// A vendor simulator on an ephemeral port with fresh certificates, driven with the real curl over TLS.
protocol VendorHarness: Sendable {
    associatedtype Simulator: HarnessedSimulator
    /// Names the logger and the CA file ("huawei").
    static var vendor: String { get }
    var simulator: Simulator { get }
    /// The simulator's CA certificate (PEM), for curl to trust.
    var caFile: String { get }

    init(simulator: Simulator, caFile: String, configuration: Simulator.Configuration)
}

extension VendorHarness {
    /// Starts a simulator, runs `body`, and always shuts the simulator down.
    static func with<T: Sendable>(
        _ customize: (inout Simulator.Configuration) throws -> Void = { _ in },
        _ body: (Self) async throws -> T
    ) async throws -> T {
        let certificates = try DevelopmentCertificates.make()
        var configuration = Simulator.Configuration(certificates: certificates)
        try customize(&configuration)
        let logger = Logger(label: "test.\(Self.vendor)-simulator", factory: { _ in SwiftLogNoOpLogHandler() })
        let simulator = try await Simulator.start(configuration: configuration, logger: logger)
        let caFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("pushgate-\(Self.vendor)-ca-\(UUID().uuidString).pem").path
        let harness = Self(simulator: simulator, caFile: caFile, configuration: configuration)
        do {
            try certificates.caCertificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
            let result = try await body(harness)
            try? FileManager.default.removeItem(atPath: caFile)
            try await simulator.shutdown()
            return result
        } catch {
            try? FileManager.default.removeItem(atPath: caFile)
            try? await simulator.shutdown()
            throw error
        }
    }

    func url(_ path: String) -> String {
        "https://localhost:\(self.simulator.port)\(path)"
    }

    /// curl trusting the simulator's CA.
    func curl(_ arguments: [String], timeoutSeconds: Int = 10) async throws -> PushgateTestSupport.Curl.Result {
        try await PushgateTestSupport.Curl.run(["--cacert", self.caFile] + arguments, timeoutSeconds: timeoutSeconds)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension PushgateTestSupport.Curl.Result {
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(self.body.utf8))) as? [String: Any]
    }
}
