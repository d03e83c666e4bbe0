import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A bare TCP client that records everything it receives: for tunnels held open, stalled heads and large transfers.
final class RawClient: Sendable {
    struct Received: Sendable {
        var bytes: [UInt8] = []
        /// The peer shut down its output (FIN).
        var endOfInput = false
        var closed = false
    }

    let channel: any Channel
    private let box: NIOLockedValueBox<Received>

    private init(channel: any Channel, box: NIOLockedValueBox<Received>) {
        self.channel = channel
        self.box = box
    }

    static func connect(port: Int, group: any EventLoopGroup) async throws -> RawClient {
        let box = NIOLockedValueBox(Received())
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(box: box))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawClient(channel: channel, box: box)
    }

    var received: Received { self.box.withLockedValue { $0 } }

    var text: String { String(decoding: self.received.bytes, as: UTF8.self) }

    func send(_ text: String) async throws {
        try await self.send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(self.channel.allocator.buffer(bytes: bytes))
    }

    /// Half-closes: sends FIN, keeps reading.
    func shutdownOutput() async throws {
        try await self.channel.close(mode: .output)
    }

    func close() async {
        try? await self.channel.close()
    }

    /// Polls until `condition` holds; false after `timeout`.
    @discardableResult
    func wait(for timeout: Duration = .seconds(10), until condition: (Received) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self.received) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(self.received)
    }

    /// Waits for a response head (up to the empty line) and returns it.
    func responseHead(timeout: Duration = .seconds(10)) async -> String? {
        let found = await self.wait(for: timeout) { received in
            received.bytes.count >= 4 && String(decoding: received.bytes, as: UTF8.self).contains("\r\n\r\n")
        }
        guard found else { return nil }
        let text = self.text
        return text.range(of: "\r\n\r\n").map { String(text[..<$0.upperBound]) }
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let box: NIOLockedValueBox<Received>

        init(box: NIOLockedValueBox<Received>) {
            self.box = box
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = self.unwrapInboundIn(data)
            self.box.withLockedValue { $0.bytes.append(contentsOf: buffer.readableBytesView) }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed = event {
                self.box.withLockedValue { $0.endOfInput = true }
            }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.box.withLockedValue {
                $0.endOfInput = true
                $0.closed = true
            }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
