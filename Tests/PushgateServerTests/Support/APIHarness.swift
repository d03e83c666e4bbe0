import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PushgateCore
import PushgateStore
import PushgateTestSupport
import Testing

@testable import PushgateServer

/// One gateway API over a real SQLite file in its own temporary folder, with two apps (`app-a`
/// and `app-b`) whose APNs adapter points at a running APNs simulator. Nothing dispatches:
/// what the API stored stays `queued`.
struct APIHarness: Sendable {
    static let keyA = "pg_test_app_a_6f1d8e2c9b4a7350"
    static let keyB = "pg_test_app_b_0c3e5a7f1b9d2468"

    let store: SQLiteDeliveryStore
    let apns: APNSSimulatorFixture
    let metrics: GatewayMetrics
    let api: APIContext

    static var quietLogger: Logger {
        var logger = Logger(label: "test.api")
        logger.logLevel = .critical
        return logger
    }

    /// Builds the harness, runs `body`, and tears everything down whatever happened.
    static func with<Result: Sendable>(
        limits: APILimits = .init(),
        clock: WallClock = .system,
        storeConfiguration: SQLiteDeliveryStore.Configuration = .init(),
        storePath: String? = nil,
        readiness: (@Sendable (SQLiteDeliveryStore) async -> [String])? = nil,
        _ body: (APIHarness) async throws -> Result
    ) async throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await SQLiteDeliveryStore.open(
            path: storePath ?? directory.path("queue.sqlite"), configuration: storeConfiguration,
            logger: Self.quietLogger)
        let apns: APNSSimulatorFixture
        do {
            apns = try await APNSSimulatorFixture.start()
        } catch {
            try await store.close()
            throw error
        }

        var appA = GatewayConfiguration.App(
            id: "app-a", apiKeys: [APIKeyHash(key: Self.keyA).stored],
            vendors: [.apns(topic: APNSSimulatorFixture.topic)])
        appA.defaultTTL = ConfigDuration(seconds: 3600)
        let appB = GatewayConfiguration.App(
            id: "app-b", apiKeys: [APIKeyHash(key: Self.keyB).stored],
            vendors: [.apns(topic: APNSSimulatorFixture.topic)])
        let router = ProviderRouter(adapters: [
            "app-a": [.apns: apns.adapter],
            "app-b": [.apns: apns.adapter],
        ])
        let metrics = GatewayMetrics()
        let api = APIContext(
            store: store,
            router: router,
            apps: AppDirectory(apps: [appA, appB]),
            metrics: metrics,
            limits: limits,
            readiness: { await readiness?(store) ?? [] },
            clock: clock,
            knownVendors: Set(TestVendors.standard.vendors),
            logger: Self.quietLogger
        )
        let harness = APIHarness(store: store, apns: apns, metrics: metrics, api: api)
        do {
            let result = try await body(harness)
            try await apns.stop()
            try await store.close()
            return result
        } catch {
            try? await apns.stop()
            try? await store.close()
            throw error
        }
    }

    /// A fresh application on an ephemeral loopback port (used by `.live`; `.router` does not bind).
    func application() -> some ApplicationProtocol {
        Application(
            router: GatewayAPI.makeRouter(context: self.api),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: Self.quietLogger
        )
    }

    /// An application on the same store whose apps have no vendor adapter any more (as after
    /// a configuration change removed them).
    func applicationWithoutAdapters() -> some ApplicationProtocol {
        let api = APIContext(
            store: self.api.store,
            router: ProviderRouter(adapters: ["app-a": [:], "app-b": [:]]),
            apps: self.api.apps,
            metrics: self.metrics,
            limits: self.api.limits,
            clock: self.api.clock,
            knownVendors: self.api.knownVendors,
            logger: Self.quietLogger
        )
        return Application(router: GatewayAPI.makeRouter(context: api), logger: Self.quietLogger)
    }

    /// Deliveries `queued` or `sending`: what the API has stored so far.
    func storedDeliveries() async throws -> Int {
        try await self.store.queueDepth()
    }

    // MARK: Request bodies

    static func body(
        tokens: [String],
        notification: String = #"{"title":"Hello","body":"World"}"#,
        options: String? = nil,
        extra: String = ""
    ) -> String {
        let targets = tokens.map { #"{"vendor":"apns","token":"\#($0)"}"# }.joined(separator: ",")
        let optionsMember = options.map { #","options":\#($0)"# } ?? ""
        return #"{"notification":\#(notification)\#(optionsMember),"targets":[\#(targets)]\#(extra)}"#
    }
}

extension TestClientProtocol {
    @discardableResult
    func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        key: String? = APIHarness.keyA,
        idempotencyKey: String? = nil,
        body: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        if let idempotencyKey { headers[TestHeaders.idempotencyKey] = idempotencyKey }
        if body != nil { headers[.contentType] = "application/json" }
        return try await self.execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    @discardableResult
    func post(_ body: String, key: String? = APIHarness.keyA, idempotencyKey: String? = nil) async throws
        -> TestResponse
    {
        try await self.send(.post, "/v1/notifications", key: key, idempotencyKey: idempotencyKey, body: body)
    }
}

enum TestHeaders {
    static let idempotencyKey = HTTPFields.Element.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPFields.Element.Name("Idempotent-Replayed")!
}

extension TestResponse {
    /// The body parsed as JSON (through the server's own strict parser).
    func json() throws -> JSONValue {
        try JSONParser.parse(Array(self.body.readableBytesView))
    }

    var bytes: [UInt8] { Array(self.body.readableBytesView) }

    var text: String { String(buffer: self.body) }

    /// Checks the response is a problem document of `slug` with `status`; returns it.
    @discardableResult
    func expectProblem(_ slug: String, status: Int, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> JSONValue
    {
        #expect(self.status.code == status, "status", sourceLocation: sourceLocation)
        #expect(self.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let document = try self.json()
        #expect(
            document["type"]?.stringValue == "https://pushgate.dev/problems/\(slug)", sourceLocation: sourceLocation)
        #expect(document["status"]?.intValue == status, sourceLocation: sourceLocation)
        #expect(document["title"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(document["detail"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        return document
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? { self.objectValue?[key] }

    subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    var intValue: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The `field` of each entry of a problem's `errors`.
    var errorFields: [String] {
        (self["errors"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
}

extension TestResponse {
    /// The notification id of a 202 body.
    func acceptedID() throws -> UUID {
        guard let text = try self.json()["id"]?.stringValue, let id = UUID(uuidString: text) else {
            throw TestFailure(description: "no notification id in \(self.status.code): \(self.text)")
        }
        return id
    }
}
