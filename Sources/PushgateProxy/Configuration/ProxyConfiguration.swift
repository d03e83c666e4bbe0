import NIOCore
import PushgateCore

/// Everything `pushgate proxy` needs: listeners, users, the target allowlist, limits, the admin listener and logging.
///
/// Decoded from YAML (snake_case keys, unknown keys are errors) by `ProxyConfiguration(yaml:)`; `validate()` then reports
/// every remaining problem with its path. `ConnectProxy.start` validates again before binding anything.
package struct ProxyConfiguration: Sendable {
    /// Where clients connect; at least one.
    package var listeners: [Listener] = []
    /// Users for `Proxy-Authorization: Basic`.
    package var users: [User] = []
    /// nil means "required when users are configured".
    package var requireAuth: Bool? = nil
    /// Allowed `host:port` targets (exact match after lower-casing and removing one trailing dot).
    package var allow: [String] = ProxyConfiguration.defaultAllow
    package var limits = Limits()
    /// The plain-HTTP admin listener (`/healthz`, `/metrics`); none when nil.
    package var admin: Admin? = nil
    package var log = Log()
    /// Event loop threads; not in YAML (one per core suits a dedicated proxy host).
    package var eventLoopThreads: Int = System.coreCount
    /// Threads for password hashing, so PBKDF2 never runs on an event loop; not in YAML.
    package var authenticationThreads: Int = 1

    /// APNs production, sandbox and development hosts, on 443 and 2197.
    package static let defaultAllow: [String] = [
        "api.push.apple.com:443", "api.push.apple.com:2197",
        "api.sandbox.push.apple.com:443", "api.sandbox.push.apple.com:2197",
        "api.development.push.apple.com:443", "api.development.push.apple.com:2197",
    ]

    package init(listeners: [Listener] = []) {
        self.listeners = listeners
    }

    /// Whether a CONNECT must carry valid `Proxy-Authorization` credentials.
    package var effectiveRequireAuth: Bool {
        self.requireAuth ?? !self.users.isEmpty
    }

    /// One listening socket.
    package struct Listener: Sendable {
        /// `host:port` (`[::]:8443` for IPv6); port 0 picks a free port.
        package var address: String
        /// nil: plain TCP.
        package var tls: TLS?

        package init(address: String, tls: TLS? = nil) {
            self.address = address
            self.tls = tls
        }
    }

    /// A listener's TLS material (PEM files).
    package struct TLS: Sendable {
        package var certificateFile: String
        package var privateKeyFile: String
        /// When set, clients must present a certificate issued by this CA (mTLS).
        package var clientCAFile: String?

        package init(certificateFile: String, privateKeyFile: String, clientCAFile: String? = nil) {
            self.certificateFile = certificateFile
            self.privateKeyFile = privateKeyFile
            self.clientCAFile = clientCAFile
        }
    }

    /// A `Proxy-Authorization: Basic` user; `description` leaves the hash out.
    package struct User: Sendable, CustomStringConvertible {
        package var name: String
        /// `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`, as `pushgate proxy hash-password` prints it.
        package var passwordHash: String

        package init(name: String, passwordHash: String) {
            self.name = name
            self.passwordHash = passwordHash
        }

        package var description: String { "User(name: \(self.name), passwordHash: <redacted>)" }
    }

    /// Limits that keep the proxy from being exhausted by a client, a target or a slow peer.
    package struct Limits: Sendable {
        /// Upstream DNS resolution plus TCP connect.
        package var connectTimeout: Duration = .seconds(10)
        /// A tunnel with no bytes either way for this long is closed.
        package var idleTimeout: Duration = .seconds(300)
        package var maxTunnels: Int = 1000
        /// Per client IP address.
        package var maxTunnelsPerClient: Int = 100
        /// The whole CONNECT head: request line and header fields.
        package var maxHeaderBytes: Int = 8192
        /// From accept to a complete (and authenticated) CONNECT head, TLS handshake included.
        package var headerTimeout: Duration = .seconds(10)
        /// How long shutdown waits for open tunnels before closing them.
        package var shutdownGrace: Duration = .seconds(30)

        package init() {}
    }

    /// The admin listener: plain HTTP/1.1, meant for loopback.
    package struct Admin: Sendable {
        package var address: String

        package init(address: String) {
            self.address = address
        }
    }

    package struct Log: Sendable {
        /// One `info` line per CONNECT (tunnel or refusal).
        package var accessLog: Bool = true

        package init() {}
    }
}
