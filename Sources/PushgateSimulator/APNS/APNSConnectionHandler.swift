import Foundation
import NIOCore
import NIOHTTP2
import NIOSSL
import X509

/// The per-connection half of the simulator: authentication state, the advertised stream limit and GOAWAY.
///
/// It sits after `NIOHTTP2Handler` in the connection's pipeline, so it can write connection-level frames (SETTINGS,
/// GOAWAY); the connection's stream handlers call into it on the same event loop.
final class APNSConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let server: APNSServerContext
    private var context: ChannelHandlerContext?
    private var auth = APNSConnectionAuthState()
    private var state: StateMachine
    /// The client certificate's subject UID, read once at the first request (the handshake is done by then).
    private var peerUID: String??
    private var idGenerator = SplitMix64()

    init(server: APNSServerContext) {
        self.server = server
        self.state = StateMachine(limits: server.connectionLimits)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.server.store.recordConnectionOpened()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Streams

    /// Called when a request stream's headers arrive. Every `.process` must be balanced by `streamClosed()`.
    func admitRequest(streamID: HTTP2StreamID, countsTowardGoAway: Bool) -> StateMachine.Admission {
        let admission = self.state.requestArrived(streamID: streamID, countsTowardGoAway: countsTowardGoAway)
        if let lastStreamID = self.state.takeGoAwayToSend(), let context = self.context {
            self.sendGoAway(context: context, lastStreamID: lastStreamID)
        }
        return admission
    }

    /// A request reached its outcome; `pushAccepted` is nil when nothing was answered (faults that never answer).
    func requestCompleted(isGoAwayTrigger: Bool, pushAccepted: Bool?) {
        let actions = self.state.requestCompleted(isGoAwayTrigger: isGoAwayTrigger, pushAccepted: pushAccepted)
        guard let context = self.context else { return }
        if let limit = actions.newStreamLimit {
            let settings = HTTP2Frame(
                streamID: .rootStream,
                payload: .settings(.settings([HTTP2Setting(parameter: .maxConcurrentStreams, value: limit)]))
            )
            context.writeAndFlush(self.wrapOutboundOut(settings), promise: nil)
        }
        if let lastStreamID = actions.goAwayLastStreamID {
            self.sendGoAway(context: context, lastStreamID: lastStreamID)
        }
    }

    /// An admitted stream closed.
    func streamClosed() {
        if self.state.streamClosed() {
            self.closeAfterGrace()
        }
    }

    /// A fresh apns-id for a request that came without one.
    func makeAPNSID() -> APNSID {
        APNSID.random(using: &self.idGenerator)
    }

    /// Closes the TCP connection at once, without answering anything still open (the drop faults).
    func dropConnection() {
        self.context?.close(promise: nil)
    }

    // MARK: Authentication

    /// Authentication for a request that passed the header checks; nil when it may go on.
    func authenticate(_ head: APNSRequestHead, request: APNSRequestValidator.Request) -> APNSRejection? {
        if self.server.usesCertificateAuth {
            return self.server.validator.validateCertificateTopic(
                request.topic,
                certificateUID: self.peerCertificateUID()
            )
        }
        guard let authorization = head.authorization, let token = Self.bearerToken(authorization) else {
            return .missingProviderToken
        }
        let (decision, verified) = self.auth.authorize(
            token: token,
            now: self.server.now(),
            verifier: self.server.tokenVerifier,
            policy: self.server.authPolicy,
            keyLedger: self.server.keyLedger
        )
        if verified {
            self.server.store.recordTokenVerified(token)
        }
        switch decision {
        case .accepted(let changedToken):
            if changedToken {
                self.server.store.recordTokenChange()
            }
            self.state.tokenWasAccepted()
            return nil
        case .rejected(let rejection):
            return rejection
        }
    }

    /// The JWT of `bearer <JWT>` (the scheme compared case-insensitively), or nil.
    static func bearerToken(_ authorization: String) -> Substring? {
        let utf8 = authorization.utf8
        guard utf8.count > 7 else { return nil }
        let scheme = authorization.prefix(7)
        guard scheme.lowercased() == "bearer " else { return nil }
        let token = authorization.dropFirst(7)
        return token.isEmpty ? nil : token
    }

    // MARK: Connection-level frames

    private func sendGoAway(context: ChannelHandlerContext, lastStreamID: HTTP2StreamID) {
        var reason = context.channel.allocator.buffer(capacity: 32)
        reason.writeString(#"{"reason":"Shutdown"}"#)
        let frame = HTTP2Frame(
            streamID: .rootStream,
            payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: reason)
        )
        self.server.store.recordGoAwaySent()
        // Close only once GOAWAY (and so every answer written before it) has left, and the older streams are done.
        context.writeAndFlush(self.wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
            if self.state.goAwayWasWritten() {
                self.closeAfterGrace()
            }
        }
    }

    /// How long a drained connection stays open after GOAWAY before the simulator closes it.
    ///
    /// Closing at once would reset streams the client opened before it read GOAWAY (the kernel answers unread data
    /// with RST), turning safe-to-retry streams into connection errors; RFC 9113 §6.8 asks for this grace.
    static let goAwayCloseDelay = TimeAmount.seconds(1)

    private func closeAfterGrace() {
        guard let context = self.context else { return }
        context.eventLoop.assumeIsolated().scheduleTask(in: Self.goAwayCloseDelay) {
            self.context?.close(promise: nil)
        }
    }

    private func peerCertificateUID() -> String? {
        if let peerUID = self.peerUID {
            return peerUID
        }
        var uid: String?
        if let context = self.context,
            let peer = try? context.pipeline.syncOperations.nioSSL_peerCertificate(),
            let der = try? peer.toDERBytes(),
            let certificate = try? Certificate(derEncoded: der)
        {
            for rdn in certificate.subject {
                for attribute in rdn where attribute.type == DevelopmentCertificates.userIDOID {
                    uid = String(attribute.value)
                }
            }
        }
        self.peerUID = .some(uid)
        return uid
    }
}

@available(*, unavailable)
extension APNSConnectionHandler: Sendable {}
