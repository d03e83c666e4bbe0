import Foundation
import PushgateCore
import PushgateHuawei
import PushgateSimulator
import PushgateTestSupport
import Testing

@testable import PushgateServer

/// REST → store → dispatcher → Huawei adapter → the Huawei simulator over TLS, as `pushgate
/// serve` assembles it with the standard registry.
@Suite("Huawei through the gateway", .timeLimit(.minutes(1)))
struct HuaweiEndToEndTests {
    static let appID = "hw-e2e"
    static let huaweiAppID = "10000042"
    static let secret = "e2e+secret/=="

    static func run(_ body: (RunningGateway, HuaweiSimulator) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certificates = try DevelopmentCertificates.make()
        var simulatorConfiguration = HuaweiSimulator.Configuration(certificates: certificates)
        simulatorConfiguration.apps = [Self.huaweiAppID: Self.secret]
        let simulator = try await HuaweiSimulator.start(configuration: simulatorConfiguration, logger: EndToEnd.logger)
        do {
            let caFile = try directory.write("ca.pem", certificates.caCertificatePEM)
            let apiKey = "pg_hw_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
            var configuration = GatewayConfiguration()
            configuration.listen = "127.0.0.1:0"
            configuration.store = "sqlite:" + directory.path("pushgate.db")
            var settings = HuaweiVendor.Settings(appID: Self.huaweiAppID, clientSecret: Secret(reference: Self.secret))
            settings.authEndpoint = "https://127.0.0.1:\(simulator.port)"
            settings.category = "IM"
            var common = VendorCommonSettings()
            common.endpoint = "https://127.0.0.1:\(simulator.port)"
            common.caFile = caFile
            common.requestTimeout = ConfigDuration(.seconds(5))
            configuration.apps = [
                GatewayConfiguration.App(
                    id: Self.appID, apiKeys: [APIKeyHash(key: apiKey).stored],
                    vendors: [VendorBlock(vendor: .huawei, common: common, settings: settings)])
            ]
            try await RunningGateway.run(
                configuration, apiKey: apiKey, dispatcher: true, webhooks: .init(),
                registry: VendorRegistry([HuaweiVendor()])
            ) { gateway in
                try await body(gateway, simulator)
            }
        } catch {
            try? await simulator.shutdown()
            throw error
        }
        try await simulator.shutdown()
    }

    static func body(tokens: [String], huawei: String? = nil) -> String {
        let targets = tokens.map { #"{"vendor":"huawei","token":"\#($0)"}"# }.joined(separator: ",")
        let overrides = huawei.map { #","overrides":{"huawei":\#($0)}"# } ?? ""
        return #"{"notification":{"title":"Hello","body":"Huawei"},"targets":[\#(targets)]\#(overrides)}"#
    }

    @Test("one notification to three devices: one request, two delivered, the dead token in the feed")
    func batchedWithDeadToken() async throws {
        try await Self.run { gateway, simulator in
            let tokens = ["GOOD-\(UUID().uuidString)", "DEAD-\(UUID().uuidString)", "GOOD-\(UUID().uuidString)"]
            let posted = try await gateway.request("POST", "/v1/notifications", body: Self.body(tokens: tokens))
            #expect(posted.status == 202)
            let id = try #require(posted.json?["id"]?.stringValue)
            let states = try await gateway.eventually("all three final") { () -> [String]? in
                let status = try await gateway.request("GET", "/v1/notifications/\(id)")
                let states = (status.json?["deliveries"]?.arrayValue ?? []).compactMap { $0["state"]?.stringValue }
                let final: Set<String> = ["delivered", "invalid_token", "failed", "expired", "ambiguous", "cancelled"]
                return states.count == 3 && states.allSatisfy(final.contains) ? states : nil
            }
            #expect(states.sorted() == ["delivered", "delivered", "invalid_token"])
            let counters = simulator.counters()
            #expect(counters.requests == 1, "the three deliveries went in one request")
            #expect(counters.tokensAccepted == 2)
            #expect(counters.tokenGrants == 1)

            let feed = try await gateway.request("GET", "/v1/invalid-tokens?after=0")
            let entry = try #require(feed.json?["tokens"]?[0])
            #expect(entry["vendor"]?.stringValue == "huawei")
            #expect(entry["token"]?.stringValue == tokens[1])
        }
    }

    @Test("a notification Huawei would refuse is answered 422 and never stored or sent")
    func refusedBeforeStoring() async throws {
        try await Self.run { gateway, simulator in
            let posted = try await gateway.request(
                "POST", "/v1/notifications",
                body: Self.body(tokens: ["GOOD-1"], huawei: #"{"android":{"collapse_key":500}}"#))
            #expect(posted.status == 422)
            let detail = posted.json?["errors"]?[0]?["detail"]?.stringValue ?? ""
            #expect(detail.contains("collapse_key"), "\(String(describing: posted.json))")
            // A valid one afterwards is the only request Huawei ever sees.
            let valid = try await gateway.request("POST", "/v1/notifications", body: Self.body(tokens: ["GOOD-2"]))
            let id = try #require(valid.json?["id"]?.stringValue)
            _ = try await gateway.eventually("delivered") {
                try await gateway.delivery(id, where: { $0["state"]?.stringValue == "delivered" })
            }
            #expect(simulator.counters().requests == 1)
        }
    }
}
