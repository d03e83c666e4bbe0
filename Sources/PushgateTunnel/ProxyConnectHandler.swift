import NIOCore
import NIOTLS

/// Opens a tunnel with `CONNECT host:port` and removes itself once the proxy answers 2xx. Shared by
/// the APNs connections and the HTTP vendors' transport.
///
/// Written here rather than using swift-nio-extras' `NIOHTTP1ProxyConnectHandler` because
/// that one hides the proxy's status code, and a precise failure (407 vs 403 vs 502/504) is
/// what tells ops whether credentials, the allowlist or the route to the vendor is at fault.
package final class ProxyConnectHandler: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = ByteBuffer
    package typealias InboundOut = ByteBuffer
    package typealias OutboundIn = ByteBuffer
    package typealias OutboundOut = ByteBuffer

    /// The proxy's answer, when it is not a 2xx.
    package struct Refusal: Error, CustomStringConvertible {
        package var status: Int
        package var reason: String
        package var description: String { "the proxy answered \(self.status) \(self.reason)" }
    }

    private static let maximumHeadBytes = 16_384

    private let target: String
    private let authorization: String?
    private let onProxyTLSEstablished: () -> Void
    private let completion: EventLoopPromise<Void>
    private var buffer = ByteBuffer()
    private var requestSent = false
    private var done = false

    package init(
        targetHost: String,
        targetPort: Int,
        authorization: String?,
        onProxyTLSEstablished: @escaping () -> Void,
        completion: EventLoopPromise<Void>
    ) {
        self.target = "\(targetHost):\(targetPort)"
        self.authorization = authorization
        self.onProxyTLSEstablished = onProxyTLSEstablished
        self.completion = completion
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.sendRequest(context: context) }
    }

    package func channelActive(context: ChannelHandlerContext) {
        self.sendRequest(context: context)
        context.fireChannelActive()
    }

    private func sendRequest(context: ChannelHandlerContext) {
        guard !self.requestSent else { return }
        self.requestSent = true
        var head = "CONNECT \(self.target) HTTP/1.1\r\nHost: \(self.target)\r\n"
        if let authorization { head += "Proxy-Authorization: \(authorization)\r\n" }
        head += "\r\n"
        // With a TLS proxy, NIOSSL holds this until its handshake is done.
        context.writeAndFlush(self.wrapOutboundOut(context.channel.allocator.buffer(string: head)), promise: nil)
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = self.unwrapInboundIn(data)
        guard !self.done else {
            context.fireChannelRead(self.wrapInboundOut(incoming))
            return
        }
        self.buffer.writeBuffer(&incoming)
        let view = self.buffer.readableBytesView
        guard let end = view.firstRange(of: [13, 10, 13, 10]) else {
            if self.buffer.readableBytes > Self.maximumHeadBytes {
                self.fail(context: context, Refusal(status: 0, reason: "(response head too large)"))
            }
            return
        }
        let headLength = end.upperBound - view.startIndex
        let head = self.buffer.readString(length: headLength) ?? ""
        let statusLine = head.split(separator: "\r\n", maxSplits: 1).first ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            self.fail(context: context, Refusal(status: 0, reason: "(not an HTTP response)"))
            return
        }
        guard (200..<300).contains(status) else {
            self.fail(context: context, Refusal(status: status, reason: parts.count > 2 ? String(parts[2]) : ""))
            return
        }
        self.done = true
        let leftover = self.buffer
        self.completion.succeed()
        // Anything after the head already belongs to the tunnel (the upstream TLS handshake).
        if leftover.readableBytes > 0 { context.fireChannelRead(self.wrapInboundOut(leftover)) }
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !self.done, case TLSUserEvent.handshakeCompleted = event {
            self.onProxyTLSEstablished()
            return  // The proxy's TLS is ours alone; later handlers wait for the upstream handshake.
        }
        context.fireUserInboundEventTriggered(event)
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !self.done else {
            context.fireErrorCaught(error)
            return
        }
        self.fail(context: context, error)
    }

    /// A channel whose connect failed is torn down without ever being active or inactive: the
    /// caller still gets its answer.
    package func handlerRemoved(context: ChannelHandlerContext) {
        if !self.done {
            self.done = true
            self.completion.fail(Refusal(status: 0, reason: "(the connection to the proxy was closed)"))
        }
    }

    package func channelInactive(context: ChannelHandlerContext) {
        if !self.done {
            self.done = true
            self.completion.fail(Refusal(status: 0, reason: "(the proxy closed the connection)"))
        }
        context.fireChannelInactive()
    }

    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        guard !self.done else { return }
        self.done = true
        self.completion.fail(error)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension ProxyConnectHandler: Sendable {}
