import Foundation
import Logging
import NIOPosix
import PushgateCore
import PushgateHuawei
import PushgateSimulator
import PushgateTestSupport

/// A Huawei simulator on a free loopback port with its own CA, and adapters pointed at it.
struct HuaweiFixture {
    static let appID = "10000001"
    /// The characters a form body must encode.
    static let secret = "s3cret+with/slash=="
    static let logger: Logger = {
        var logger = Logger(label: "huawei-tests")
        logger.logLevel = .critical
        return logger
    }()

    let simulator: HuaweiSimulator
    let certificates: DevelopmentCertificates

    static func with<T>(
        _ change: (inout HuaweiSimulator.Configuration) -> Void = { _ in },
        _ body: (HuaweiFixture) async throws -> T
    ) async throws -> T {
        let certificates = try DevelopmentCertificates.make()
        var configuration = HuaweiSimulator.Configuration(certificates: certificates)
        configuration.apps = [Self.appID: Self.secret]
        change(&configuration)
        let simulator = try await HuaweiSimulator.start(configuration: configuration, logger: Self.logger)
        let fixture = HuaweiFixture(simulator: simulator, certificates: certificates)
        do {
            let result = try await body(fixture)
            try await simulator.shutdown()
            return result
        } catch {
            try? await simulator.shutdown()
            throw error
        }
    }

    var endpoint: String { "https://127.0.0.1:\(self.simulator.port)" }

    func configuration(secret: String = HuaweiFixture.secret) -> HuaweiConfiguration {
        var configuration = HuaweiConfiguration(appID: Self.appID, clientSecret: secret)
        configuration.endpoint = self.endpoint
        configuration.authEndpoint = self.endpoint
        configuration.transport.additionalTrustRootsPEM = self.certificates.caCertificatePEM
        configuration.transport.requestTimeout = .seconds(5)
        return configuration
    }

    /// Runs `body` with an adapter, shut down afterwards.
    func withAdapter<T>(
        _ configuration: HuaweiConfiguration? = nil, _ body: (HuaweiAdapter) async throws -> T
    ) async throws -> T {
        let adapter = try HuaweiAdapter(
            configuration: configuration ?? self.configuration(), eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: Self.logger)
        do {
            let result = try await body(adapter)
            await adapter.shutdown()
            return result
        } catch {
            await adapter.shutdown()
            throw error
        }
    }

    /// Deliveries of one notification to `tokens`, as the dispatcher batches them.
    static func batch(_ tokens: [String], notificationID: UUID = UUID(), title: String = "Hello") -> [Delivery] {
        tokens.map {
            Delivery(
                notification: PushgateCore.Notification(title: title, body: "from the tests"),
                notificationID: notificationID, target: DeviceTarget(vendor: .huawei, token: $0))
        }
    }

    static func token(_ prefix: String = "TOK") -> String {
        prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "")
    }
}
