import Foundation
import Logging
import PushgateCore
import Testing

@testable import PushgateHuawei

@Suite("apps[].huawei block")
struct HuaweiVendorTests {
    static func context(_ common: VendorCommonSettings = .init(), proxy: ProxySettings? = nil) -> VendorAdapterContext {
        VendorAdapterContext(
            appID: "shop", path: "apps[0].huawei", common: common, proxy: proxy, proxyPath: "proxies.p",
            logger: Logger(label: "t"))
    }

    @Test("every problem is named with its path")
    func problems() {
        var settings = HuaweiVendor.Settings(appID: "12ab", clientSecret: Secret(reference: ""))
        settings.category = "SPAM"
        settings.authEndpoint = "https://auth.example.com/oauth2/v3/token"
        var common = VendorCommonSettings()
        common.endpoint = "http://plain.example.com"
        let problems = HuaweiVendor().problems(settings, common: common, path: "apps[0].huawei")
        #expect(
            problems == [
                "apps[0].huawei.app_id: Huawei App IDs are 1…64 digits",
                "apps[0].huawei.client_secret: required",
                "apps[0].huawei.category: one of ACCOUNT, DEVICE_REMINDER, EXPRESS, FINANCE, HEALTH, IM, MAIL, MARKETING, PLAY_VOICE, SUBSCRIPTION, TRAVEL, VOIP, WORK",
                "apps[0].huawei.endpoint: expected https://host[:port]",
                "apps[0].huawei.auth_endpoint: expected https://host[:port]",
            ])
        let good = HuaweiVendor.Settings(appID: "10000001", clientSecret: Secret(reference: "${S}"))
        #expect(HuaweiVendor().problems(good, common: .init(), path: "p") == [])
    }

    @Test("the adapter's configuration: secret from the environment, endpoints, timeouts and connections")
    func configuration() throws {
        setenv("PUSHGATE_TEST_HUAWEI_SECRET", "from+env/=\n", 1)
        var settings = HuaweiVendor.Settings(
            appID: "10000001", clientSecret: Secret(reference: "${PUSHGATE_TEST_HUAWEI_SECRET}"))
        settings.authEndpoint = "https://127.0.0.1:9/"
        settings.testMessages = true
        var common = VendorCommonSettings()
        common.endpoint = "https://127.0.0.1:8/"
        common.connections = 3
        common.requestTimeout = ConfigDuration(.seconds(4))
        let configuration = try HuaweiVendor.configuration(settings, context: Self.context(common))
        #expect(configuration.clientSecret == "from+env/=")
        #expect(configuration.endpoint == "https://127.0.0.1:8")
        #expect(configuration.authEndpoint == "https://127.0.0.1:9")
        #expect(configuration.testMessages)
        #expect(configuration.transport.connections == 3)
        #expect(configuration.transport.requestTimeout == .seconds(4))
    }

    @Test("a TLS proxy is refused with its path; a plain one is used with its credentials")
    func proxies() throws {
        let settings = HuaweiVendor.Settings(appID: "10000001", clientSecret: Secret(reference: "s"))
        #expect(throws: PushgateError.self) {
            try HuaweiVendor.configuration(settings, context: Self.context(proxy: ProxySettings(url: "https://p:8443")))
        }
        var proxy = ProxySettings(url: "http://gw@proxy.example.com:3128")
        proxy.password = Secret(reference: "pw")
        let configuration = try HuaweiVendor.configuration(settings, context: Self.context(proxy: proxy))
        #expect(configuration.transport.proxy?.host == "proxy.example.com")
        #expect(configuration.transport.proxy?.username == "gw")
        #expect(configuration.transport.proxy?.password == "pw")
    }
}
