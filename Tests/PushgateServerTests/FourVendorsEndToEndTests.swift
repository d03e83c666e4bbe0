import Foundation
import PushgateAPNS
import PushgateCore
import PushgateHuawei
import PushgateSimulator
import PushgateTestSupport
import PushgateVivo
import PushgateXiaomi
import Testing

@testable import PushgateServer

/// One app on all four vendors, each behind its simulator over TLS, through the gateway as
/// `pushgate serve` assembles it: one notification to 1,000 devices per vendor.
@Suite("Four vendors through the gateway", .timeLimit(.minutes(3)))
struct FourVendorsEndToEndTests {
    @Test("1,000 devices per vendor: each delivered once, in batches, and how long each took")
    func thousandDevicesEach() async throws {
        try await EndToEnd.with { world in
            let certificates = try DevelopmentCertificates.make()
            let caFile = try world.directory.write("vendors-ca.pem", certificates.caCertificatePEM)
            var huaweiConfiguration = HuaweiSimulator.Configuration(certificates: certificates)
            huaweiConfiguration.apps = ["10000099": "hw+secret/="]
            let huawei = try await HuaweiSimulator.start(configuration: huaweiConfiguration, logger: EndToEnd.logger)
            var xiaomiConfiguration = XiaomiSimulator.Configuration(certificates: certificates)
            xiaomiConfiguration.apps = ["xm+secret/=": ["com.example.e2e"]]
            let xiaomi = try await XiaomiSimulator.start(configuration: xiaomiConfiguration, logger: EndToEnd.logger)
            var vivoConfiguration = VivoSimulator.Configuration(certificates: certificates)
            vivoConfiguration.apps = ["10099": .init(appKey: "vk", appSecret: "vs")]
            let vivo = try await VivoSimulator.start(configuration: vivoConfiguration, logger: EndToEnd.logger)
            defer {
                Task {
                    try? await huawei.shutdown()
                    try? await xiaomi.shutdown()
                    try? await vivo.shutdown()
                }
            }
            func common(_ port: Int) -> VendorCommonSettings {
                var common = VendorCommonSettings()
                common.endpoint = "https://127.0.0.1:\(port)"
                common.caFile = caFile
                return common
            }
            var huaweiSettings = HuaweiVendor.Settings(
                appID: "10000099", clientSecret: Secret(reference: "hw+secret/="))
            huaweiSettings.authEndpoint = "https://127.0.0.1:\(huawei.port)"
            var configuration = world.configuration()
            configuration.apps[0].vendors[.huawei] = VendorBlock(
                vendor: .huawei, common: common(huawei.port), settings: huaweiSettings)
            configuration.apps[0].vendors[.xiaomi] = VendorBlock(
                vendor: .xiaomi, common: common(xiaomi.port),
                settings: XiaomiVendor.Settings(appSecret: Secret(reference: "xm+secret/="), package: "com.example.e2e")
            )
            configuration.apps[0].vendors[.vivo] = VendorBlock(
                vendor: .vivo, common: common(vivo.port),
                settings: VivoVendor.Settings(appID: "10099", appKey: "vk", appSecret: Secret(reference: "vs")))
            // A loaded CI machine must not turn slow answers into timeouts and resends.
            configuration.apps[0].vendors[.apns]?.common.requestTimeout = ConfigDuration(.seconds(30))
            let registry = VendorRegistry([APNSVendor(), HuaweiVendor(), XiaomiVendor(), VivoVendor()])
            try await world.run(configuration, registry: registry) { gateway in
                var accepted: [(Vendor, String, ContinuousClock.Instant)] = []
                for vendor in [Vendor.apns, .huawei, .xiaomi, .vivo] {
                    let tokens = (0..<1000).map { index in
                        vendor == .apns ? EndToEnd.token() : "\(vendor.rawValue.uppercased())TOKEN\(index)"
                    }
                    let targets = tokens.map { #"{"vendor":"\#(vendor.rawValue)","token":"\#($0)"}"# }
                    let body =
                        #"{"notification":{"title":"Hello","body":"all four"},"targets":[\#(targets.joined(separator: ","))]}"#
                    let response = try await gateway.request("POST", "/v1/notifications", body: body)
                    let id = try #require(response.json?["id"]?.stringValue, "\(response.status)")
                    accepted.append((vendor, id, ContinuousClock.now))
                }
                var figures: [String] = []
                for (vendor, id, start) in accepted {
                    _ = try await gateway.eventually("\(vendor): 1,000 delivered", timeout: .seconds(60)) {
                        () -> Bool? in
                        let status = try await gateway.request("GET", "/v1/notifications/\(id)")
                        return status.json?["counts"]?["delivered"]?.intValue == 1000 ? true : nil
                    }
                    figures.append("\(vendor) \(Int((ContinuousClock.now - start) / .milliseconds(1))) ms")
                }
                print(
                    "accepted → 1,000 delivered, per vendor (from its POST's 202): " + figures.joined(separator: ", "))
                // Each device got its push once; the batching vendors needed a few requests, not
                // 1,000 (a lease of 200 is shared fairly between the four lanes).
                #expect(world.simulator.counters().accepted == 1000)
                #expect(world.simulator.counters().duplicateAPNSIDs == 0)
                #expect(huawei.counters().tokensAccepted == 1000)
                #expect(huawei.counters().duplicates == 0)
                #expect(huawei.counters().requests <= 25)
                #expect(xiaomi.counters().tokensAccepted == 1000)
                #expect(xiaomi.counters().duplicates == 0)
                #expect(xiaomi.counters().requests <= 25)
                #expect(vivo.counters().tokensAccepted == 1000)
                #expect(vivo.counters().listPayloadsSaved <= 25)
            }
        }
    }
}
