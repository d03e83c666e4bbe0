import NIOCore
import NIOHTTP1

/// The admin listener: `GET /healthz` and `GET /metrics` (Prometheus text), nothing else.
final class AdminHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: ProxyMetrics
    private let registry: ConnectionRegistry
    private var request: HTTPRequestHead?

    init(metrics: ProxyMetrics, registry: ConnectionRegistry) {
        self.metrics = metrics
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.request = head
        case .body:
            break
        case .end:
            guard let head = self.request else { return }
            self.request = nil
            self.respond(to: head, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        let body: [UInt8]
        switch (request.method, path) {
        case (.GET, "/healthz"):
            // While draining, say so: a load balancer or supervisor should stop sending new tunnels here.
            if self.registry.isDraining {
                (status, body) = (.serviceUnavailable, Array("draining\n".utf8))
            } else {
                (status, body) = (.ok, Array("ok\n".utf8))
            }
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        case (.GET, "/metrics"):
            (status, body) = (.ok, self.metrics.render())
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
        case (_, "/healthz"), (_, "/metrics"):
            (status, body) = (.methodNotAllowed, Array("method not allowed\n".utf8))
            headers.add(name: "Allow", value: "GET")
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        default:
            (status, body) = (.notFound, Array("not found\n".utf8))
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        }
        headers.add(name: "Content-Length", value: "\(body.count)")
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }

        let head = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(
            self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let done = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension AdminHTTPHandler: Sendable {}
