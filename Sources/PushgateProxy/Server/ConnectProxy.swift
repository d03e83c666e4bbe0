import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The HTTP CONNECT proxy of the overseas node: listeners (plain, TLS or mTLS), the admin listener, and the tunnels.
///
/// `start` binds everything and returns; `shutdown` stops accepting, lets open tunnels finish for up to
/// `limits.shutdown_grace`, then closes what is left. As a `Service`, `run` waits for graceful shutdown.
package final class ConnectProxy: Sendable {
    /// The bound port of each listener, in configuration order (useful when the configuration said port 0).
    package let listenerPorts: [Int]
    /// The admin listener's bound port, if there is one.
    package let adminPort: Int?
    /// Each listener as `host:port` with the bound port, in configuration order.
    package let listenerAddresses: [String]
    /// The admin listener as `host:port` with the bound port.
    package let adminAddress: String?

    private let group: MultiThreadedEventLoopGroup
    private let threadPool: NIOThreadPool
    private let listenerChannels: [any Channel]
    private let adminChannel: (any Channel)?
    private let server: ProxyServerContext
    private let shutdownGrace: Duration
    private let logger: Logger
    private let lifecycle = NIOLockedValueBox(Lifecycle.running)

    private enum Lifecycle {
        case running
        case stopping(waiters: [CheckedContinuation<Void, Never>])
        case stopped
    }

    private init(
        listenerPorts: [Int],
        adminPort: Int?,
        listenerAddresses: [String],
        adminAddress: String?,
        group: MultiThreadedEventLoopGroup,
        threadPool: NIOThreadPool,
        listenerChannels: [any Channel],
        adminChannel: (any Channel)?,
        server: ProxyServerContext,
        shutdownGrace: Duration,
        logger: Logger
    ) {
        self.listenerPorts = listenerPorts
        self.adminPort = adminPort
        self.listenerAddresses = listenerAddresses
        self.adminAddress = adminAddress
        self.group = group
        self.threadPool = threadPool
        self.listenerChannels = listenerChannels
        self.adminChannel = adminChannel
        self.server = server
        self.shutdownGrace = shutdownGrace
        self.logger = logger
    }

    /// Validates the configuration, binds every listener and the admin listener, and starts serving.
    ///
    /// Throws `ProxyConfigurationError` (with paths) for a bad configuration or an address that cannot be bound.
    package static func start(configuration: ProxyConfiguration, logger: Logger) async throws -> ConnectProxy {
        try await self.start(configuration: configuration, connector: SocketUpstreamConnector(), logger: logger)
    }

    static func start(
        configuration: ProxyConfiguration,
        connector: any UpstreamConnector,
        logger: Logger
    ) async throws -> ConnectProxy {
        try configuration.validate()
        var sslContexts: [NIOSSLContext?] = []
        for (index, listener) in configuration.listeners.enumerated() {
            sslContexts.append(
                try listener.tls.map { try ListenerTLS.makeContext($0, path: "listeners[\(index)].tls") })
        }
        var users: [String: PasswordHash] = [:]
        for user in configuration.users {
            users[user.name] = try PasswordHash(parsing: user.passwordHash)
        }

        let threadPool = NIOThreadPool(numberOfThreads: configuration.authenticationThreads)
        threadPool.start()
        let server = ProxyServerContext(
            policy: ConnectPolicy(
                allowlist: try TargetAllowlist(entries: configuration.allow),
                requireAuth: configuration.effectiveRequireAuth,
                hasUsers: !users.isEmpty
            ),
            limits: configuration.limits,
            authenticator: UserAuthenticator(users: users, offload: .threadPool(threadPool)),
            connector: connector,
            logger: logger,
            accessLog: configuration.log.accessLog
        )
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)

        var listenerChannels: [any Channel] = []
        var adminChannel: (any Channel)?
        do {
            for (index, listener) in configuration.listeners.enumerated() {
                let channel = try await Self.bindListener(
                    listener,
                    path: "listeners[\(index)].address",
                    sslContext: sslContexts[index],
                    server: server,
                    group: group
                )
                listenerChannels.append(channel)
            }
            if let admin = configuration.admin {
                adminChannel = try await Self.bindAdmin(admin, server: server, group: group)
            }
        } catch {
            for channel in listenerChannels { try? await channel.close() }
            try? await group.shutdownGracefully()
            try? await threadPool.shutdownGracefully()
            throw error
        }

        let listenerPorts = listenerChannels.map { $0.localAddress?.port ?? 0 }
        let adminPort = adminChannel.flatMap { $0.localAddress?.port }
        let proxy = ConnectProxy(
            listenerPorts: listenerPorts,
            adminPort: adminPort,
            listenerAddresses: zip(configuration.listeners, listenerPorts).map {
                Self.boundAddress($0.address, port: $1)
            },
            adminAddress: configuration.admin.map { Self.boundAddress($0.address, port: adminPort ?? 0) },
            group: group,
            threadPool: threadPool,
            listenerChannels: listenerChannels,
            adminChannel: adminChannel,
            server: server,
            shutdownGrace: configuration.limits.shutdownGrace,
            logger: logger
        )
        for warning in configuration.warnings() {
            logger.warning("proxy configuration: \(warning)")
        }
        for (index, listener) in configuration.listeners.enumerated() {
            logger.info(
                "proxy listening",
                metadata: [
                    ProxyLogKey.listener: "\(listener.address)",
                    ProxyLogKey.port: "\(proxy.listenerPorts[index])",
                    ProxyLogKey.tls:
                        "\(listener.tls == nil ? "off" : listener.tls?.clientCAFile == nil ? "on" : "mutual")",
                ]
            )
        }
        return proxy
    }

    /// Counters so far.
    package func stats() -> ProxyStats {
        self.server.metrics.snapshot()
    }

    /// The Prometheus text that `/metrics` serves.
    package func metricsText() -> String {
        String(decoding: self.server.metrics.render(), as: UTF8.self)
    }

    /// Stops accepting, waits up to the shutdown grace for open tunnels to end, closes the rest, releases threads.
    /// Safe to call more than once; later calls return when the first has finished.
    package func shutdown() async {
        let first = self.lifecycle.withLockedValue { state -> Bool in
            guard case .running = state else { return false }
            state = .stopping(waiters: [])
            return true
        }
        guard first else {
            // Another call is draining: wait for it.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let stopped = self.lifecycle.withLockedValue { state -> Bool in
                    guard case .stopping(var waiters) = state else { return true }
                    waiters.append(continuation)
                    state = .stopping(waiters: waiters)
                    return false
                }
                if stopped { continuation.resume() }
            }
            return
        }

        self.logger.info("proxy draining", metadata: [ProxyLogKey.graceMS: "\(self.shutdownGrace.milliseconds)"])
        for channel in self.listenerChannels {
            try? await channel.close()
        }
        // Connections still negotiating would only become new tunnels: close them now.
        for channel in self.server.registry.beginDrain() {
            channel.close(promise: nil)
        }
        let drained = await self.waitForTunnels(upTo: self.shutdownGrace)
        if !drained {
            let remaining = self.server.registry.all()
            self.logger.info(
                "proxy closing tunnels after the grace period", metadata: [ProxyLogKey.tunnels: "\(remaining.count)"])
            for channel in remaining {
                channel.close(promise: nil)
            }
            // Closing is quick; the wait lets each tunnel write its access-log line before the loops stop.
            _ = await self.waitForTunnels(upTo: .seconds(2))
        }
        if let adminChannel = self.adminChannel {
            try? await adminChannel.close()
        }
        try? await self.group.shutdownGracefully()
        try? await self.threadPool.shutdownGracefully()
        self.logger.info("proxy stopped")

        let waiters = self.lifecycle.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            defer { state = .stopped }
            if case .stopping(let waiters) = state { return waiters }
            return []
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Polls until no tunnel is admitted or open; false if `limit` passed first (or the task was cancelled).
    private func waitForTunnels(upTo limit: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while self.server.admittedTunnels > 0 || self.server.metrics.snapshot().tunnelsOpen > 0 {
            guard clock.now < deadline, !Task.isCancelled else { return false }
            // Polling keeps this simple; 20 ms is nothing next to a grace period of seconds.
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    // MARK: Set-up

    private static func boundAddress(_ configured: String, port: Int) -> String {
        guard case .success(var address) = ListenAddress.parse(configured) else { return configured }
        address.port = port
        return address.description
    }

    private static func bindListener(
        _ listener: ProxyConfiguration.Listener,
        path: String,
        sslContext: NIOSSLContext?,
        server: ProxyServerContext,
        group: MultiThreadedEventLoopGroup
    ) async throws -> any Channel {
        guard case .success(let address) = ListenAddress.parse(listener.address) else {
            throw ProxyConfigurationError(path: path, "not host:port")
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard server.registry.add(channel) else {
                        // Draining: refuse new connections outright.
                        channel.close(promise: nil)
                        return
                    }
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try pipeline.addHandler(ConnectHandler(server: server, isTLS: sslContext != nil))
                }
            }
        do {
            return try await bootstrap.bind(host: address.host, port: address.port).get()
        } catch {
            throw ProxyConfigurationError(path: path, "cannot listen on \(listener.address): \(error)")
        }
    }

    private static func bindAdmin(
        _ admin: ProxyConfiguration.Admin,
        server: ProxyServerContext,
        group: MultiThreadedEventLoopGroup
    ) async throws -> any Channel {
        guard case .success(let address) = ListenAddress.parse(admin.address) else {
            throw ProxyConfigurationError(path: "admin.address", "not host:port")
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    // Scrapers keep connections open between scrapes; abandoned ones go after a minute.
                    try pipeline.addHandler(IdleStateHandler(allTimeout: .seconds(60)))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(AdminHTTPHandler(metrics: server.metrics, registry: server.registry))
                }
            }
        do {
            return try await bootstrap.bind(host: address.host, port: address.port).get()
        } catch {
            throw ProxyConfigurationError(path: "admin.address", "cannot listen on \(admin.address): \(error)")
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        self.components.seconds * 1000 + self.components.attoseconds / 1_000_000_000_000_000
    }
}
