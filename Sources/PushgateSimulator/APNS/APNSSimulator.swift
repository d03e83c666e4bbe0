import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL

/// A strict, fast fake APNs: HTTP/2 over TLS (ALPN `h2`), provider-token or certificate authentication, the request
/// checks of VENDORS.md A2–A5, APNs-shaped answers, and scriptable faults keyed by device-token prefix.
///
/// Each request is handled by a small channel handler on the connection's event loop (no async hop per stream); the
/// only shared state is the counters, behind one lock.
package final class APNSSimulator: Sendable {
    /// The port the simulator listens on (the one the OS picked when the configuration said 0).
    package let port: Int

    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let store: APNSCounterStore
    private let connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>
    private let isShutDown = NIOLockedValueBox(false)
    private let logger: Logger

    private init(
        port: Int,
        group: MultiThreadedEventLoopGroup,
        serverChannel: any Channel,
        store: APNSCounterStore,
        connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>,
        logger: Logger
    ) {
        self.port = port
        self.group = group
        self.serverChannel = serverChannel
        self.store = store
        self.connections = connections
        self.logger = logger
    }

    /// Binds and starts serving; throws `SimulatorError` for a bad configuration or certificate.
    package static func start(configuration: Configuration, logger: Logger) async throws -> APNSSimulator {
        try configuration.validate()
        let sslContext = try Self.makeSSLContext(configuration)
        let store = APNSCounterStore()
        let server = APNSServerContext(configuration: configuration, store: store, logger: logger)
        let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
        let (connectionConfiguration, streamConfiguration) = Self.http2Configuration(server: server)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = ObjectIdentifier(channel)
                    connections.withLockedValue { $0[id] = channel }
                    channel.closeFuture.whenComplete { _ in
                        connections.withLockedValue { _ = $0.removeValue(forKey: id) }
                    }

                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
                    let connectionHandler = APNSConnectionHandler(server: server)
                    let boundConnection = NIOLoopBound(connectionHandler, eventLoop: channel.eventLoop)
                    // HTTP/2 straight after TLS, without waiting for ALPN: clients that skip ALPN (Pushy) still work.
                    _ = try pipeline.configureHTTP2Pipeline(
                        mode: .server,
                        connectionConfiguration: connectionConfiguration,
                        streamConfiguration: streamConfiguration
                    ) { stream in
                        stream.eventLoop.makeCompletedFuture {
                            let handler = APNSStreamHandler(connection: boundConnection.value, server: server)
                            try stream.pipeline.syncOperations.addHandler(handler)
                        }
                    }
                    try pipeline.addHandler(connectionHandler)
                }
            }

        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw SimulatorError(
                "APNs simulator: cannot listen on \(configuration.host):\(configuration.port): \(error)"
            )
        }
        let port = channel.localAddress?.port ?? configuration.port
        logger.info(
            "APNs simulator listening",
            metadata: ["simulator.host": "\(configuration.host)", "simulator.port": "\(port)"]
        )
        return APNSSimulator(
            port: port,
            group: group,
            serverChannel: channel,
            store: store,
            connections: connections,
            logger: logger
        )
    }

    /// A snapshot of the counters.
    package func counters() -> Counters {
        self.store.snapshot()
    }

    /// Zeroes the counters and forgets the accepted apns-ids.
    package func resetCounters() {
        self.store.reset()
    }

    /// How many times a request with this apns-id was accepted (compared case-insensitively).
    package func acceptedCount(apnsID: String) -> Int {
        guard let id = APNSID(parsing: apnsID) else { return 0 }
        return self.store.acceptedCount(id)
    }

    /// Stops listening, closes every connection and shuts down the simulator's event loops. Safe to call twice.
    package func shutdown() async throws {
        let alreadyShutDown = self.isShutDown.withLockedValue { isShutDown in
            defer { isShutDown = true }
            return isShutDown
        }
        guard !alreadyShutDown else { return }
        let open = self.connections.withLockedValue { Array($0.values) }
        for connection in open {
            connection.close(promise: nil)
        }
        try? await self.serverChannel.close().get()
        try await self.group.shutdownGracefully()
        self.logger.info("APNs simulator stopped", metadata: ["simulator.port": "\(self.port)"])
    }

    // MARK: Set-up

    private static func makeSSLContext(_ configuration: Configuration) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(configuration.certificateChainPEM.utf8))
        } catch {
            throw SimulatorError("APNs simulator: certificateChainPEM is not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw SimulatorError("APNs simulator: certificateChainPEM holds no certificate") }
        do {
            key = try NIOSSLPrivateKey(bytes: Array(configuration.privateKeyPEM.utf8), format: .pem)
        } catch {
            throw SimulatorError("APNs simulator: privateKeyPEM is not a PEM private key")
        }

        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["h2"]
        if let rootsPEM = configuration.clientCertificateTrustRootsPEM {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMBytes(Array(rootsPEM.utf8))
            } catch {
                throw SimulatorError("APNs simulator: clientCertificateTrustRootsPEM is not PEM (\(error))")
            }
            guard !roots.isEmpty else {
                throw SimulatorError("APNs simulator: clientCertificateTrustRootsPEM holds no certificate")
            }
            // Verification on, hostname checks off (a client has no name to check): a client certificate is required.
            tls.certificateVerification = .noHostnameVerification
            tls.trustRoots = .certificates(roots)
            tls.sendCANameList = true
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw SimulatorError("APNs simulator: TLS set-up failed (does the key match the certificate?): \(error)")
        }
    }

    private static func http2Configuration(
        server: APNSServerContext
    ) -> (NIOHTTP2Handler.ConnectionConfiguration, NIOHTTP2Handler.StreamConfiguration) {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        // As APNs was seen to send them in 2021 (VENDORS.md A6), with the stream limit of the authentication state.
        connection.initialSettings = [
            HTTP2Setting(
                parameter: .maxConcurrentStreams,
                value: APNSConnectionHandler.StateMachine.initialStreamLimit(server.connectionLimits)
            ),
            HTTP2Setting(parameter: .headerTableSize, value: 4096),
            HTTP2Setting(parameter: .initialWindowSize, value: 65535),
            HTTP2Setting(parameter: .maxFrameSize, value: 16384),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 8000),
        ]
        var stream = NIOHTTP2Handler.StreamConfiguration()
        // Load generators reset streams they time out (neverAnswer faults); NIO's default of 200 resets per 30 s would
        // answer that with ENHANCE_YOUR_CALM, which APNs is not known to do.
        stream.streamResetFrameRateLimit.maximumCount = 1_000_000
        return (connection, stream)
    }
}
