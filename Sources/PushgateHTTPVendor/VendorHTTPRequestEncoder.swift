import NIOCore
import NIOHTTP1

/// Writes a request's head and body as one buffer when its end is written, so TLS sends the
/// whole request in one record; NIO's `HTTPRequestEncoder` writes them apart (two records and
/// two encryptions per request, for requests of a few hundred bytes). Requests carry a
/// `Content-Length` (the transport sets it) and header values without line breaks (the
/// transport refuses others before sending).
final class VendorHTTPRequestEncoder: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = ByteBuffer

    private var pending: ByteBuffer?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .head(let head):
            var buffer = context.channel.allocator.buffer(capacity: 512)
            buffer.writeString(head.method.rawValue)
            buffer.writeStaticString(" ")
            buffer.writeString(head.uri)
            buffer.writeStaticString(" HTTP/1.1\r\n")
            for (name, value) in head.headers {
                buffer.writeString(name)
                buffer.writeStaticString(": ")
                buffer.writeString(value)
                buffer.writeStaticString("\r\n")
            }
            buffer.writeStaticString("\r\n")
            self.pending = buffer
            promise?.succeed()
        case .body(.byteBuffer(var body)):
            self.pending?.writeBuffer(&body)
            promise?.succeed()
        case .body(.fileRegion):
            promise?.fail(ChannelError.operationUnsupported)
        case .end:
            guard let request = self.pending else {
                promise?.succeed()
                return
            }
            self.pending = nil
            context.write(self.wrapOutboundOut(request), promise: promise)
        }
    }
}
