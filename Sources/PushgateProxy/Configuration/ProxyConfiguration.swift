import NIOCore

/// Everything `pushgate proxy` needs: listeners, users, the target allowlist, limits, the admin listener and logging.
///
/// Decoded from YAML (snake_case keys, unknown keys are errors) by `ProxyConfiguration(yaml:)`; `validate()` then reports
/// every remaining problem with its path. `ConnectProxy.start` validates again before binding anything.
public struct ProxyConfiguration: Sendable {
    /// Where clients connect; at least one.
    public var listeners: [Listener] = []
    /// Users for `Proxy-Authorization: Basic`.
    public var users: [User] = []
    /// nil means "required when users are configured".
    public var requireAuth: Bool? = nil
    /// Allowed `host:port` targets (exact match after lower-casing and removing one trailing dot).
    public var allow: [String] = ProxyConfiguration.defaultAllow
    public var limits = Limits()
    /// The plain-HTTP admin listener (`/healthz`, `/metrics`); none when nil.
    public var admin: Admin? = nil
    public var log = Log()
    /// Event loop threads; not in YAML (one per core suits a dedicated proxy host).
    public var eventLoopThreads: Int = System.coreCount
    /// Threads for password hashing, so PBKDF2 never runs on an event loop; not in YAML.
    public var authenticationThreads: Int = 1

    /// APNs production, sandbox and development hosts, on 443 and 2197.
    public static let defaultAllow: [String] = [
        "api.push.apple.com:443", "api.push.apple.com:2197",
        "api.sandbox.push.apple.com:443", "api.sandbox.push.apple.com:2197",
        "api.development.push.apple.com:443", "api.development.push.apple.com:2197",
    ]

    public init(listeners: [Listener] = []) {
        self.listeners = listeners
    }

    /// Whether a CONNECT must carry valid `Proxy-Authorization` credentials.
    public var effectiveRequireAuth: Bool {
        self.requireAuth ?? !self.users.isEmpty
    }

    /// One listening socket.
    public struct Listener: Sendable {
        /// `host:port` (`[::]:8443` for IPv6); port 0 picks a free port.
        public var address: String
        /// nil: plain TCP.
        public var tls: TLS?

        public init(address: String, tls: TLS? = nil) {
            self.address = address
            self.tls = tls
        }
    }

    /// A listener's TLS material (PEM files).
    public struct TLS: Sendable {
        public var certificateFile: String
        public var privateKeyFile: String
        /// When set, clients must present a certificate issued by this CA (mTLS).
        public var clientCAFile: String?

        public init(certificateFile: String, privateKeyFile: String, clientCAFile: String? = nil) {
            self.certificateFile = certificateFile
            self.privateKeyFile = privateKeyFile
            self.clientCAFile = clientCAFile
        }
    }

    /// A `Proxy-Authorization: Basic` user; `description` leaves the hash out.
    public struct User: Sendable, CustomStringConvertible {
        public var name: String
        /// `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`, as `pushgate proxy hash-password` prints it.
        public var passwordHash: String

        public init(name: String, passwordHash: String) {
            self.name = name
            self.passwordHash = passwordHash
        }

        public var description: String { "User(name: \(self.name), passwordHash: <redacted>)" }
    }

    /// Limits that keep the proxy from being exhausted by a client, a target or a slow peer.
    public struct Limits: Sendable {
        /// Upstream DNS resolution plus TCP connect.
        public var connectTimeout: Duration = .seconds(10)
        /// A tunnel with no bytes either way for this long is closed.
        public var idleTimeout: Duration = .seconds(300)
        public var maxTunnels: Int = 1000
        /// Per client IP address.
        public var maxTunnelsPerClient: Int = 100
        /// The whole CONNECT head: request line and header fields.
        public var maxHeaderBytes: Int = 8192
        /// From accept to a complete (and authenticated) CONNECT head, TLS handshake included.
        public var headerTimeout: Duration = .seconds(10)
        /// How long shutdown waits for open tunnels before closing them.
        public var shutdownGrace: Duration = .seconds(30)

        public init() {}
    }

    /// The admin listener: plain HTTP/1.1, meant for loopback.
    public struct Admin: Sendable {
        public var address: String

        public init(address: String) {
            self.address = address
        }
    }

    public struct Log: Sendable {
        /// One `info` line per CONNECT (tunnel or refusal).
        public var accessLog: Bool = true

        public init() {}
    }
}
