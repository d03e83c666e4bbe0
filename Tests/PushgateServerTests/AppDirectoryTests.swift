import PushgateCore
import Testing

@testable import PushgateServer

@Suite("AppDirectory")
struct AppDirectoryTests {
    private let directory: AppDirectory = {
        var first = GatewayConfiguration.App(
            id: "first", apiKeys: [APIKeyHash(key: "key-one").stored, APIKeyHash(key: "key-two").stored],
            vendors: [.apns(topic: "com.example")])
        first.defaultTTL = ConfigDuration(seconds: 120)
        let second = GatewayConfiguration.App(
            id: "second", apiKeys: [APIKeyHash(key: "key-three").stored, "not-a-hash"])
        return AppDirectory(apps: [first, second])
    }()

    @Test(
        "a Bearer key authenticates its app",
        arguments: [
            ("Bearer key-one", "first"), ("Bearer key-two", "first"), ("bearer key-three", "second"),
            ("BEARER   key-three  ", "second"), ("\t bEaReR key-one\t", "first"),
        ])
    func authenticates(_ header: String, _ app: String) {
        #expect(self.directory.authenticate(authorizationHeader: header)?.id == app)
    }

    @Test(
        "anything else does not",
        arguments: [
            nil, "", "Bearer", "Bearer ", "key-one", "Basic key-one", "Bearer key-one extra", "Bearerkey-one",
            "Bearer KEY-ONE", "Bearer not-a-hash", "Bearer sha256:", "Bearer\tkey-one", "Bëarer key-one", "Bearer \t ",
            "Bearer key-one\u{301}",
        ] as [String?])
    func refuses(_ header: String?) {
        #expect(self.directory.authenticate(authorizationHeader: header) == nil)
    }

    @Test("a key configured for two apps authenticates neither (the loader refuses such a file)")
    func sharedKeyFailsClosed() {
        let shared = APIKeyHash(key: "key-shared").stored
        let directory = AppDirectory(apps: [
            GatewayConfiguration.App(id: "one", apiKeys: [shared]),
            GatewayConfiguration.App(id: "two", apiKeys: [shared, APIKeyHash(key: "key-two-only").stored]),
        ])
        #expect(directory.authenticate(authorizationHeader: "Bearer key-shared") == nil)
        #expect(directory.authenticate(authorizationHeader: "Bearer key-two-only")?.id == "two")
    }

    @Test("settings carry the app's id, default TTL and vendors, never its keys")
    func settings() throws {
        let first = try #require(self.directory.authenticate(authorizationHeader: "Bearer key-one"))
        #expect(first == AppSettings(id: "first", defaultTTL: .seconds(120), vendors: [.apns]))
        #expect(self.directory.apps.map(\.id) == ["first", "second"])
        #expect(self.directory.apps.last?.vendors.isEmpty == true)
    }
}
