import NIOCore
import NIOHPACK
import NIOHTTP2

/// Carries one request on one HTTP/2 stream and reads its answer. Writes frame payloads
/// directly (no HTTP/1 codec) and completes a promise instead of exposing an async channel:
/// the cheap design measured in NIO-HTTP2-NOTES.md.
final class APNSStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let pending: APNSPendingRequest
    private let headers: HPACKHeaders
    private let connection: APNSConnection
    private var requestStarted = false
    private var streamID: HTTP2StreamID?
    private var status: Int?
    private var apnsID: String?
    private var body: [UInt8] = []
    /// The END_STREAM frame reached the socket: APNs may have the whole request.
    private var requestWritten = false
    private var resetCode: HTTP2ErrorCode?
    private var finished = false

    init(pending: APNSPendingRequest, headers: HPACKHeaders, connection: APNSConnection) {
        self.pending = pending
        self.headers = headers
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.pending.stream = context.channel
        if context.channel.isActive { self.sendRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.sendRequest(context: context)
        context.fireChannelActive()
    }

    private func sendRequest(context: ChannelHandlerContext) {
        guard !self.requestStarted else { return }
        self.requestStarted = true
        context.write(self.wrapOutboundOut(.headers(.init(headers: self.headers))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(
            self.wrapOutboundOut(
                .data(.init(data: .byteBuffer(self.pending.request.payload), endStream: true))),
            promise: written
        )
        // NIO assigns the stream id when the first frame is written.
        let channel = context.channel
        written.futureResult.assumeIsolated().whenComplete { result in
            self.streamID = try? channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)
            if case .success = result { self.requestWritten = true }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .headers(let frame):
            // A 100-continue or trailers would not carry :status we care about; keep the first.
            if self.status == nil, let text = frame.headers.first(name: ":status") {
                self.status = Int(text)
                self.apnsID = frame.headers.first(name: "apns-id")
            }
            if frame.endStream { self.finish(context: context) }
        case .data(let frame):
            if case .byteBuffer(var buffer) = frame.data, self.body.count < 16_384 {
                self.body += buffer.readBytes(length: buffer.readableBytes) ?? []
            }
            if frame.endStream { self.finish(context: context) }
        default:
            break
        }
    }

    private func finish(context: ChannelHandlerContext) {
        guard !self.finished, let status = self.status else { return }
        self.finished = true
        // Before the hand-off: once the connection passes the request on (a resend on another
        // connection's event loop), this handler must not touch it again.
        self.pending.stream = nil
        var response = APNSResponse(status: status, apnsID: self.apnsID)
        if status != 200 {
            (response.reason, response.timestamp) = APNSResponse.parseErrorBody(self.body)
        }
        self.connection.responseReceived(response, for: self.pending)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let closed = error as? NIOHTTP2Errors.StreamClosed {
            self.resetCode = closed.errorCode
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.streamEnded(context: context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.streamEnded(context: context)
    }

    /// The stream is gone; if no answer came, say why, as precisely as we know.
    private func streamEnded(context: ChannelHandlerContext) {
        guard !self.finished else { return }
        self.finished = true
        self.pending.stream = nil  // Before the hand-off, as in `finish`.
        if self.streamID == nil {
            self.streamID = try? context.channel.syncOptions?.getOption(
                HTTP2StreamChannelOptions.streamID)
        }
        let failure = self.connection.failure(
            streamID: self.streamID, requestWritten: self.requestWritten, resetCode: self.resetCode)
        self.connection.streamFailed(self.pending, failure)
    }
}

@available(*, unavailable)
extension APNSStreamHandler: Sendable {}
