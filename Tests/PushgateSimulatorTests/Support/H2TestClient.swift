import NIOConcurrencyHelpers
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL

/// A bare HTTP/2 client for tests that must see connection-level frames (SETTINGS, GOAWAY), which curl hides.
final class H2TestClient: Sendable {
    struct Response: Sendable {
        var status: Int
        var body: String
    }

    /// Connection-level frames the server sent, in order.
    enum Event: Sendable, Equatable {
        case maxConcurrentStreams(Int)
        case goAway(lastStreamID: Int, debugData: String)
    }

    private let channel: any Channel
    private let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    private let log: NIOLockedValueBox<[Event]>

    private init(channel: any Channel, multiplexer: NIOHTTP2Handler.StreamMultiplexer, log: NIOLockedValueBox<[Event]>)
    {
        self.channel = channel
        self.multiplexer = multiplexer
        self.log = log
    }

    var events: [Event] { self.log.withLockedValue { $0 } }

    static func connect(port: Int, caPEM: String, group: any EventLoopGroup) async throws -> H2TestClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        tls.applicationProtocols = ["h2"]
        let sslContext = try NIOSSLContext(configuration: tls)
        let log = NIOLockedValueBox<[Event]>([])
        let (channel, multiplexer) = try await ClientBootstrap(group: group)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: "localhost"))
                    let multiplexer = try pipeline.configureHTTP2Pipeline(
                        mode: .client,
                        connectionConfiguration: .init(),
                        streamConfiguration: .init()
                    ) { $0.eventLoop.makeSucceededVoidFuture() }
                    try pipeline.addHandler(ConnectionFrameRecorder(log: log))
                    return (channel, multiplexer)
                }
            }
        return H2TestClient(channel: channel, multiplexer: multiplexer, log: log)
    }

    /// Sends one request on a new stream and waits for its complete answer.
    func send(path: String, headers: [(String, String)], body: String?) async throws -> Response {
        let promise = self.channel.eventLoop.makePromise(of: Response.self)
        let stream = try await self.multiplexer.createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
            }
        }.get()
        var block = HPACKHeaders([
            (":method", "POST"), (":scheme", "https"), (":authority", "localhost"), (":path", path),
        ])
        block.add(contentsOf: headers)
        let endStream = body == nil
        stream.write(HTTP2Frame.FramePayload.headers(.init(headers: block, endStream: endStream)), promise: nil)
        if let body {
            var buffer = stream.allocator.buffer(capacity: body.utf8.count)
            buffer.writeString(body)
            stream.write(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(buffer), endStream: true)), promise: nil)
        }
        stream.flush()
        return try await promise.futureResult.get()
    }

    /// Waits (up to `seconds`) until `condition` holds for the recorded events.
    func waitFor(seconds: Double = 5, _ condition: ([Event]) -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition(self.events) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition(self.events)
    }

    var isActive: Bool { self.channel.isActive }

    func close() async {
        try? await self.channel.close().get()
    }
}

private final class ConnectionFrameRecorder: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    let log: NIOLockedValueBox<[H2TestClient.Event]>

    init(log: NIOLockedValueBox<[H2TestClient.Event]>) {
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.payload {
        case .settings(.settings(let settings)):
            for setting in settings where setting.parameter == .maxConcurrentStreams {
                self.log.withLockedValue { $0.append(.maxConcurrentStreams(setting.value)) }
            }
        case .goAway(let lastStreamID, _, let opaqueData):
            let text = opaqueData.map { String(buffer: $0) } ?? ""
            self.log.withLockedValue { $0.append(.goAway(lastStreamID: Int(lastStreamID), debugData: text)) }
        default:
            break
        }
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension ConnectionFrameRecorder: Sendable {}

private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload

    let promise: EventLoopPromise<H2TestClient.Response>
    var status = 0
    var body = ""
    var done = false

    init(promise: EventLoopPromise<H2TestClient.Response>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .headers(let headers):
            if let status = headers.headers.first(name: ":status").flatMap(Int.init) {
                self.status = status
            }
            if headers.endStream { self.finish() }
        case .data(let data):
            if case .byteBuffer(let buffer) = data.data {
                self.body += String(buffer: buffer)
            }
            if data.endStream { self.finish() }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.done {
            self.done = true
            self.promise.fail(ChannelError.eof)
        }
        context.fireChannelInactive()
    }

    private func finish() {
        guard !self.done else { return }
        self.done = true
        self.promise.succeed(H2TestClient.Response(status: self.status, body: self.body))
    }
}

@available(*, unavailable)
extension ResponseCollector: Sendable {}
