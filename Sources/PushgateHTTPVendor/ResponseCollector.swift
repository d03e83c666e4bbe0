import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PushgateCore

/// Collects one answer and remembers how far the request got, which is what decides whether a
/// failed exchange is ambiguous: async-http-client reports the head as sent once it is handed
/// to the connection, so anything after that may have reached the vendor.
final class ResponseCollector: HTTPClientResponseDelegate {
    typealias Response = VendorHTTPResponse

    private struct State {
        var headSent = false
        var requestSent = false
        var head: HTTPResponseHead?
        var body = ByteBuffer()
    }

    private let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        self.limit = limit
    }

    func didSendRequestHead(task: HTTPClient.Task<Response>, _ head: HTTPRequestHead) {
        self.state.withLockedValue { $0.headSent = true }
    }

    func didSendRequest(task: HTTPClient.Task<Response>) {
        self.state.withLockedValue { $0.requestSent = true }
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        self.state.withLockedValue { $0.head = head }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        self.state.withLockedValue { state in
            var buffer = buffer
            let room = max(0, self.limit - state.body.readableBytes)
            if let part = buffer.readSlice(length: min(room, buffer.readableBytes)) {
                state.body.writeImmutableBuffer(part)
            }
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        try self.state.withLockedValue { state in
            guard let head = state.head else { throw HTTPClientError.remoteConnectionClosed }
            return VendorHTTPResponse(status: head.status, headers: head.headers, body: state.body)
        }
    }

    /// Where the exchange failed: after the head left, the vendor may have it (ambiguous);
    /// before, the error's kind says which step never completed.
    func failureStage(for error: any Error, proxied: Bool) -> FailureStage {
        let (headSent, requestSent) = self.state.withLockedValue { ($0.headSent, $0.requestSent) }
        if requestSent { return .awaitingResponse }
        if headSent { return .requestWrite }
        return Self.stageBeforeWrite(error, proxied: proxied)
    }

    static func stageBeforeWrite(_ error: any Error, proxied: Bool) -> FailureStage {
        let connect: FailureStage = proxied ? .proxyTCP : .connect
        if let error = error as? HTTPClientError {
            switch error {
            case .tlsHandshakeTimeout: return .upstreamTLS
            case .httpProxyHandshakeTimeout, .proxyAuthenticationRequired, .invalidProxyResponse: return .proxyConnect
            case .deadlineExceeded, .getConnectionFromPoolTimeout, .alreadyShutdown, .cancelled: return .queued
            default: return connect
            }
        }
        if error is NIOSSLError || error is BoringSSLError { return .upstreamTLS }
        if let error = error as? NIOConnectionError {
            let resolved = error.dnsAError == nil || error.dnsAAAAError == nil
            return resolved || !error.connectionErrors.isEmpty ? connect : (proxied ? .proxyTCP : .resolve)
        }
        return connect
    }
}
