import PushgateAPNS
import Testing

@Suite struct APNSEndpointTests {
    @Test(arguments: [
        ("https://127.0.0.1:2197", "127.0.0.1", 2197),
        ("https://api.push.apple.com", "api.push.apple.com", 443),
        ("localhost:8443/", "localhost", 8443),
        ("https://[::1]:9000", "::1", 9000),
    ])
    func parses(text: String, host: String, port: Int) throws {
        let endpoint = try APNSConfiguration.Endpoint(parsing: text)
        #expect(endpoint.host == host)
        #expect(endpoint.port == port)
    }

    @Test(arguments: ["http://x:1", "https://x:0", "https://x:99999", "https://", "https://:443"])
    func rejects(text: String) {
        #expect(throws: (any Error).self) { try APNSConfiguration.Endpoint(parsing: text) }
    }
}
