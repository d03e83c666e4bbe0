import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Serves one client connection until its tunnel is established (then it leaves the pipeline) or it is refused.
///
/// The decisions are the `StateMachine`'s; this handler does the I/O: header timer, credential check off the loop,
/// tunnel slot, upstream connect, responses, and the hand-over to two `TunnelRelayHandler`s.
final class ConnectHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How long a refused connection may keep sending before it is closed: long enough for the client to read the
    /// answer instead of a reset, short enough not to matter.
    static let lingerTime: TimeAmount = .seconds(2)

    private let server: ProxyServerContext
    private let isTLS: Bool
    private var machine: StateMachine
    private var started = false
    private var tlsEstablished = false
    private var client = ClientEndpoint(nil)
    private var startedAt = NIODeadline.now()
    private var headerTimer: Scheduled<Void>?
    private var lingerTimer: Scheduled<Void>?
    private var readPending = false
    private var holdsSlot = false
    private var clientInputClosed = false
    private var tlsFailureRecorded = false

    init(server: ProxyServerContext, isTLS: Bool) {
        self.server = server
        self.isTLS = isTLS
        self.machine = StateMachine(policy: server.policy, maxHeaderBytes: server.limits.maxHeaderBytes)
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            self.start(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelTimers()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.cancelTimers()
        self.machine.clientClosed()
        self.releaseSlot()
        context.fireChannelInactive()
    }

    private func start(context: ChannelHandlerContext) {
        guard !self.started else { return }
        self.started = true
        self.startedAt = .now()
        self.client = ClientEndpoint(context.channel.remoteAddress)
        // From accept, TLS handshake included: a slow or silent client cannot hold a connection longer.
        self.headerTimer = context.eventLoop.assumeIsolated().scheduleTask(
            in: TimeAmount(self.server.limits.headerTimeout)
        ) {
            self.headerTimer = nil
            self.perform(self.machine.headerTimedOut(), context: context)
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        let action = self.machine.bytesReceived(buffer.readableBytesView)
        self.perform(action, context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case TLSUserEvent.handshakeCompleted:
            self.tlsEstablished = true
        case ChannelEvent.inputClosed:
            self.clientInputClosed = true
            if self.machine.awaitsHeadBytes {
                // Gone before finishing its head: nothing to answer. (After a refusal, the pending half-close of our
                // side completes the close; while connecting, the end of input is passed on to the tunnel.)
                context.close(promise: nil)
            }
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if self.isTLS, !self.tlsEstablished, Self.isHandshakeFailure(error) {
            // One refusal per connection, however many errors the TLS handler reports on the way down.
            guard !self.tlsFailureRecorded else { return }
            self.tlsFailureRecorded = true
            self.cancelTimers()
            self.machine.clientClosed()
            self.server.recordRefusal(
                ProxyRefusal(.tlsFailed, "TLS handshake failed: \(error)"),
                client: self.client,
                user: nil,
                target: nil,
                since: self.startedAt
            )
        } else {
            self.server.logger.debug(
                "client connection error",
                metadata: [ProxyLogKey.client: "\(self.client.address)", ProxyLogKey.error: "\(error)"]
            )
        }
        context.close(promise: nil)
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if self.machine.pausesReading {
            self.readPending = true
        } else {
            context.read()
        }
    }

    // MARK: Actions

    private func perform(_ action: StateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none, .closeUpstream:
            break
        case .refuse(let refusal):
            self.refuse(refusal, context: context)
        case .verifyCredentials(let credentials):
            self.server.authenticator.verify(credentials, on: context.eventLoop)
                .hop(to: context.eventLoop)
                .assumeIsolated()
                .whenComplete { result in
                    let valid = (try? result.get()) ?? false
                    self.perform(self.machine.credentialsChecked(valid: valid), context: context)
                }
        case .openTunnel(let target):
            self.cancelTimers()
            self.openTunnel(target, context: context)
        case .establishTunnel:
            // Only ever returned to `openTunnel`'s callback, which has the upstream channel.
            assertionFailure("establishTunnel outside openTunnel")
        }
    }

    private func openTunnel(_ target: ProxyTarget, context: ChannelHandlerContext) {
        let admission = self.server.admit(self.client)
        guard admission == .admitted else {
            self.perform(self.machine.admissionDenied(admission), context: context)
            return
        }
        self.holdsSlot = true
        let connectStart = NIODeadline.now()
        self.server.connector.connect(to: target, on: context.eventLoop, timeout: self.server.limits.connectTimeout)
            .hop(to: context.eventLoop)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let upstream):
                    let elapsed = NIODeadline.now() - connectStart
                    self.server.metrics.upstreamConnected(after: .nanoseconds(elapsed.nanoseconds))
                    switch self.machine.upstreamConnected() {
                    case .establishTunnel(let buffered):
                        self.establishTunnel(upstream: upstream, buffered: buffered, context: context)
                    default:
                        upstream.close(promise: nil)
                    }
                case .failure(let error):
                    let timedOut: Bool
                    if case ChannelError.connectTimeout = error { timedOut = true } else { timedOut = false }
                    let action = self.machine.upstreamFailed(
                        timedOut: timedOut, detail: "connect to \(target): \(error)")
                    self.perform(action, context: context)
                }
            }
    }

    private func establishTunnel(upstream: any Channel, buffered: [UInt8], context: ChannelHandlerContext) {
        guard upstream.isActive else {
            // Connected and already gone: a tunnel now would never see that side close.
            self.refuse(ProxyRefusal(.upstreamConnectFailed, "target closed right after connect"), context: context)
            return
        }
        let clientRelay = TunnelRelayHandler(side: .client)
        let upstreamRelay: TunnelRelayHandler
        do {
            upstreamRelay = try upstream.pipeline.syncOperations.handler(type: TunnelRelayHandler.self)
            try context.pipeline.syncOperations.addHandler(clientRelay)
        } catch {
            self.server.logger.error("cannot set up the tunnel", metadata: [ProxyLogKey.error: "\(error)"])
            upstream.close(promise: nil)
            context.close(promise: nil)
            return
        }

        let established = context.channel.allocator.buffer(string: ProxyRefusal.established)
        context.writeAndFlush(self.wrapOutboundOut(established), promise: nil)
        let tunnel = Tunnel(
            server: self.server,
            eventLoop: context.eventLoop,
            client: self.client,
            user: self.machine.user,
            target: self.machine.target ?? ProxyTarget(host: "unknown", port: 0),
            startedAt: self.startedAt
        )
        self.holdsSlot = false  // the tunnel releases it when both sides are closed
        self.server.registry.markTunnel(context.channel)
        if !buffered.isEmpty {
            // Bytes the client sent right behind its head (a ClientHello, typically).
            upstream.writeAndFlush(upstream.allocator.buffer(bytes: buffered), promise: nil)
            tunnel.relayed(buffered.count, from: .client)
        }
        TunnelRelayHandler.link(client: clientRelay, upstream: upstreamRelay, tunnel: tunnel)
        let clientChannel = context.channel
        tunnel.watchIdleness(timeout: self.server.limits.idleTimeout) {
            // Closing one side closes the other (TunnelRelayHandler.channelInactive).
            clientChannel.close(promise: nil)
        }
        if self.clientInputClosed {
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func refuse(_ refusal: ProxyRefusal, context: ChannelHandlerContext) {
        self.cancelTimers()
        self.releaseSlot()
        self.server.recordRefusal(
            refusal,
            client: self.client,
            user: self.machine.user,
            target: self.machine.target?.description ?? self.machine.requestedTarget,
            since: self.startedAt
        )
        // No HTTP answer is possible before the TLS handshake is done.
        guard !self.isTLS || self.tlsEstablished, let response = refusal.response(allocator: context.channel.allocator)
        else {
            context.close(promise: nil)
            return
        }
        if self.readPending {
            // Keep reading (and dropping) so the client gets our answer and a FIN, not a reset over unread bytes.
            self.readPending = false
            context.read()
        }
        context.writeAndFlush(self.wrapOutboundOut(response)).assumeIsolated().whenComplete { _ in
            context.close(mode: .output).assumeIsolated().whenFailure { _ in context.close(promise: nil) }
        }
        self.lingerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTime) {
            self.lingerTimer = nil
            context.close(promise: nil)
        }
    }

    private func releaseSlot() {
        guard self.holdsSlot else { return }
        self.holdsSlot = false
        self.server.release(self.client)
    }

    private func cancelTimers() {
        self.headerTimer?.cancel()
        self.headerTimer = nil
        self.lingerTimer?.cancel()
        self.lingerTimer = nil
    }

    private static func isHandshakeFailure(_ error: any Error) -> Bool {
        if let error = error as? NIOSSLError, case .handshakeFailed = error { return true }
        return error is BoringSSLError
    }
}

@available(*, unavailable)
extension ConnectHandler: Sendable {}
