import Logging
import NIOConcurrencyHelpers
import NIOCore

/// What every connection handler of one proxy shares: policy, limits, credentials, metrics, the connection registry
/// and the logger. Immutable apart from the locked limiter, so it is `Sendable` as is.
final class ProxyServerContext: Sendable {
    let policy: ConnectPolicy
    let limits: ProxyConfiguration.Limits
    let authenticator: UserAuthenticator
    let connector: any UpstreamConnector
    let metrics: ProxyMetrics
    let registry: ConnectionRegistry
    let logger: Logger
    let accessLog: Bool
    private let limiter: NIOLockedValueBox<TunnelLimiter>

    init(
        policy: ConnectPolicy,
        limits: ProxyConfiguration.Limits,
        authenticator: UserAuthenticator,
        connector: any UpstreamConnector,
        logger: Logger,
        accessLog: Bool
    ) {
        self.policy = policy
        self.limits = limits
        self.authenticator = authenticator
        self.connector = connector
        self.metrics = ProxyMetrics()
        self.registry = ConnectionRegistry()
        self.logger = logger
        self.accessLog = accessLog
        self.limiter = NIOLockedValueBox(
            TunnelLimiter(maxTunnels: limits.maxTunnels, maxTunnelsPerClient: limits.maxTunnelsPerClient)
        )
    }

    func admit(_ client: ClientEndpoint) -> TunnelLimiter.Admission {
        self.limiter.withLockedValue { $0.admit(client: client.ip) }
    }

    func release(_ client: ClientEndpoint) {
        self.limiter.withLockedValue { $0.release(client: client.ip) }
    }

    /// Tunnels admitted (connecting or open).
    var admittedTunnels: Int {
        self.limiter.withLockedValue { $0.total }
    }

    /// Counts a refusal and writes its access-log line.
    func recordRefusal(
        _ refusal: ProxyRefusal,
        client: ClientEndpoint,
        user: String?,
        target: String?,
        since start: NIODeadline
    ) {
        self.metrics.refused(refusal.reason)
        guard self.accessLog else { return }
        var metadata: Logger.Metadata = [
            ProxyLogKey.client: "\(client.address)",
            ProxyLogKey.result: "\(refusal.reason.status.map(String.init) ?? refusal.reason.rawValue)",
            ProxyLogKey.reason: "\(refusal.reason.rawValue)",
            ProxyLogKey.detail: "\(refusal.detail)",
            ProxyLogKey.durationMS: "\(Self.milliseconds(since: start))",
        ]
        if let user { metadata[ProxyLogKey.user] = "\(ConnectPolicy.printable(user))" }
        if let target { metadata[ProxyLogKey.target] = "\(ConnectPolicy.printable(target))" }
        self.logger.info("connect refused", metadata: metadata)
    }

    /// Writes a closed tunnel's access-log line.
    func logTunnel(
        client: ClientEndpoint,
        user: String?,
        target: ProxyTarget,
        bytesUp: Int,
        bytesDown: Int,
        since start: NIODeadline
    ) {
        guard self.accessLog else { return }
        var metadata: Logger.Metadata = [
            ProxyLogKey.client: "\(client.address)",
            ProxyLogKey.target: "\(target)",
            ProxyLogKey.result: "200",
            ProxyLogKey.bytesUp: "\(bytesUp)",
            ProxyLogKey.bytesDown: "\(bytesDown)",
            ProxyLogKey.durationMS: "\(Self.milliseconds(since: start))",
        ]
        if let user { metadata[ProxyLogKey.user] = "\(ConnectPolicy.printable(user))" }
        self.logger.info("tunnel closed", metadata: metadata)
    }

    static func milliseconds(since start: NIODeadline) -> Int64 {
        (NIODeadline.now() - start).nanoseconds / 1_000_000
    }
}
