import NIOCore
import NIOHTTP1
import NIOTLS
import PushgateCore

/// How one exchange on a connection ended.
enum VendorExchangeResult: Sendable {
    case answered(VendorHTTPResponse, keepAlive: Bool)
    /// The connection was gone before any byte of the request was written: safe to send again.
    case notSent(String)
    /// The request's deadline passed before it could be written: not written (it could only
    /// have timed out, an ambiguous outcome for nothing); the connection is still good.
    case expired
    case failed(stage: FailureStage, detail: String)
}

/// Why a connection could not be set up; nothing of any request was sent on it.
struct VendorConnectFailure: Error, Sendable {
    var stage: FailureStage
    var detail: String
}

/// The last handler of a vendor connection. It reports when the connection is ready (TLS
/// established to the vendor), then runs one exchange at a time: the request written in one
/// flush, the answer collected up to a size limit. A failed exchange says how far the request
/// got, which decides whether the vendor may have it (ARCHITECTURE rule 4).
final class VendorHTTPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Never
    typealias OutboundOut = HTTPClientRequestPart

    private struct Exchange {
        var promise: EventLoopPromise<VendorExchangeResult>
        var timeout: Scheduled<Void>?
        /// The whole request left for the socket.
        var written = false
        var head: HTTPResponseHead?
        var body: ByteBuffer?
    }

    /// How far setup got: the stage a setup failure is reported at.
    var setupStage: FailureStage
    private var setup: EventLoopPromise<Void>?
    private let setupDeadline: NIODeadline
    private var setupTimeout: Scheduled<Void>?
    private let maxResponseBytes: Int
    private var context: ChannelHandlerContext?
    private var exchange: Exchange?
    private var lastError: (any Error)?

    /// Completes once the connection is ready; fails with a `VendorConnectFailure`.
    let ready: EventLoopFuture<Void>

    /// `setup` is this channel's own: Happy Eyeballs runs the channel initializer once per
    /// connection attempt, and a losing attempt must not fail the winner's setup.
    init(setup: EventLoopPromise<Void>, setupStage: FailureStage, setupDeadline: NIODeadline, maxResponseBytes: Int) {
        self.setup = setup
        self.ready = setup.futureResult
        self.setupStage = setupStage
        self.setupDeadline = setupDeadline
        self.maxResponseBytes = maxResponseBytes
    }

    // MARK: Setup

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.setupTimeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: self.setupDeadline) {
            [self] in
            self.failSetup(
                VendorConnectFailure(stage: self.setupStage, detail: "not connected within the request timeout"))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.failSetup(VendorConnectFailure(stage: self.setupStage, detail: "the connection was closed"))
        self.finishExchange(.failed(stage: self.stageOfExchange, detail: "the connection was closed"))
        self.context = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event, let setup = self.setup {
            self.setup = nil
            self.setupTimeout?.cancel()
            setup.succeed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Fails setup (once) and closes the connection.
    func failSetup(_ failure: VendorConnectFailure) {
        guard let setup = self.setup else { return }
        self.setup = nil
        self.setupTimeout?.cancel()
        setup.fail(failure)
        self.context?.close(promise: nil)
    }

    // MARK: Exchanges

    /// Writes `head` and `body` in one flush and completes `promise` with the answer, or with
    /// how far the request got once `deadline` passes or the connection fails.
    func start(
        head: HTTPRequestHead, body: ByteBuffer?, deadline: NIODeadline,
        promise: EventLoopPromise<VendorExchangeResult>
    ) {
        guard let context = self.context, self.setup == nil, self.exchange == nil, context.channel.isActive else {
            promise.succeed(.notSent("the connection closed before the request was written"))
            return
        }
        guard deadline > .now() else {
            promise.succeed(.expired)
            return
        }
        var exchange = Exchange(promise: promise)
        exchange.timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            self.finishExchange(.failed(stage: self.stageOfExchange, detail: "no answer within the request timeout"))
            self.context?.close(promise: nil)
        }
        self.exchange = exchange
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.assumeIsolated().whenSuccess { [self] in
            // The exchange may already be over (an early answer); then nothing is left to mark.
            self.exchange?.written = true
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            guard self.exchange != nil else {
                // An answer nobody asked for: the connection's framing cannot be trusted.
                context.close(promise: nil)
                return
            }
            self.exchange?.head = head
        case .body(var part):
            guard var exchange = self.exchange else { return }
            self.exchange = nil  // keeps the body buffer uniquely referenced while it grows
            var body = exchange.body ?? context.channel.allocator.buffer(capacity: part.readableBytes)
            let room = max(0, self.maxResponseBytes - body.readableBytes)
            if let kept = part.readSlice(length: min(room, part.readableBytes)) { body.writeImmutableBuffer(kept) }
            exchange.body = body
            self.exchange = exchange
        case .end:
            guard let exchange = self.exchange, let head = exchange.head else {
                context.close(promise: nil)
                return
            }
            let response = VendorHTTPResponse(
                status: head.status, headers: head.headers, body: exchange.body ?? ByteBuffer())
            // Answer first: closing fires channelInactive, which would fail the exchange.
            self.finishExchange(.answered(response, keepAlive: head.isKeepAlive))
            if !head.isKeepAlive { context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.lastError = error
        self.failSetup(VendorConnectFailure(stage: self.setupStage, detail: "\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let cause = self.lastError.map { ": \($0)" } ?? ""
        self.failSetup(VendorConnectFailure(stage: self.setupStage, detail: "the connection was closed\(cause)"))
        self.finishExchange(
            .failed(stage: self.stageOfExchange, detail: "the connection closed before the answer\(cause)"))
        context.fireChannelInactive()
    }

    /// Where a failed exchange stopped: both stages mean the vendor may have the request.
    private var stageOfExchange: FailureStage {
        self.exchange?.written == true ? .awaitingResponse : .requestWrite
    }

    private func finishExchange(_ result: VendorExchangeResult) {
        guard let exchange = self.exchange else { return }
        self.exchange = nil
        exchange.timeout?.cancel()
        exchange.promise.succeed(result)
    }
}

@available(*, unavailable)
extension VendorHTTPConnectionHandler: Sendable {}
