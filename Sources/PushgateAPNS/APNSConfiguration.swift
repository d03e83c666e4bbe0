import PushgateCore

/// Everything one APNs adapter needs: where to connect, how to authenticate, and how to
/// manage its connections. One adapter serves one set of credentials.
package struct APNSConfiguration: Sendable {
    /// The app's bundle id; push-type suffixes (`.voip`, …) are added per request.
    package var topic: String
    package var authentication: Authentication
    /// Overrides the production and sandbox hosts (simulators, tests, ports 2197).
    package var endpoint: Endpoint?
    /// Extra PEM CA certificates to trust besides the system roots (simulators and tests).
    package var additionalTrustRootsPEM: String?
    /// When true, only `additionalTrustRootsPEM` is trusted, not the system roots.
    package var trustOnlyAdditionalRoots: Bool = false
    package var pool: Pool = Pool()
    package var timeouts: Timeouts = Timeouts()
    /// When provider tokens are minted and when connections move to a newer one.
    package var providerTokens: ProviderTokens = ProviderTokens()
    /// Send through this CONNECT proxy (one tunnel per connection); nil connects directly.
    package var proxy: APNSProxy?
    /// Not-sent requests (GOAWAY, REFUSED_STREAM, a connection lost before the request was
    /// written, a stale provider token) are re-sent transparently this many times.
    package var maxTransparentRetries: Int = 3

    package init(topic: String, authentication: Authentication, endpoint: Endpoint? = nil) {
        self.topic = topic
        self.authentication = authentication
        self.endpoint = endpoint
    }

    /// How requests authenticate.
    package enum Authentication: Sendable {
        /// Token auth: an ES256 JWT signed with the team's `.p8` key.
        case token(APNSSigningKey)
        /// Certificate auth: a TLS client certificate (PEM chain + PEM key).
        case certificate(chainPEM: String, privateKeyPEM: String)
        /// Certificate auth from a PKCS#12 bundle.
        case pkcs12(bytes: [UInt8], passphrase: String?)
    }

    /// A vendor host and port.
    package struct Endpoint: Hashable, Sendable, CustomStringConvertible {
        package var host: String
        package var port: Int

        package init(host: String, port: Int = 443) {
            self.host = host
            self.port = port
        }

        package static let production = Endpoint(host: "api.push.apple.com")
        package static let sandbox = Endpoint(host: "api.sandbox.push.apple.com")

        /// Parses `https://host[:port]` or `host[:port]`.
        package init(parsing text: String) throws {
            var rest = Substring(text)
            if rest.hasPrefix("https://") {
                rest = rest.dropFirst("https://".count)
            } else if rest.contains("://") {
                throw PushgateError.invalidInput("endpoint \(text) must use https://")
            }
            while rest.hasSuffix("/") { rest = rest.dropLast() }
            var host = rest
            var port = 443
            if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
                host = rest[..<colon]
                guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65535).contains(parsed) else {
                    throw PushgateError.invalidInput("endpoint \(text) has an invalid port")
                }
                port = parsed
            }
            if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
            guard !host.isEmpty, !host.contains("/") else {
                throw PushgateError.invalidInput("endpoint \(text) has no host")
            }
            self.init(host: String(host), port: port)
        }

        package var description: String { "\(self.host):\(self.port)" }
    }

    /// The connection pool's shape.
    package struct Pool: Sendable {
        /// Long-lived HTTP/2 connections per environment; each is opened on first use.
        package var connections: Int = 2
        /// Never more streams per connection than this, whatever the server allows.
        package var maxConcurrentStreams: Int = 1000
        /// Requests waiting for a stream, per connection; beyond it a send fails fast.
        package var maxQueuedRequests: Int = 10_000
        /// Reconnect backoff after a failed connect: doubles from `initial` up to `maximum`.
        package var reconnectBackoffInitial: Duration = .seconds(1)
        package var reconnectBackoffMaximum: Duration = .seconds(60)

        package init() {}
    }

    /// The provider-token discipline that satisfies Apple's 20-minute rule whether APNs applies
    /// it per connection or per signing key (VENDORS.md "Points that refine the issues"): one
    /// token per key shared by every connection, minted at most every `rotateAfter`; a
    /// connection moves to the newest token only when its own is `switchAfter` old. So no key
    /// mints twice within 20 minutes, no connection changes token within 20 minutes (it takes a
    /// token younger than `rotateAfter` and keeps it until `switchAfter`), and no token is used
    /// at 60 minutes.
    package struct ProviderTokens: Sendable {
        /// The shared token is replaced only once it is this old, and only when a connection
        /// needs a token. At least 20 minutes.
        package var rotateAfter: Duration = .seconds(30 * 60)
        /// A connection keeps its token until it is this old. At least `rotateAfter` + 20
        /// minutes, and under 60.
        package var switchAfter: Duration = .seconds(50 * 60)
        /// After `TooManyProviderTokenUpdates`, no token is minted for this long (the answered
        /// connection goes back to its previous token if it has one); the push is retried later.
        package var tooManyUpdatesBackoff: Duration = .seconds(20 * 60)

        package init() {}

        /// Every way these values break one of Apple's rules; empty when they are usable.
        package var problems: [String] {
            var problems: [String] = []
            if self.rotateAfter < .seconds(20 * 60) {
                problems.append("rotateAfter must be at least 20 minutes (one token per key per 20 minutes)")
            }
            if self.switchAfter - self.rotateAfter < .seconds(20 * 60) {
                problems.append(
                    "switchAfter must be at least 20 minutes after rotateAfter (no connection changes token sooner)")
            }
            if self.switchAfter >= .seconds(60 * 60) {
                problems.append("switchAfter must be under 60 minutes (APNs refuses older tokens)")
            }
            if self.tooManyUpdatesBackoff <= .zero { problems.append("tooManyUpdatesBackoff must be positive") }
            return problems
        }
    }

    /// Deadlines for every network step.
    package struct Timeouts: Sendable {
        /// TCP connect, including name resolution.
        package var connect: Duration = .seconds(10)
        /// TLS handshake plus the server's first SETTINGS.
        package var handshake: Duration = .seconds(10)
        /// From submission to response, queueing included. A request written and unanswered
        /// by then is ambiguous.
        package var request: Duration = .seconds(15)
        /// A connection that has read nothing for this long is sent a PING.
        package var pingInterval: Duration = .seconds(60)
        /// A PING unanswered this long closes the connection.
        package var pingTimeout: Duration = .seconds(10)
        /// How long `shutdown` waits for in-flight requests.
        package var shutdownGrace: Duration = .seconds(10)

        package init() {}
    }
}
