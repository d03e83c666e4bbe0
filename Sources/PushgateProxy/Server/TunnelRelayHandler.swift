import NIOCore

/// One half of a tunnel: what this channel reads, its partner writes, unchanged (the proxy never looks inside).
///
/// Backpressure: this side reads only while the partner's channel is writable; when the partner drains below its
/// low-water mark it resumes us. So a fast sender cannot make the proxy buffer more than a channel's high-water mark.
/// Half-close: end of input here becomes a shutdown of the partner's output, after everything relayed so far.
final class TunnelRelayHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Side {
        /// Reads from the client, so its bytes go upstream.
        case client
        /// Reads from the target, so its bytes go downstream.
        case upstream
    }

    let side: Side
    private var partner: TunnelRelayHandler?
    private var tunnel: Tunnel?
    private var context: ChannelHandlerContext?
    private var readHeld = false
    private var unreportedBytes = 0
    private var outputClosed = false

    init(side: Side) {
        self.side = side
    }

    /// Joins two halves; each then reads as soon as the other can take bytes.
    static func link(client: TunnelRelayHandler, upstream: TunnelRelayHandler, tunnel: Tunnel) {
        client.partner = upstream
        upstream.partner = client
        client.tunnel = tunnel
        upstream.tunnel = tunnel
        client.resumeReading(force: true)
        upstream.resumeReading(force: true)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        self.unreportedBytes += buffer.readableBytes
        self.tunnel?.touch()
        self.partner?.write(buffer)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.reportBytes()
        self.partner?.flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.partner?.resumeReading(force: false)
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            self.reportBytes()
            self.partner?.closeOutputAfterPendingWrites()
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.reportBytes()
        let partner = self.partner
        let tunnel = self.tunnel
        self.partner = nil
        self.tunnel = nil
        // One side gone means the tunnel is gone; bytes the partner had not sent yet are lost, as with any TCP reset.
        partner?.context?.close(promise: nil)
        tunnel?.sideClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Resets and TLS errors end the tunnel; they are normal at this layer and the access log records the end.
        context.close(promise: nil)
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if let partner = self.partner, partner.isWritable {
            context.read()
        } else {
            self.readHeld = true
        }
    }

    // MARK: Called by the partner (same event loop)

    private var isWritable: Bool {
        self.context?.channel.isWritable ?? false
    }

    private func write(_ buffer: ByteBuffer) {
        self.context?.write(self.wrapOutboundOut(buffer), promise: nil)
    }

    private func flush() {
        self.context?.flush()
    }

    private func resumeReading(force: Bool) {
        guard self.readHeld || force, let context = self.context else { return }
        self.readHeld = false
        self.read(context: context)
    }

    private func closeOutputAfterPendingWrites() {
        guard !self.outputClosed, let context = self.context else { return }
        self.outputClosed = true
        // An empty write completes only after every write queued before it, so the shutdown cannot cut them off.
        let marker = context.channel.allocator.buffer(capacity: 0)
        context.writeAndFlush(self.wrapOutboundOut(marker)).assumeIsolated().whenComplete { _ in
            context.close(mode: .output).assumeIsolated().whenFailure { _ in
                // Half-closure unsupported or the channel is already gone: close fully.
                context.close(promise: nil)
            }
        }
    }

    private func reportBytes() {
        guard self.unreportedBytes > 0 else { return }
        self.tunnel?.relayed(self.unreportedBytes, from: self.side)
        self.unreportedBytes = 0
    }
}

@available(*, unavailable)
extension TunnelRelayHandler: Sendable {}
