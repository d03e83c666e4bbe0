import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The HTTP/1.1-over-TLS server the vendor simulators (Huawei, Xiaomi, vivo) share: keep-alive, pipelining, bodies up
/// to `maximumBodySize` (413 above), each complete request handed to an `HTTPVendorHandler` on its connection's event
/// loop.
package final class HTTPVendorServer: Sendable {
    /// How and where the server listens.
    package struct Configuration: Sendable {
        /// Names the simulator in log lines and errors ("Huawei simulator").
        package var name: String
        package var host: String = "127.0.0.1"
        /// 0 picks a free port; read `HTTPVendorServer.port` after `start`.
        package var port: Int = 0
        /// The server certificate followed by any intermediates (PEM).
        package var certificateChainPEM: String
        /// The server certificate's private key (PEM).
        package var privateKeyPEM: String
        package var eventLoopThreads: Int = 1
        /// Larger request bodies are answered 413.
        package var maximumBodySize: Int = 1 << 20

        package init(name: String, certificateChainPEM: String, privateKeyPEM: String) {
            self.name = name
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
        }
    }

    /// The port the server listens on (the one the OS picked when the configuration said 0).
    package let port: Int

    private let name: String
    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>
    private let isShutDown = NIOLockedValueBox(false)
    private let logger: Logger

    private init(
        port: Int,
        name: String,
        group: MultiThreadedEventLoopGroup,
        serverChannel: any Channel,
        connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>,
        logger: Logger
    ) {
        self.port = port
        self.name = name
        self.group = group
        self.serverChannel = serverChannel
        self.connections = connections
        self.logger = logger
    }

    /// Binds and starts serving; throws `SimulatorError` for a bad configuration or certificate.
    package static func start(
        configuration: Configuration,
        handler: any HTTPVendorHandler,
        logger: Logger
    ) async throws -> HTTPVendorServer {
        let name = configuration.name
        var problems: [String] = []
        if !(0...65535).contains(configuration.port) { problems.append("port: must be 0...65535") }
        if configuration.eventLoopThreads < 1 { problems.append("eventLoopThreads: must be at least 1") }
        if configuration.maximumBodySize < 0 { problems.append("maximumBodySize: must not be negative") }
        guard problems.isEmpty else {
            throw SimulatorError("\(name) configuration: " + problems.joined(separator: "; "))
        }
        let sslContext = try Self.makeSSLContext(configuration)
        let maximumBodySize = configuration.maximumBodySize
        let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

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
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try pipeline.addHandler(
                        HTTPVendorConnectionHandler(handler: handler, maximumBodySize: maximumBodySize)
                    )
                }
            }

        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw SimulatorError("\(name): cannot listen on \(configuration.host):\(configuration.port): \(error)")
        }
        let port = channel.localAddress?.port ?? configuration.port
        logger.info(
            "\(name) listening",
            metadata: ["simulator.host": "\(configuration.host)", "simulator.port": "\(port)"]
        )
        return HTTPVendorServer(
            port: port,
            name: name,
            group: group,
            serverChannel: channel,
            connections: connections,
            logger: logger
        )
    }

    /// Stops listening, closes every connection and shuts the event loops down. Safe to call twice.
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
        self.logger.info("\(self.name) stopped", metadata: ["simulator.port": "\(self.port)"])
    }

    private static func makeSSLContext(_ configuration: Configuration) throws -> NIOSSLContext {
        let name = configuration.name
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(configuration.certificateChainPEM.utf8))
        } catch {
            throw SimulatorError("\(name): certificateChainPEM is not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw SimulatorError("\(name): certificateChainPEM holds no certificate") }
        do {
            key = try NIOSSLPrivateKey(bytes: Array(configuration.privateKeyPEM.utf8), format: .pem)
        } catch {
            throw SimulatorError("\(name): privateKeyPEM is not a PEM private key")
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        // The vendors switched TLS 1.0/1.1 off; HTTP/2 is not offered (not documented for them).
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["http/1.1"]
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw SimulatorError("\(name): TLS set-up failed (does the key match the certificate?): \(error)")
        }
    }
}
