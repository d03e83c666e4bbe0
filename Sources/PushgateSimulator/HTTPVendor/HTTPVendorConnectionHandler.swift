import NIOCore
import NIOHTTP1

/// Aggregates each HTTP/1.1 request on one connection, hands it to the vendor handler on this event loop, and writes
/// the answer the handler chose (now, later, never, or a closed connection).
///
/// Sits behind NIO's `HTTPServerPipelineHandler`, which holds pipelined requests back until the previous answer is
/// complete, so at most one request is in flight here.
final class HTTPVendorConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case reading(HTTPRequestHead)
        /// The body went over the limit: the rest is read and discarded, then 413.
        case discarding(HTTPRequestHead)
        case awaitingAnswer
    }

    private let handler: any HTTPVendorHandler
    private let maximumBodySize: Int
    private var state = State.idle
    private var body: ByteBuffer?

    init(handler: any HTTPVendorHandler, maximumBodySize: Int) {
        self.handler = handler
        self.maximumBodySize = maximumBodySize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.body = nil
            if let length = head.headers.first(name: "content-length").flatMap({ Int($0) }),
                length > self.maximumBodySize
            {
                self.state = .discarding(head)
            } else {
                self.state = .reading(head)
            }
            // curl asks before sending bodies over 1 KiB and would otherwise wait a second.
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                let continueHead = HTTPResponseHead(version: head.version, status: .continue)
                context.writeAndFlush(self.wrapOutboundOut(.head(continueHead)), promise: nil)
            }
        case .body(var chunk):
            guard case .reading(let head) = self.state else { return }
            if (self.body?.readableBytes ?? 0) + chunk.readableBytes > self.maximumBodySize {
                self.body = nil
                self.state = .discarding(head)
            } else if self.body == nil {
                self.body = chunk
            } else {
                self.body?.writeBuffer(&chunk)
            }
        case .end:
            switch self.state {
            case .reading(let head):
                self.state = .awaitingAnswer
                let request = HTTPVendorRequest(
                    head: head, body: self.body ?? context.channel.allocator.buffer(capacity: 0))
                self.body = nil
                self.perform(self.handler.handle(request), head: head, context: context)
            case .discarding(let head):
                self.state = .awaitingAnswer
                let response = HTTPVendorResponse.json(
                    .payloadTooLarge,
                    #"{"error":"request body larger than \#(self.maximumBodySize) bytes"}"#
                )
                self.write(response, head: head, context: context)
            case .idle, .awaitingAnswer:
                break
            }
        }
    }

    private func perform(_ action: HTTPVendorAction, head: HTTPRequestHead, context: ChannelHandlerContext) {
        switch action {
        case .respond(let response):
            self.write(response, head: head, context: context)
        case .respondAfter(let delay, let response):
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: TimeAmount(delay)) {
                let (handler, context) = loopBound.value
                // The client may have given up meanwhile.
                guard context.channel.isActive else { return }
                handler.write(response, head: head, context: context)
            }
        case .drop:
            context.close(promise: nil)
        case .hang:
            break
        }
    }

    private func write(_ response: HTTPVendorResponse, head: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive
        var headers = response.headers
        headers.replaceOrAdd(name: "content-length", value: String(response.body.utf8.count))
        if !keepAlive {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        let responseHead = HTTPResponseHead(version: head.version, status: response.status, headers: headers)
        context.write(self.wrapOutboundOut(.head(responseHead)), promise: nil)
        if !response.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: response.body.utf8.count)
            buffer.writeString(response.body)
            context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        self.state = .idle
        if keepAlive {
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }
}

@available(*, unavailable)
extension HTTPVendorConnectionHandler: Sendable {}
