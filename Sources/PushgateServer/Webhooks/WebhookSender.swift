import Crypto
import Foundation
import Logging
import NIOConcurrencyHelpers
import PushgateCore
import PushgateStore
import ServiceLifecycle

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends the webhook outbox: the `invalid_token` and `delivery.final` events the dispatcher queued in the store (in
/// the same transaction as the outcome they report) are leased, POSTed to their app's webhook URL, signed with the
/// app's secret (`WebhookSignature`), and completed in batches.
///
/// Each request carries `Content-Type: application/json`, `Pushgate-Event-Id: <id>` (the same on every attempt, for
/// the receiver to drop duplicates: delivery is at least once) and `Pushgate-Signature`. A 2xx answer completes the
/// event; any other status (redirects included: a signed body is not followed to another place) or a transport
/// failure retries it after an exponential backoff with jitter (1 s doubling to 10 min, ±20 %, or the receiver's
/// `Retry-After` seconds if longer), up to 12 attempts in about half an hour, after which the event is dropped and
/// logged. Logs name the event id, app and status, never the secret or the body (which holds device tokens).
/// Events are sent concurrently (up to `maxInFlight`), so receivers must not rely on their order.
///
/// HTTP goes through Foundation's `URLSession` (libcurl on Linux): webhooks are one HTTP/1.1 JSON POST each, for
/// which it is enough, and it brings no new dependency. The 10 s deadline is enforced here as well as in the
/// request, because `URLRequest.timeoutInterval` is an idle timeout, not a bound on the whole exchange.
package final class WebhookSender: Service, Sendable {
    package struct Configuration: Sendable {
        /// How often the outbox is checked when nothing signals new events.
        package var pollInterval: Duration = .milliseconds(250)
        /// The deadline of one request, connection included.
        package var requestTimeout: Duration = .seconds(10)
        /// Attempts per event before it is given up.
        package var maxAttempts: Int = 12
        package var initialBackoff: Duration = .seconds(1)
        package var maxBackoff: Duration = .seconds(600)
        /// Events leased per store round trip.
        package var batchSize: Int = 64
        /// Requests in flight across all apps.
        package var maxInFlight: Int = 64
        /// A leased event not completed within this is due again (crash). Must exceed `requestTimeout`.
        package var leaseDuration: Duration = .seconds(60)

        package init() {}
    }

    /// Where one app's events go, with its signing key (the secret, resolved once at start).
    package struct Endpoint: Sendable {
        package var url: URL
        let key: SymmetricKey

        package init(url: URL, secret: String) {
            self.url = url
            self.key = WebhookSignature.key(secret: secret)
        }
    }

    /// What one attempt came to, for `decide`.
    enum AttemptResult: Sendable, Hashable {
        /// The receiver answered; `retryAfter` from its `Retry-After` seconds, if any.
        case status(Int, retryAfter: Duration?)
        /// No answer (connection, TLS, timeout); the summary is safe to log.
        case transportFailure(String)
    }

    enum Decision: Sendable, Hashable {
        case sent
        case retry(at: Date)
        case failed
    }

    private struct State {
        var inFlight = 0
        var sent: [Int64] = []
        var retry: [(id: Int64, nextAttemptAt: Date)] = []
        var failed: [Int64] = []
    }

    private let store: any DeliveryStore
    private let endpoints: [String: Endpoint]
    private let configuration: Configuration
    private let transport: any WebhookTransport
    private let clock: WallClock
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    private let wakeup = Wakeup()

    init(
        store: any DeliveryStore,
        endpoints: [String: Endpoint],
        configuration: Configuration,
        transport: any WebhookTransport,
        clock: WallClock = .system,
        logger: Logger
    ) {
        self.store = store
        self.endpoints = endpoints
        self.configuration = configuration
        self.transport = transport
        self.clock = clock
        self.logger = logger
    }

    package convenience init(
        store: any DeliveryStore,
        endpoints: [String: Endpoint],
        configuration: Configuration = .init(),
        clock: WallClock = .system,
        logger: Logger
    ) {
        self.init(
            store: store,
            endpoints: endpoints,
            configuration: configuration,
            transport: URLSessionWebhookTransport(),
            clock: clock,
            logger: logger
        )
    }

    /// Each app's webhook with its secret resolved now, so a missing variable or file fails the start, not the
    /// first event. Problems name their place in the configuration.
    package static func endpoints(
        apps: [GatewayConfiguration.App],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [String: Endpoint] {
        var endpoints: [String: Endpoint] = [:]
        for (index, app) in apps.enumerated() {
            guard let webhook = app.webhook else { continue }
            let path = "apps[\(index)].webhook"
            guard let url = URL(string: webhook.url), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https", url.host != nil
            else {
                throw PushgateError.invalidConfiguration("\(path).url: expected an http:// or https:// URL")
            }
            let secret: String
            do {
                secret = try webhook.secret.resolve(environment: environment)
            } catch {
                throw PushgateError.invalidConfiguration("\(path).secret: \(error)")
            }
            guard !secret.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw PushgateError.invalidConfiguration("\(path).secret: must not be empty")
            }
            endpoints[app.id] = Endpoint(url: url, secret: secret)
        }
        return endpoints
    }

    /// New events were queued: look at the outbox now instead of at the next poll.
    package func signal() {
        self.wakeup.signal()
    }

    package func run() async throws {
        await withDiscardingTaskGroup { sends in
            await withGracefulShutdownHandler {
                await self.leaseLoop(sends: &sends)
            } onGracefulShutdown: {
                self.wakeup.signal()
            }
            // Leaving the group waits for the requests in flight; each is bounded by `requestTimeout`, so shutdown
            // is too. Events leased but cut off by cancellation stay leased and are sent again when it expires.
        }
        await self.flush()
        self.transport.shutdown()
        self.logger.info("webhook sender stopped")
    }

    private func leaseLoop(sends: inout DiscardingTaskGroup) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await self.flush()
            let free = self.configuration.maxInFlight - self.state.withLockedValue { $0.inFlight }
            let limit = min(self.configuration.batchSize, free)
            var leased: [WebhookEvent] = []
            if limit > 0 {
                do {
                    leased = try await self.store.leaseWebhookEvents(
                        limit: limit,
                        now: self.clock.now(),
                        leaseDuration: self.configuration.leaseDuration
                    )
                } catch {
                    self.logger.error("could not lease webhook events", metadata: ["error": "\(error)"])
                }
            }
            if !leased.isEmpty {
                self.state.withLockedValue { $0.inFlight += leased.count }
                for event in leased {
                    sends.addTask {
                        let decision = await self.deliver(event)
                        self.finished(event.id, decision)
                    }
                }
            }
            // A full batch means more may be due: go again at once (the flush at the top also records results).
            if limit > 0 && leased.count == limit { continue }
            await self.wakeup.wait(timeout: self.configuration.pollInterval)
        }
    }

    private func finished(_ id: Int64, _ decision: Decision?) {
        self.state.withLockedValue { state in
            state.inFlight -= 1
            switch decision {
            case .sent: state.sent.append(id)
            case .retry(let at): state.retry.append((id: id, nextAttemptAt: at))
            case .failed: state.failed.append(id)
            case nil: break  // cancelled: left leased, due again when the lease expires
            }
        }
        self.wakeup.signal()
    }

    /// Writes the results gathered since the last flush, in one transaction.
    private func flush() async {
        let (sent, retry, failed) = self.state.withLockedValue { state in
            defer {
                state.sent = []
                state.retry = []
                state.failed = []
            }
            return (state.sent, state.retry, state.failed)
        }
        guard !sent.isEmpty || !retry.isEmpty || !failed.isEmpty else { return }
        do {
            try await self.store.completeWebhookEvents(sent: sent, retry: retry, failed: failed)
        } catch {
            // The leases expire and the events are sent again: at least once, never lost.
            self.logger.error(
                "could not record webhook results",
                metadata: ["error": "\(error)", "push.count": "\(sent.count + retry.count + failed.count)"]
            )
        }
    }

    /// One attempt for one event; nil when cancelled before an answer.
    private func deliver(_ event: WebhookEvent) async -> Decision? {
        var logger = self.logger
        logger[metadataKey: "webhook.event_id"] = "\(event.id)"
        logger[metadataKey: "push.app"] = "\(event.appID)"
        let attempt = event.attempts + 1
        logger[metadataKey: "webhook.attempt"] = "\(attempt)"
        guard let endpoint = self.endpoints[event.appID] else {
            // The app's webhook was removed from the configuration since the event was queued.
            logger.warning("webhook event dropped: the app has no webhook configured")
            return .failed
        }
        let timestamp = Int64(self.clock.now().timeIntervalSince1970)
        let signature = WebhookSignature.header(secret: endpoint.key, timestamp: timestamp, body: event.body)
        let headers = [
            ("Content-Type", "application/json"),
            ("Pushgate-Event-Id", String(event.id)),
            (WebhookSignature.headerName, signature),
        ]
        let result: AttemptResult
        do {
            let response = try await self.transport.post(
                url: endpoint.url,
                headers: headers,
                body: event.body,
                timeout: self.configuration.requestTimeout
            )
            result = .status(response.status, retryAfter: response.retryAfter)
        } catch is CancellationError {
            return nil
        } catch {
            if Task.isCancelled { return nil }
            result = .transportFailure(WebhookTransportFailure.summary(error))
        }
        let decision = Self.decide(result, attempt: attempt, now: self.clock.now(), configuration: self.configuration)
        var metadata: Logger.Metadata = [:]
        switch result {
        case .status(let status, _): metadata["http.status"] = "\(status)"
        case .transportFailure(let summary): metadata["error"] = "\(summary)"
        }
        switch decision {
        case .sent:
            logger.debug("webhook event sent", metadata: metadata)
        case .retry(let at):
            metadata["webhook.next_attempt_at"] = "\(at.formatted(.iso8601))"
            logger.warning("webhook event not accepted; will retry", metadata: metadata)
        case .failed:
            logger.error("webhook event given up after its last attempt", metadata: metadata)
        }
        return decision
    }

    /// What to do after attempt number `attempt` (1-based). Pure, so the schedule is tested without I/O.
    ///
    /// - Parameter random: a value in 0..<1 for the jitter.
    static func decide(
        _ result: AttemptResult,
        attempt: Int,
        now: Date,
        configuration: Configuration,
        random: Double = Double.random(in: 0..<1)
    ) -> Decision {
        var retryAfter: Duration = .zero
        switch result {
        case .status(let status, let after):
            if (200..<300).contains(status) { return .sent }
            retryAfter = after ?? .zero
        case .transportFailure:
            break
        }
        guard attempt < configuration.maxAttempts else { return .failed }
        let delay = max(Self.backoff(attempt: attempt, configuration: configuration, random: random), retryAfter)
        // A receiver's Retry-After is honoured up to the longest backoff, so it cannot park an event indefinitely.
        let capped = min(delay, configuration.maxBackoff)
        return .retry(at: now.addingTimeInterval(capped.timeInterval))
    }

    /// `initial × 2^(attempt−1)`, capped at `maxBackoff`, then ±20 % so receivers that failed together are not
    /// retried together.
    static func backoff(attempt: Int, configuration: Configuration, random: Double) -> Duration {
        let exponent = Double(min(max(attempt - 1, 0), 40))
        let base = min(
            configuration.initialBackoff.timeInterval * pow(2, exponent),
            configuration.maxBackoff.timeInterval
        )
        let jittered = base * (0.8 + 0.4 * min(max(random, 0), 1))
        return .milliseconds(Int64(jittered * 1000))
    }
}

/// How a webhook request leaves the process; `URLSessionWebhookTransport` in production.
protocol WebhookTransport: Sendable {
    /// POSTs `body` and returns the status, throwing for transport failures; never longer than `timeout`.
    func post(url: URL, headers: [(String, String)], body: [UInt8], timeout: Duration) async throws
        -> WebhookTransportResponse
    /// Releases connections; called once, when the sender stops.
    func shutdown()
}

struct WebhookTransportResponse: Sendable, Hashable {
    var status: Int
    /// `Retry-After` in seconds (the HTTP-date form is not used by webhook receivers in practice and is ignored).
    var retryAfter: Duration?
}

/// A transport failure, summarised without the URL (it may hold credentials or tokens in its query).
struct WebhookTransportFailure: Error, CustomStringConvertible {
    var description: String

    static func summary(_ error: any Error) -> String {
        if let failure = error as? WebhookTransportFailure { return failure.description }
        if let urlError = error as? URLError {
            switch urlError.code {
            case .timedOut: return "timed out"
            case .cannotConnectToHost: return "connection refused"
            case .cannotFindHost, .dnsLookupFailed: return "host not found"
            case .networkConnectionLost: return "connection lost"
            case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
                .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
                return "TLS failure (URLError \(urlError.code.rawValue))"
            default: return "URLError \(urlError.code.rawValue)"
            }
        }
        return "\(type(of: error))"
    }
}

/// `URLSession` with an ephemeral configuration: no cookies, no cache, no redirects followed.
final class URLSessionWebhookTransport: WebhookTransport {
    private let session: URLSession

    init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        self.session = URLSession(configuration: configuration, delegate: RedirectRefusal(), delegateQueue: nil)
    }

    func post(url: URL, headers: [(String, String)], body: [UInt8], timeout: Duration) async throws
        -> WebhookTransportResponse
    {
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = "POST"
        urlRequest.httpBody = Data(body)
        urlRequest.timeoutInterval = timeout.timeInterval
        for (name, value) in headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        let session = self.session
        let request = urlRequest
        return try await withThrowingTaskGroup(of: WebhookTransportResponse.self) { group in
            group.addTask {
                let (_, response) = try await session.data(for: request)
                guard let http = response as? HTTPURLResponse else {
                    throw WebhookTransportFailure(description: "not an HTTP response")
                }
                let retryAfter = (http.value(forHTTPHeaderField: "Retry-After"))
                    .flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
                    .flatMap { $0 >= 0 ? Duration.seconds($0) : nil }
                return WebhookTransportResponse(status: http.statusCode, retryAfter: retryAfter)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw WebhookTransportFailure(description: "timed out")
            }
            defer { group.cancelAll() }  // the loser: the sleep, or the request (URLSession cancels its task)
            guard let first = try await group.next() else {
                throw WebhookTransportFailure(description: "no result")
            }
            return first
        }
    }

    func shutdown() {
        self.session.finishTasksAndInvalidate()
    }
}

/// Refuses every redirect: the 3xx itself is the answer (not a 2xx, so the event is retried), and a signed body is
/// never sent to a place the configuration did not name.
private final class RedirectRefusal: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
