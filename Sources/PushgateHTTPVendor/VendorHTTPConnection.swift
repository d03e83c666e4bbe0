import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PushgateCore
import PushgateTunnel

/// One keep-alive HTTP/1.1 connection over TLS to a vendor origin, directly or through a
/// CONNECT proxy. It carries one exchange at a time; the pool hands it to one sender at a time.
final class VendorHTTPConnection: Sendable {
    /// What every connection of a transport is opened with.
    struct Settings: Sendable {
        var sslContext: NIOSSLContext
        var proxy: VendorHTTPTransport.Proxy?
        var connectTimeout: TimeAmount
        var maxResponseBytes: Int
    }

    private let channel: any Channel
    private let handler: NIOLoopBound<VendorHTTPConnectionHandler>

    private init(channel: any Channel, handler: NIOLoopBound<VendorHTTPConnectionHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Open and not told to close by the vendor (thread-safe: NIO keeps `isActive` atomic).
    var isOpen: Bool { self.channel.isActive }

    func close() {
        self.channel.close(promise: nil)
    }

    /// Runs one exchange; never throws: the result says how far a failed exchange got.
    func execute(head: HTTPRequestHead, body: ByteBuffer?, deadline: NIODeadline) async -> VendorExchangeResult {
        let promise = self.channel.eventLoop.makePromise(of: VendorExchangeResult.self)
        let handler = self.handler
        self.channel.eventLoop.execute {
            handler.value.start(head: head, body: body, deadline: deadline, promise: promise)
        }
        do {
            return try await promise.futureResult.get()
        } catch {
            return .failed(stage: .requestWrite, detail: "\(error)")
        }
    }

    /// Connects (through the proxy when one is set) and completes the TLS handshake with the
    /// vendor before `deadline`; the failure says which step did not complete.
    static func connect(
        to origin: VendorHTTPTarget.Origin, settings: Settings, eventLoop: any EventLoop, deadline: NIODeadline
    ) async -> Result<VendorHTTPConnection, VendorConnectFailure> {
        let proxy = settings.proxy
        let maxResponseBytes = settings.maxResponseBytes
        let sslContext = settings.sslContext
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(min(settings.connectTimeout, max(.zero, deadline - .now())))
        // The initializer runs once per connection attempt (Happy Eyeballs); `connect` returns
        // what it made for the attempt that won, so each channel is waited on through its own
        // handler, which cannot be looked up any more once a refusal has closed the channel.
        let connected: Connected
        do {
            connected = try await bootstrap.connect(
                host: proxy?.host ?? origin.host, port: proxy?.port ?? origin.port
            ) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let setup = channel.eventLoop.makePromise(of: Void.self)
                    let handler = VendorHTTPConnectionHandler(
                        setup: setup, setupStage: proxy == nil ? .upstreamTLS : .proxyConnect,
                        setupDeadline: deadline, maxResponseBytes: maxResponseBytes)
                    let sync = channel.pipeline.syncOperations
                    do {
                        try sync.addHandler(handler)
                    } catch {
                        setup.fail(error)  // never added: nothing else would complete it
                        throw error
                    }
                    let connected = Connected(
                        channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop),
                        ready: handler.ready)
                    guard let proxy else {
                        try Self.addVendorHandlers(sync, origin: origin, sslContext: sslContext, before: handler)
                        return connected
                    }
                    let tunnel = channel.eventLoop.makePromise(of: Void.self)
                    try sync.addHandler(
                        ProxyConnectHandler(
                            targetHost: origin.host, targetPort: origin.port,
                            authorization: proxy.authorizationHeader, onProxyTLSEstablished: {}, completion: tunnel),
                        position: .before(handler))
                    tunnel.futureResult.assumeIsolated().whenComplete { result in
                        switch result {
                        case .success:
                            handler.setupStage = .upstreamTLS
                            do {
                                try Self.addVendorHandlers(
                                    sync, origin: origin, sslContext: sslContext, before: handler)
                            } catch {
                                handler.failSetup(VendorConnectFailure(stage: .upstreamTLS, detail: "\(error)"))
                            }
                        case .failure(let error):
                            handler.failSetup(VendorConnectFailure(stage: .proxyConnect, detail: "proxy: \(error)"))
                        }
                    }
                    return connected
                }
            }
        } catch {
            return .failure(Self.connectFailure(error, proxied: proxy != nil))
        }
        do {
            try await connected.ready.get()
            return .success(VendorHTTPConnection(channel: connected.channel, handler: connected.handler))
        } catch {
            connected.channel.close(promise: nil)
            if let failure = error as? VendorConnectFailure { return .failure(failure) }
            return .failure(VendorConnectFailure(stage: .upstreamTLS, detail: "\(error)"))
        }
    }

    /// What the channel initializer makes for one connection attempt.
    private struct Connected: Sendable {
        var channel: any Channel
        var handler: NIOLoopBound<VendorHTTPConnectionHandler>
        var ready: EventLoopFuture<Void>
    }

    /// TLS to the vendor, then the HTTP/1.1 codec (our encoder: one buffer per request).
    private static func addVendorHandlers(
        _ sync: ChannelPipeline.SynchronousOperations, origin: VendorHTTPTarget.Origin, sslContext: NIOSSLContext,
        before handler: VendorHTTPConnectionHandler
    ) throws {
        let isIPLiteral = (try? SocketAddress(ipAddress: origin.host, port: 0)) != nil
        let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: isIPLiteral ? nil : origin.host)
        let handlers: [any ChannelHandler] = [
            tls, VendorHTTPRequestEncoder(),
            ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)),
        ]
        try sync.addHandlers(handlers, position: .before(handler))
    }

    /// Which step a failed TCP connect (to the vendor or the proxy) stopped at.
    static func connectFailure(_ error: any Error, proxied: Bool) -> VendorConnectFailure {
        let connect: FailureStage = proxied ? .proxyTCP : .connect
        if let error = error as? NIOConnectionError {
            let resolved = error.dnsAError == nil || error.dnsAAAAError == nil
            let stage = resolved || !error.connectionErrors.isEmpty ? connect : (proxied ? .proxyTCP : .resolve)
            return VendorConnectFailure(stage: stage, detail: "\(error)")
        }
        return VendorConnectFailure(stage: connect, detail: "\(error)")
    }
}
