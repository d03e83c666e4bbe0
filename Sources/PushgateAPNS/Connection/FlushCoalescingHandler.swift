import NIOCore

/// Turns the flushes of one event-loop tick into one. HTTP/2 streams open on a later tick
/// than the one that asked for them (swift-nio-http2 defers stream creation), so each
/// request flushed by itself and cost one TLS record and one `write` syscall; deferring the
/// flush to the end of the queued tasks lets every stream opened in a burst share them.
final class FlushCoalescingHandler: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var flushScheduled = false

    func flush(context: ChannelHandlerContext) {
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.flushScheduled = false
            context.flush()
        }
    }
}

@available(*, unavailable)
extension FlushCoalescingHandler: Sendable {}
