import NIOCore
import NIOHTTP2
import NIOSSL
import NIOTLS

/// Watches a connection's stream-0 frames and TLS events and tells its `APNSConnection`:
/// SETTINGS (the stream limit), GOAWAY, PING acks and the ALPN result.
final class APNSConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    private let connection: APNSConnection

    init(connection: APNSConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.payload {
        case .settings(.settings(let settings)):
            let limit = settings.last(where: { $0.parameter == .maxConcurrentStreams })?.value
            self.connection.settingsReceived(maxConcurrentStreams: limit)
        case .goAway(let lastStreamID, let errorCode, let debugData):
            var debug = debugData ?? ByteBuffer()
            let text = debug.readString(length: min(debug.readableBytes, 512)) ?? ""
            self.connection.goAwayReceived(lastStreamID: lastStreamID, errorCode: errorCode, debugText: text)
        case .ping(_, ack: true):
            self.connection.pingAcknowledged()
        default:
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let negotiatedProtocol) = event {
            self.connection.tlsHandshakeCompleted(negotiatedProtocol: negotiatedProtocol)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.connection.connectionErrorCaught(error)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension APNSConnectionHandler: Sendable {}
