import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import PushgateAPNS
import PushgateCore
import PushgateSimulator
import PushgateStore
import PushgateTestSupport
import ServiceLifecycle
import Testing

@testable import PushgateServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The gateway as `pushgate serve` assembles it (`GatewayServices.make`): a real SQLite file, the APNs simulator over
/// TLS on loopback, the REST API live on an ephemeral port, the dispatcher and webhook sender running in a
/// `ServiceGroup`, and requests over real HTTP. Every test ends with a graceful shutdown that must return.
@Suite("Gateway end to end", .timeLimit(.minutes(1)))
struct GatewayEndToEndTests {
    @Test("accepted → delivered, visible in GET with one attempt and the vendor's 200")
    func acceptedToDelivered() async throws {
        try await EndToEnd.with { world in
            try await world.run { gateway in
                let accepted = try await gateway.post(tokens: [EndToEnd.token()])
                let delivery = try await gateway.eventually("delivered") {
                    try await gateway.delivery(accepted.id, where: { $0["state"]?.stringValue == "delivered" })
                }
                #expect(delivery["attempts"]?.intValue == 1)
                #expect(delivery["last_outcome"]?["kind"]?.stringValue == "delivered")
                #expect(delivery["last_outcome"]?["vendor_status"]?.intValue == 200)
                #expect(world.simulator.acceptedCount(apnsID: accepted.deliveryIDs[0]) == 1)
            }
        }
    }

    @Test(
        "hand-off after commit: accepted deliveries go to the dispatcher in memory, never leased back from the store",
        arguments: [true, false], [false, true])
    func handOffAfterCommit(handOff: Bool, batch: Bool) async throws {
        try await EndToEnd.with { world in
            var configuration = world.configuration()
            configuration.dispatcher.handOff = handOff
            try await world.run(configuration) { gateway in
                var accepted: [Accepted] = []
                if batch {
                    // One request: its 20 items are handed off together.
                    accepted = try await gateway.postBatch(tokens: (0..<20).map { _ in EndToEnd.token() })
                } else {
                    for _ in 0..<20 { accepted.append(try await gateway.post(tokens: [EndToEnd.token()])) }
                }
                #expect(accepted.count == 20)
                for one in accepted {
                    _ = try await gateway.eventually("delivered") {
                        try await gateway.delivery(one.id, where: { $0["state"]?.stringValue == "delivered" })
                    }
                    #expect(world.simulator.acceptedCount(apnsID: one.deliveryIDs[0]) == 1)
                }
                let metrics = gateway.services.metrics.text
                let handedOff = #"pushgate_dispatcher_taken_total{source="hand_off"} "#
                let leased = #"pushgate_dispatcher_taken_total{source="lease"} "#
                #expect(metrics.contains(handedOff + (handOff ? "20" : "0")), "\(metrics)")
                #expect(metrics.contains(leased + (handOff ? "0" : "20")), "\(metrics)")
            }
        }
    }

    @Test("503 then success: retried with the same apns-id, delivered after two attempts")
    func serviceUnavailableThenDelivered() async throws {
        try await EndToEnd.with { world in
            var configuration = world.configuration()
            configuration.apps[0].retry.initialBackoff = ConfigDuration(seconds: 0.1)
            try await world.run(configuration) { gateway in
                let accepted = try await gateway.post(tokens: [EndToEnd.token(prefix: "5031a000")])
                let delivery = try await gateway.eventually("delivered") {
                    try await gateway.delivery(accepted.id, where: { $0["state"]?.stringValue == "delivered" })
                }
                #expect(delivery["attempts"]?.intValue == 2)
                #expect(delivery["last_outcome"]?["vendor_status"]?.intValue == 200)
                let counters = world.simulator.counters()
                #expect(counters.rejected == ["ServiceUnavailable": 1])
                #expect(counters.requests == 2)
                // The rejected attempt and the accepted one carried the same apns-id: it was accepted once.
                #expect(world.simulator.acceptedCount(apnsID: accepted.deliveryIDs[0]) == 1)
                #expect(counters.duplicateAPNSIDs == 0)
            }
        }
    }

    @Test("410 → invalid_token, listed in the feed with since, and signed webhook events (retried after a 503)")
    func invalidTokenFeedAndWebhook() async throws {
        try await EndToEnd.with { world in
            try await WebhookReceiver.run(failFirst: 1) { receiver in
                var configuration = world.configuration()
                let secret = "whsec_e2e_" + UUID().uuidString
                configuration.apps[0].webhook = GatewayConfiguration.Webhook(
                    url: receiver.url, secret: Secret(reference: secret))
                var webhookTiming = WebhookSender.Configuration()
                webhookTiming.pollInterval = .milliseconds(50)
                webhookTiming.initialBackoff = .milliseconds(100)
                try await world.run(configuration, webhooks: webhookTiming) { gateway in
                    #expect(gateway.services.webhooks != nil)
                    let token = EndToEnd.token(prefix: "41000000")
                    let accepted = try await gateway.post(tokens: [token])
                    let delivery = try await gateway.eventually("invalid_token") {
                        try await gateway.delivery(accepted.id, where: { $0["state"]?.stringValue == "invalid_token" })
                    }
                    #expect(delivery["attempts"]?.intValue == 1)
                    #expect(delivery["last_outcome"]?["vendor_status"]?.intValue == 410)

                    let feed = try await gateway.request("GET", "/v1/invalid-tokens?after=0")
                    #expect(feed.status == 200)
                    let entry = try #require(feed.json?["tokens"]?[0])
                    #expect(entry["vendor"]?.stringValue == "apns")
                    #expect(entry["token"]?.stringValue == token)
                    #expect(entry["reason"]?.stringValue == "Unregistered")
                    // The simulator's 410 timestamp, a moment ago.
                    let since = try #require(entry["since"]?.stringValue.flatMap(RFC3339.parse))
                    #expect(abs(since.timeIntervalSinceNow) < 60)

                    // One event of each type acknowledged with a 2xx; the first request got a 503 and was retried.
                    let events = try await gateway.eventually("both events acknowledged") { () -> [ReceivedWebhook]? in
                        let acknowledged = await receiver.inbox.requests.filter(\.acknowledged)
                        return acknowledged.count >= 2 ? acknowledged : nil
                    }
                    let all = await receiver.inbox.requests
                    #expect(all.count == 3)
                    #expect(all[0].acknowledged == false)
                    #expect(
                        all[0].eventID == all[1].eventID || all[0].eventID == all[2].eventID, "the retry keeps its id")
                    #expect(Set(events.compactMap(\.eventID)).count == 2)

                    let key = SymmetricKey(data: Array(secret.utf8))
                    let otherKey = SymmetricKey(data: Array("other".utf8))
                    for request in all {
                        #expect(request.contentType == "application/json")
                        #expect(EndToEnd.signatureIsValid(request.signature, body: request.body, key: key))
                        #expect(!EndToEnd.signatureIsValid(request.signature, body: request.body, key: otherKey))
                    }
                    let bodies = try events.map { try JSONParser.parse($0.body) }
                    let invalid = try #require(bodies.first { $0["type"]?.stringValue == "invalid_token" })
                    #expect(invalid["token"]?.stringValue == token)
                    #expect(invalid["reason"]?.stringValue == "Unregistered")
                    #expect(invalid["app"]?.stringValue == EndToEnd.appID)
                    #expect(invalid["since"]?.stringValue != nil)
                    let final = try #require(bodies.first { $0["type"]?.stringValue == "delivery.final" })
                    #expect(final["delivery_id"]?.stringValue == accepted.deliveryIDs[0])
                    #expect(final["notification_id"]?.stringValue == accepted.id)
                    #expect(final["state"]?.stringValue == "invalid_token")
                    #expect(final["attempts"]?.intValue == 1)
                    #expect(final["last_outcome"]?["vendor_status"]?.intValue == 410)
                }
            }
        }
    }

    @Test("BadDeviceToken (environment not verified) → failed, and the token is not reported dead")
    func permanentFailure() async throws {
        try await EndToEnd.with { world in
            try await world.run { gateway in
                let accepted = try await gateway.post(tokens: [EndToEnd.token(prefix: "40000000")])
                let delivery = try await gateway.eventually("failed") {
                    try await gateway.delivery(accepted.id, where: { $0["state"]?.stringValue == "failed" })
                }
                #expect(delivery["attempts"]?.intValue == 1)
                #expect(delivery["last_outcome"]?["kind"]?.stringValue == "permanent")
                #expect(delivery["last_outcome"]?["vendor_status"]?.intValue == 400)
                #expect(world.simulator.counters().rejected == ["BadDeviceToken": 1])
                let feed = try await gateway.request("GET", "/v1/invalid-tokens")
                #expect(feed.json?["tokens"]?.arrayValue?.isEmpty == true)
            }
        }
    }

    @Test("retries that outlive the TTL end expired")
    func ttlExpiry() async throws {
        try await EndToEnd.with { world in
            var configuration = world.configuration()
            configuration.apps[0].retry.initialBackoff = ConfigDuration(seconds: 1)
            try await world.run(configuration) { gateway in
                // Long enough for the first connection on a loaded machine; short enough to run out.
                let accepted = try await gateway.post(
                    tokens: [EndToEnd.token(prefix: "50300000")], options: #"{"ttl":6}"#)
                let delivery = try await gateway.eventually("expired") {
                    try await gateway.delivery(accepted.id, where: { $0["state"]?.stringValue == "expired" })
                }
                let attempts = try #require(delivery["attempts"]?.intValue)
                #expect(attempts >= 1)
                #expect(world.simulator.counters().rejected["ServiceUnavailable"] == attempts)
                #expect(world.simulator.counters().accepted == 0)
            }
        }
    }

    @Test("DELETE before the dispatcher gets to it → cancelled, and the vendor never sees it")
    func cancelBeforeSending() async throws {
        try await EndToEnd.with { world in
            // The API runs without the dispatcher, so nothing is sent until it starts.
            try await world.run(world.configuration(), dispatcher: false) { gateway in
                let doomed = try await gateway.post(tokens: [EndToEnd.token(), EndToEnd.token()])
                let control = try await gateway.post(tokens: [EndToEnd.token()])
                let cancelled = try await gateway.request("DELETE", "/v1/notifications/\(doomed.id)")
                #expect(cancelled.status == 200)
                #expect(cancelled.json?["counts"] == .object(["cancelled": .integer(2)]))

                let dispatcher = ServiceGroup(services: [gateway.services.dispatcher], logger: EndToEnd.logger)
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await dispatcher.run() }
                    _ = try await gateway.eventually("the control notification delivered") {
                        try await gateway.delivery(control.id, where: { $0["state"]?.stringValue == "delivered" })
                    }
                    await dispatcher.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
                let document = try await gateway.request("GET", "/v1/notifications/\(doomed.id)")
                let states = document.json?["deliveries"]?.arrayValue?.compactMap { $0["state"]?.stringValue }
                #expect(states == ["cancelled", "cancelled"])
                for id in doomed.deliveryIDs { #expect(world.simulator.acceptedCount(apnsID: id) == 0) }
                #expect(world.simulator.counters().requests == 1)
            }
        }
    }

    @Test("graceful shutdown mid-flight returns; a restart on the same database delivers the rest")
    func gracefulShutdownAndRestart() async throws {
        // Every answer takes 100 ms and the app sends 20 at a time: ~200 a second, so 600 take ~3 s.
        try await EndToEnd.with(faults: [.init(tokenPrefix: "ab", fault: .delay(.milliseconds(100)))]) { world in
            var configuration = world.configuration()
            configuration.apps[0].rateLimit.concurrency = 20
            configuration.apps[0].retry.initialBackoff = ConfigDuration(seconds: 0.1)
            configuration.dispatcher.shutdownGrace = ConfigDuration(seconds: 0.5)
            configuration.dispatcher.lease = ConfigDuration(seconds: 10)
            var notifications: [Accepted] = []
            try await world.run(configuration) { gateway in
                for batch in 0..<6 {
                    let tokens = (0..<100).map { index in
                        "ab" + String(format: "%04x%02x", batch, index) + String(repeating: "c", count: 56)
                    }
                    notifications.append(try await gateway.post(tokens: tokens))
                }
                _ = try await gateway.eventually("some deliveries accepted by APNs") {
                    world.simulator.counters().accepted >= 60 ? true : nil
                }
            }
            // `run` returned: the graceful shutdown completed.
            let acceptedBeforeRestart = world.simulator.counters().accepted
            #expect(acceptedBeforeRestart < 600, "the shutdown must come while deliveries are pending")

            try await world.run(configuration) { gateway in
                _ = try await gateway.eventually("all 600 delivered", timeout: .seconds(12)) { () -> Bool? in
                    var delivered = 0
                    for notification in notifications {
                        let document = try await gateway.request("GET", "/v1/notifications/\(notification.id)")
                        delivered += document.json?["counts"]?["delivered"]?.intValue ?? 0
                    }
                    return delivered == 600 ? true : nil
                }
            }
            let counters = world.simulator.counters()
            for id in notifications.flatMap(\.deliveryIDs) {
                #expect(world.simulator.acceptedCount(apnsID: id) >= 1, "delivery \(id) was never sent")
            }
            // Each resend is a duplicate of an id APNs had already accepted, and only sends cut off in flight
            // (at most the app's concurrency) can have been resent.
            #expect(counters.accepted == 600 + counters.duplicateAPNSIDs)
            #expect(counters.duplicateAPNSIDs <= 20)
        }
    }
}

// MARK: - Support

/// A notification as the API accepted it.
struct Accepted: Sendable {
    var id: String
    var deliveryIDs: [String]
}

/// The simulator, certificates and a temporary folder for one test; gateways run on top with `run`.
struct EndToEnd: Sendable {
    static let appID = "e2e"
    static let keyID = "E2EKEY1234"
    static let teamID = "E2ETEAM123"
    static let topic = "com.example.e2e"

    static var logger: Logger {
        var logger = Logger(label: "test.e2e")
        // PUSHGATE_TEST_LOG=debug shows the gateway's logs when a test needs explaining.
        let level = ProcessInfo.processInfo.environment["PUSHGATE_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) }
        logger.logLevel = level ?? .critical
        return logger
    }

    let simulator: APNSSimulator
    let directory: TemporaryDirectory
    let apiKey: String
    let signingKeyPEM: String
    let caFile: String

    static func with(
        faults: [APNSSimulator.FaultRule] = [],
        _ body: (EndToEnd) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certificates = try DevelopmentCertificates.make()
        let key = P256.Signing.PrivateKey()
        var simulatorConfiguration = APNSSimulator.Configuration(certificates: certificates)
        simulatorConfiguration.tokenKeys = [Self.keyID: key.publicKey]
        simulatorConfiguration.teamID = Self.teamID
        simulatorConfiguration.eventLoopThreads = 1
        simulatorConfiguration.faults = faults + APNSSimulator.FaultRule.defaults
        let simulator = try await APNSSimulator.start(configuration: simulatorConfiguration, logger: Self.logger)
        let caFile = directory.path("simulator-ca.pem")
        let world = EndToEnd(
            simulator: simulator,
            directory: directory,
            apiKey: "pg_e2e_" + UUID().uuidString.replacingOccurrences(of: "-", with: ""),
            signingKeyPEM: key.pemRepresentation,
            caFile: caFile
        )
        do {
            try certificates.caCertificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
            try await body(world)
        } catch {
            try? await simulator.shutdown()
            throw error
        }
        try await simulator.shutdown()
    }

    /// One app on the simulator, the API on an ephemeral port, the store in this test's folder (the same file every
    /// time, so a second `run` is a restart).
    func configuration() -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        configuration.listen = "127.0.0.1:0"
        configuration.store = "sqlite:" + self.directory.path("pushgate.db")
        var apns = APNSVendor.Settings(topic: Self.topic)
        apns.key = Secret(reference: self.signingKeyPEM)
        apns.keyID = Self.keyID
        apns.teamID = Self.teamID
        var common = VendorCommonSettings()
        common.endpoint = "https://127.0.0.1:\(self.simulator.port)"
        common.caFile = self.caFile
        common.connections = 1
        // Shorter than the 10 s lease the restart test uses (a lease must outlast a send).
        common.requestTimeout = ConfigDuration(.seconds(5))
        var app = GatewayConfiguration.App(
            id: Self.appID, apiKeys: [APIKeyHash(key: self.apiKey).stored], vendors: [.apns(apns, common: common)])
        app.defaultTTL = ConfigDuration(seconds: 3600)
        configuration.apps = [app]
        return configuration
    }

    func run(
        _ configuration: GatewayConfiguration? = nil,
        dispatcher: Bool = true,
        webhooks: WebhookSender.Configuration = .init(),
        registry: VendorRegistry = TestVendors.standard,
        _ body: (RunningGateway) async throws -> Void
    ) async throws {
        try await RunningGateway.run(
            configuration ?? self.configuration(),
            apiKey: self.apiKey,
            dispatcher: dispatcher,
            webhooks: webhooks,
            registry: registry,
            body
        )
    }

    /// A well-formed device token (64 hex digits) starting with `prefix`; the rest avoids every fault prefix.
    static func token(prefix: String = "") -> String {
        let filler = Array("0123456789abcdef")
        var token = prefix
        // Start the random part with a digit no default fault prefix begins with.
        if token.isEmpty { token = "7" }
        while token.count < 64 { token.append(filler[Int.random(in: 0..<16)]) }
        return token
    }

    /// Checks `t=<seconds>,v1=<hex>` independently of `WebhookSignature`: HMAC-SHA256 over "<t>.<body>".
    static func signatureIsValid(_ header: String?, body: [UInt8], key: SymmetricKey) -> Bool {
        guard let header else { return false }
        var fields: [String: String] = [:]
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { fields[pair[0]] = pair[1] }
        }
        guard let t = fields["t"], let seconds = TimeInterval(t), abs(seconds - Date().timeIntervalSince1970) < 300,
            let v1 = fields["v1"]
        else { return false }
        let expected = HMAC<SHA256>.authenticationCode(for: Array("\(t).".utf8) + body, using: key)
        return v1 == expected.map { String(format: "%02x", $0) }.joined()
    }
}

/// The gateway's services running in a `ServiceGroup`, and an HTTP client for its API.
struct RunningGateway: Sendable {
    let services: GatewayServices
    let port: Int
    let apiKey: String

    struct Response: Sendable {
        var status: Int
        var json: JSONValue?
    }

    /// Makes the services, runs them until `body` returns, then triggers a graceful shutdown and requires the group
    /// to return within 15 s.
    static func run(
        _ configuration: GatewayConfiguration,
        apiKey: String,
        dispatcher: Bool,
        webhooks: WebhookSender.Configuration,
        registry: VendorRegistry,
        _ body: (RunningGateway) async throws -> Void
    ) async throws {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        let services = try await GatewayServices.make(
            configuration: configuration,
            registry: registry,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: EndToEnd.logger,
            webhookConfiguration: webhooks,
            onListening: { port in
                portContinuation.yield(port)
                portContinuation.finish()
            }
        )
        let running = dispatcher ? services.services : services.services.filter { !($0 is Dispatcher) }
        let group = ServiceGroup(services: running, logger: EndToEnd.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let port = try await withDeadline(.seconds(10), "the API did not start listening") {
                    var iterator = ports.makeAsyncIterator()
                    guard let port = await iterator.next() else { throw TestFailure(description: "no port") }
                    return port
                }
                try await body(RunningGateway(services: services, port: port, apiKey: apiKey))
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            // Whichever ends first: the group returning (success) or the deadline (failure).
            tasks.addTask {
                try await Task.sleep(for: .seconds(15))
                throw TestFailure(description: "the service group did not return after graceful shutdown")
            }
            try await tasks.next()
            tasks.cancelAll()
        }
    }

    func request(_ method: String, _ path: String, body: String? = nil) async throws -> Response {
        guard let url = URL(string: "http://127.0.0.1:\(self.port)\(path)") else {
            throw TestFailure(description: "bad path \(path)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 10
        request.setValue("Bearer \(self.apiKey)", forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Response(
            status: (response as? HTTPURLResponse)?.statusCode ?? 0,
            json: try? JSONParser.parse(Array(data))
        )
    }

    func post(tokens: [String], options: String? = nil) async throws -> Accepted {
        let body = APIHarness.body(tokens: tokens, options: options)
        let response = try await self.request("POST", "/v1/notifications", body: body)
        guard response.status == 202, let id = response.json?["id"]?.stringValue,
            let deliveries = response.json?["deliveries"]?.arrayValue
        else {
            throw TestFailure(description: "POST answered \(response.status): \(String(describing: response.json))")
        }
        return Accepted(id: id, deliveryIDs: deliveries.compactMap { $0["id"]?.stringValue })
    }

    /// One `POST /v1/notifications:batch` with a single-device item per token; every item must
    /// be accepted.
    func postBatch(tokens: [String]) async throws -> [Accepted] {
        let items = tokens.map { APIHarness.body(tokens: [$0], options: nil) }.joined(separator: ",")
        let response = try await self.request(
            "POST", "/v1/notifications:batch", body: #"{"notifications":["# + items + "]}")
        guard response.status == 200, let results = response.json?["results"]?.arrayValue else {
            throw TestFailure(description: "batch answered \(response.status): \(String(describing: response.json))")
        }
        return try results.map { result in
            guard result["status"]?.intValue == 202, let id = result["result"]?["id"]?.stringValue,
                let deliveries = result["result"]?["deliveries"]?.arrayValue
            else { throw TestFailure(description: "batch item: \(result)") }
            return Accepted(id: id, deliveryIDs: deliveries.compactMap { $0["id"]?.stringValue })
        }
    }

    /// The notification's first delivery if it satisfies `condition`.
    func delivery(_ notificationID: String, where condition: (JSONValue) -> Bool) async throws -> JSONValue? {
        let response = try await self.request("GET", "/v1/notifications/\(notificationID)")
        guard let delivery = response.json?["deliveries"]?[0], condition(delivery) else { return nil }
        return delivery
    }

    /// Polls `check` every 50 ms until it gives a value; fails after `timeout` (never a timed assertion).
    func eventually<T: Sendable>(
        _ what: String,
        timeout: Duration = .seconds(10),
        _ check: () async throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = try await check() { return value }
            guard ContinuousClock.now < deadline else { throw TestFailure(description: "timed out waiting: \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Runs `operation`, failing with `message` if it takes longer than `limit`.
func withDeadline<T: Sendable>(
    _ limit: Duration,
    _ message: String,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TestFailure(description: message)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TestFailure(description: message) }
        return first
    }
}

/// One request the webhook receiver got.
struct ReceivedWebhook: Sendable {
    var eventID: String?
    var signature: String?
    var contentType: String?
    var body: [UInt8]
    /// Whether it was answered with a 2xx.
    var acknowledged: Bool
}

/// A webhook endpoint on an ephemeral port: records every request and answers 503 to the first `failFirst`.
struct WebhookReceiver: Sendable {
    actor Inbox {
        private(set) var requests: [ReceivedWebhook] = []
        private let failFirst: Int

        init(failFirst: Int) { self.failFirst = failFirst }

        /// Records the request; returns whether to acknowledge it.
        func receive(_ request: ReceivedWebhook) -> Bool {
            var request = request
            request.acknowledged = self.requests.count >= self.failFirst
            self.requests.append(request)
            return request.acknowledged
        }
    }

    let url: String
    let inbox: Inbox

    static func run(failFirst: Int = 0, _ body: (WebhookReceiver) async throws -> Void) async throws {
        let inbox = Inbox(failFirst: failFirst)
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            func header(_ name: String) -> String? {
                request.headers.first { $0.name.canonicalName == name }?.value
            }
            let body = try await request.body.collect(upTo: 1 << 20)
            let received = ReceivedWebhook(
                eventID: header("pushgate-event-id"),
                signature: header("pushgate-signature"),
                contentType: header("content-type"),
                body: Array(body.readableBytesView),
                acknowledged: false
            )
            return await inbox.receive(received) ? .noContent : .serviceUnavailable
        }
        try await LiveServer.run(router: router) { port in
            try await body(WebhookReceiver(url: "http://127.0.0.1:\(port)/hook", inbox: inbox))
        }
    }
}

/// A Hummingbird application on an ephemeral loopback port for the duration of `body`.
enum LiveServer {
    static func run(router: Router<BasicRequestContext>, _ body: (Int) async throws -> Void) async throws {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: EndToEnd.logger
        )
        let group = ServiceGroup(services: [application], logger: EndToEnd.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let port = try await withDeadline(.seconds(10), "the test server did not start") {
                    var iterator = ports.makeAsyncIterator()
                    guard let port = await iterator.next() else { throw TestFailure(description: "no port") }
                    return port
                }
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
