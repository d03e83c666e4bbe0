import Foundation
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import PushgateCore
import PushgateTunnel

/// What every connection of a pool shares.
struct APNSConnectionSettings: Sendable {
    var endpoint: APNSConfiguration.Endpoint
    var sslContext: NIOSSLContext
    var proxy: APNSProxy?
    /// For a TLS proxy: the context of the TLS session with the proxy itself.
    var proxySSLContext: NIOSSLContext?
    /// The signing key's shared provider tokens; nil with certificate authentication.
    var providerTokens: APNSProviderTokenSource?
    var timeouts: APNSConfiguration.Timeouts
    var maxConcurrentStreams: Int
    var maxQueuedRequests: Int
    var maxTransparentRetries: Int
    var clock: @Sendable () -> Date
    var logger: Logger
}

/// One long-lived HTTP/2 connection to APNs with its stream limit, its queue of requests
/// waiting for a stream, and the provider token it sends (the key's shared one).
///
/// All mutable state is confined to `eventLoop`: every entry point is either called from a
/// channel handler on that loop or hops there first. That invariant is what makes the
/// `@unchecked Sendable` sound.
final class APNSConnection: @unchecked Sendable {
    enum State {
        case idle
        case connecting
        case ready
        /// GOAWAY, a stale token or shutdown: no new streams; closes when the last one ends.
        case draining
        case closed
    }

    let id: Int
    /// The pool slot this connection was opened for.
    let slot: Int
    let eventLoop: any EventLoop
    private let settings: APNSConnectionSettings
    // Strong: the pool drops its connections as they close, which breaks the cycle.
    private let pool: APNSConnectionPool
    private var logger: Logger

    /// The protocol logic (stage, stream limit, queue, GOAWAY, draining); this class does its I/O.
    private var machine: StateMachine<APNSPendingRequest>
    var state: State { self.machine.state }
    private var channel: (any Channel)?
    private var multiplexer: NIOHTTP2Handler.StreamMultiplexer?
    /// APNs accepted a push on this connection: it works, so reconnect backoff resets.
    private var hasDelivered = false
    /// Every request this connection has taken and not yet seen complete, for the deadline
    /// sweep. One periodic sweep replaces a scheduled task per request, which cost ~6% of
    /// the CPU per push in profiles.
    private var tracked = CircularBuffer<APNSPendingRequest>()
    /// Requests handed to another connection: they now belong to its event loop, so this
    /// connection's sweep must not touch them.
    private var released = Set<ObjectIdentifier>()
    private var deadlineSweep: RepeatedTask?
    var goAwayLastStreamID: HTTP2StreamID? { self.machine.goAwayLastStreamID }
    private var connectStage = FailureStage.connect
    private var setupTimeout: Scheduled<Void>?
    private var tokens = APNSConnectionTokens()
    private var pingTask: RepeatedTask?
    private var pingTimeout: Scheduled<Void>?
    private var lastActivity = NIODeadline.now()
    private var closeError: APNSTransportError?
    private var closedPromise: EventLoopPromise<Void>

    init(
        id: Int, slot: Int, eventLoop: any EventLoop, settings: APNSConnectionSettings,
        pool: APNSConnectionPool
    ) {
        self.id = id
        self.slot = slot
        self.eventLoop = eventLoop
        self.settings = settings
        self.pool = pool
        self.logger = settings.logger
        self.logger[metadataKey: "apns.connection"] = "\(id)"
        self.closedPromise = eventLoop.makePromise()
        self.machine = StateMachine(
            maxConcurrentStreams: settings.maxConcurrentStreams,
            maxQueuedRequests: settings.maxQueuedRequests)
    }

    /// Completes when the connection is closed, whatever the reason.
    var closeFuture: EventLoopFuture<Void> { self.closedPromise.futureResult }

    // MARK: Connecting

    /// Opens the connection, through the proxy if one is set. Requests submitted meanwhile
    /// wait in the queue.
    func start() {
        self.eventLoop.assertInEventLoop()
        guard self.machine.startConnecting() else { return }
        self.startDeadlineSweep()
        let endpoint = self.settings.endpoint
        let proxy = self.settings.proxy
        self.connectStage = proxy == nil ? .connect : .proxyTCP
        let setupDeadline = self.settings.timeouts.connect + self.settings.timeouts.handshake
        self.setupTimeout = self.eventLoop.scheduleTask(in: .init(setupDeadline)) { [self] in
            self.failSetup(
                APNSTransportError(stage: self.connectStage, detail: "connection setup timed out"))
        }
        let bootstrap = ClientBootstrap(group: self.eventLoop)
            .connectTimeout(.init(self.settings.timeouts.connect))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let proxy {
                        try self.configureTunnel(channel, through: proxy)
                    } else {
                        try self.configureAPNSPipeline(channel)
                    }
                }
            }
        let host = proxy?.host ?? endpoint.host
        let port = proxy?.port ?? endpoint.port
        bootstrap.connect(host: host, port: port).assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let channel):
                self.channel = channel
                // Not the handler's channelInactive: during a proxy CONNECT it is not in the pipeline yet.
                channel.closeFuture.assumeIsolated().whenComplete { _ in self.channelClosed() }
                if let proxy {
                    self.advanceStage(to: proxy.scheme == .https ? .proxyTLS : .proxyConnect)
                } else {
                    self.advanceStage(to: .upstreamTLS)
                }
                if case .closed = self.state { channel.close(promise: nil) }
            case .failure(let error):
                self.failSetup(Self.connectFailure(error, viaProxy: proxy != nil))
            }
        }
    }

    /// TLS to APNs (ALPN h2), then HTTP/2 with the inline multiplexer, then our stream-0 watcher.
    private func configureAPNSPipeline(_ channel: any Channel) throws {
        let sync = channel.pipeline.syncOperations
        let endpoint = self.settings.endpoint
        // SNI must be a name; for an IP literal (simulators) BoringSSL checks the IP SAN instead.
        let serverHostname = Self.isIPLiteral(endpoint.host) ? nil : endpoint.host
        try sync.addHandler(
            NIOSSLClientHandler(context: self.settings.sslContext, serverHostname: serverHostname))
        try sync.addHandler(FlushCoalescingHandler())
        var connectionConfiguration = NIOHTTP2Handler.ConnectionConfiguration()
        // We build every request header from validated values, and APNs answers only
        // :status, apns-id and content-type: NIO's per-header validation was ~5% of the CPU
        // per push.
        connectionConfiguration.headerBlockValidation = .disabled
        connectionConfiguration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: self.settings.maxConcurrentStreams),
            HTTP2Setting(parameter: .initialWindowSize, value: 65_535),
            HTTP2Setting(parameter: .enablePush, value: 0),
        ]
        let multiplexer = try sync.configureHTTP2Pipeline(
            mode: .client,
            connectionConfiguration: connectionConfiguration,
            streamConfiguration: .init(),
            inboundStreamInitializer: { $0.close() }  // APNs never pushes streams to us.
        )
        try sync.addHandler(APNSConnectionHandler(connection: self))
        self.multiplexer = multiplexer
    }

    /// [TLS to the proxy] + CONNECT; the APNs pipeline follows once the tunnel is open.
    private func configureTunnel(_ channel: any Channel, through proxy: APNSProxy) throws {
        let sync = channel.pipeline.syncOperations
        if proxy.scheme == .https, let proxySSLContext = self.settings.proxySSLContext {
            let serverHostname = Self.isIPLiteral(proxy.host) ? nil : proxy.host
            try sync.addHandler(
                NIOSSLClientHandler(context: proxySSLContext, serverHostname: serverHostname))
        }
        let established = channel.eventLoop.makePromise(of: Void.self)
        try sync.addHandler(
            ProxyConnectHandler(
                targetHost: self.settings.endpoint.host,
                targetPort: self.settings.endpoint.port,
                authorization: proxy.authorizationHeader,
                onProxyTLSEstablished: { [self] in self.advanceStage(to: .proxyConnect) },
                completion: established
            ))
        established.futureResult.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success:
                self.advanceStage(to: .upstreamTLS)
                do {
                    try self.configureAPNSPipeline(channel)
                } catch {
                    self.failSetup(APNSTransportError(stage: .upstreamTLS, detail: "\(error)"))
                }
            case .failure(let error as ProxyConnectHandler.Refusal):
                self.failSetup(APNSTransportError(stage: .proxyConnect, detail: error.description))
            case .failure(let error as BoringSSLError) where proxy.scheme == .https:
                // With TLS 1.3 the proxy checks our client certificate after our side of the
                // handshake has finished, so its refusal (an alert) arrives while we wait for the
                // CONNECT answer: still a proxy TLS failure.
                self.failSetup(APNSTransportError(stage: .proxyTLS, detail: "proxy TLS: \(error)"))
            case .failure(let error):
                self.failSetup(APNSTransportError(stage: self.connectStage, detail: "proxy: \(error)"))
            }
        }
    }

    private static let stageOrder: [FailureStage] = [
        .resolve, .connect, .proxyTCP, .proxyTLS, .proxyConnect, .upstreamTLS, .alpn, .http2Setup,
    ]

    /// Setup only moves forward: a late callback never makes the stage look earlier.
    private func advanceStage(to stage: FailureStage) {
        let current = Self.stageOrder.firstIndex(of: self.connectStage) ?? 0
        let next = Self.stageOrder.firstIndex(of: stage) ?? 0
        if next > current { self.connectStage = stage }
    }

    func tlsHandshakeCompleted(negotiatedProtocol: String?) {
        guard negotiatedProtocol == "h2" else {
            self.failSetup(
                APNSTransportError(
                    stage: .alpn,
                    detail: "the server did not agree to HTTP/2 in ALPN (got \(negotiatedProtocol ?? "none"))"
                ))
            return
        }
        self.advanceStage(to: .http2Setup)
    }

    func settingsReceived(maxConcurrentStreams: Int?) {
        let becameReady = self.machine.settingsReceived(
            maxConcurrentStreams: maxConcurrentStreams, setupComplete: self.connectStage == .http2Setup)
        if becameReady { self.becomeReady() }
        self.startStreams()
    }

    private func becomeReady() {
        self.lastActivity = .now()
        self.setupTimeout?.cancel()
        self.setupTimeout = nil
        self.logger.debug(
            "APNs connection ready", metadata: ["apns.endpoint": "\(self.settings.endpoint)"])
        let interval = TimeAmount(self.settings.timeouts.pingInterval)
        self.pingTask = self.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) {
            [self] _ in
            self.checkHealth()
        }
    }

    private func failSetup(_ error: APNSTransportError) {
        guard let waiting = self.machine.setupFailed() else { return }
        self.logger.warning(
            "APNs connection failed",
            metadata: [
                "apns.endpoint": "\(self.settings.endpoint)", "apns.stage": "\(error.stage.rawValue)",
                "error": "\(error.detail)",
            ]
        )
        self.closeError = error
        self.setupTimeout?.cancel()
        self.pool.connectionFailedToConnect(self, error: error)
        // Nothing was sent on a connection that never became ready: the caller retries later.
        for pending in waiting { pending.fail(error) }
        if let channel = self.channel {
            channel.close(promise: nil)
        } else {
            self.deadlineSweep?.cancel()
            self.closedPromise.succeed()
        }
    }

    static func connectFailure(_ error: any Error, viaProxy: Bool) -> APNSTransportError {
        let what = viaProxy ? "the proxy" : "APNs"
        if let error = error as? NIOConnectionError, error.connectionErrors.isEmpty {
            return APNSTransportError(
                stage: viaProxy ? .proxyTCP : .resolve, detail: "could not resolve \(error.host)")
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return APNSTransportError(
                stage: viaProxy ? .proxyTCP : .connect, detail: "TCP connect to \(what) timed out")
        }
        return APNSTransportError(
            stage: viaProxy ? .proxyTCP : .connect, detail: "TCP connect to \(what) failed: \(error)")
    }

    static func isIPLiteral(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    func connectionErrorCaught(_ error: any Error) {
        if case .connecting = self.state {
            self.failSetup(APNSTransportError(stage: self.connectStage, detail: "\(error)"))
        } else {
            self.logger.debug("APNs connection error", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Requests

    /// Takes a request; it waits for a stream if none is free. Call on `eventLoop`.
    func enqueue(_ pending: APNSPendingRequest) {
        self.eventLoop.assertInEventLoop()
        switch self.machine.enqueue(pending) {
        case .handOver(let pending):
            self.handOver(
                pending,
                failure: APNSTransportError(
                    stage: .queued, detail: "the connection closed before the request was sent"))
        case .rejectQueueFull(let pending):
            pending.fail(APNSTransportError(stage: .queued, detail: "too many requests waiting for APNs"))
        case .queued(let connect):
            self.released.remove(ObjectIdentifier(pending))
            self.tracked.append(pending)
            if connect { self.start() }
            self.startStreams()
        }
    }

    /// Opens a stream for each waiting request the state machine lets through now.
    private func startStreams() {
        while let pending = self.machine.nextStream() { self.startStream(pending) }
    }

    /// Opens a stream for a request the state machine counted in flight.
    private func startStream(_ pending: APNSPendingRequest) {
        guard let multiplexer = self.multiplexer else {
            self.streamFailed(pending, self.machine.streamCreationFailure(detail: "no HTTP/2 connection"))
            return
        }
        pending.providerToken = self.currentProviderToken()
        let headers = self.makeHeaders(
            for: pending.request, authorization: pending.providerToken?.authorization)
        let created = self.eventLoop.makePromise(of: (any Channel).self)
        // Set when the handler is in the pipeline; from then on the handler reports the outcome.
        let attached = NIOLoopBoundBox(false, eventLoop: self.eventLoop)
        multiplexer.createStreamChannel(promise: created) { [self] stream in
            stream.eventLoop.makeCompletedFuture {
                // Stream creation is deferred to a later tick: a GOAWAY processed meanwhile
                // means no new stream (NIO would refuse its HEADERS, CreatedStreamAfterGoaway).
                guard self.machine.streamCreated() == .write else { throw APNSStreamNotOpened() }
                try stream.pipeline.syncOperations.addHandler(
                    APNSStreamHandler(pending: pending, headers: headers, connection: self)
                )
                attached.value = true
            }
        }
        // Stream creation is deferred; if it fails before a handler exists, report here.
        created.futureResult.assumeIsolated().whenFailure { [self] error in
            guard !attached.value else { return }
            self.streamFailed(pending, self.machine.streamCreationFailure(detail: "\(error)"))
        }
    }

    private func makeHeaders(for request: APNSRequest, authorization: String?) -> HPACKHeaders {
        var headers = HPACKHeaders()
        headers.reserveCapacity(11)
        headers.add(name: ":method", value: "POST")
        headers.add(name: ":scheme", value: "https")
        // Unique per request: kept out of the small HPACK table (NIO-HTTP2-NOTES.md).
        headers.add(name: ":path", value: request.path, indexing: .nonIndexable)
        headers.add(name: ":authority", value: self.settings.endpoint.host)
        if let authorization {
            headers.add(name: "authorization", value: authorization)
        }
        headers.add(name: "apns-id", value: request.apnsID, indexing: .nonIndexable)
        headers.add(name: "apns-push-type", value: request.pushType.rawValue)
        headers.add(name: "apns-topic", value: request.topic)
        headers.add(name: "apns-priority", value: Self.priorityText(request.priority))
        if let expiration = request.expiration {
            headers.add(name: "apns-expiration", value: String(expiration), indexing: .nonIndexable)
        }
        if let collapseID = request.collapseID {
            headers.add(name: "apns-collapse-id", value: collapseID, indexing: .nonIndexable)
        }
        headers.add(name: "content-type", value: "application/json")
        return headers
    }

    private static func priorityText(_ priority: Int) -> String {
        switch priority {
        case 10: "10"
        case 5: "5"
        case 1: "1"
        default: String(priority)
        }
    }

    /// The provider token for the next request: the connection's own until it is
    /// `switchAfter` old, then the key's newest (VENDORS.md's discipline, `APNSProviderTokenSchedule`).
    private func currentProviderToken() -> APNSProviderToken? {
        guard let source = self.settings.providerTokens else { return nil }
        let before = self.tokens.current
        let token = self.tokens.token(now: self.settings.clock(), source: source)
        if before != nil, token != before {
            self.logger.debug("moved to a newer APNs provider token")
        }
        return token
    }

    func responseReceived(_ response: APNSResponse, for pending: APNSPendingRequest) {
        self.releaseStream()
        self.lastActivity = .now()
        if response.status == 200 {
            if !self.hasDelivered {
                self.hasDelivered = true
                self.pool.connectionDelivered(self)
            }
        } else {
            self.providerTokenRejected(response, pending: pending)
            let rule = APNSResponseClassifier.classify(response)
            if rule.connectionAction == .replaceConnection {
                self.logger.info(
                    "retiring the APNs connection after a response",
                    metadata: ["apns.reason": "\(response.reason?.rawValue ?? "")"]
                )
                self.beginDraining()
            }
            if rule.resendOnFreshConnection, !pending.resentForProviderToken {
                pending.resentForProviderToken = true
                self.handOver(
                    pending,
                    failure: APNSTransportError(
                        stage: .queued, detail: "APNs rejected the request: \(response.reason?.rawValue ?? "")"),
                    countsAsResend: false)
                return
            }
        }
        var response = response
        response.afterFreshConnection = pending.resentForProviderToken
        pending.succeed(response)
    }

    /// What the token answers mean for the key's tokens: never mint after too many updates;
    /// mint once after an expiry.
    private func providerTokenRejected(_ response: APNSResponse, pending: APNSPendingRequest) {
        guard let source = self.settings.providerTokens else { return }
        switch response.reason {
        case .tooManyProviderTokenUpdates?:
            let now = self.settings.clock()
            self.tokens.rejectedTooManyUpdates(
                pending.providerToken, now: now, backoff: source.policy.tooManyUpdatesBackoff)
            source.rejectedTooManyUpdates(now: now)
        case .expiredProviderToken?:
            if let token = pending.providerToken { source.rejectedExpired(token) }
        default:
            break
        }
    }

    func streamFailed(_ pending: APNSPendingRequest, _ failure: APNSTransportError) {
        self.releaseStream()
        if failure.requestWritten {
            pending.fail(failure)
        } else {
            // A graceful GOAWAY is APNs moving us along, not a fault of this request: it does
            // not use up the resend budget (the request's deadline still bounds it).
            self.handOver(pending, failure: failure, countsAsResend: failure.stage != .goAwayUnprocessed)
        }
    }

    private func releaseStream() {
        if self.machine.streamEnded() { self.channel?.close(promise: nil) }
        self.startStreams()
    }

    /// Why a stream that ended unanswered failed (for `APNSStreamHandler`).
    func failure(streamID: HTTP2StreamID?, requestWritten: Bool, resetCode: HTTP2ErrorCode?)
        -> APNSTransportError
    {
        self.machine.failure(streamID: streamID, requestWritten: requestWritten, resetCode: resetCode)
    }

    /// Gives a not-sent request back to the pool for another connection.
    private func handOver(
        _ pending: APNSPendingRequest, failure: APNSTransportError, countsAsResend: Bool = true
    ) {
        self.released.insert(ObjectIdentifier(pending))
        self.pool.resubmit(pending, from: self, failure: failure, countsAsResend: countsAsResend)
    }

    private func startDeadlineSweep() {
        guard self.deadlineSweep == nil else { return }
        // A tenth of the request timeout, between 10 ms and 1 s: deadlines are kept to that precision.
        let timeout = TimeAmount(self.settings.timeouts.request)
        let interval = min(
            max(TimeAmount.nanoseconds(timeout.nanoseconds / 10), .milliseconds(10)), .seconds(1))
        self.deadlineSweep = self.eventLoop.scheduleRepeatedTask(
            initialDelay: interval, delay: interval
        ) { [self] _ in
            self.sweepDeadlines()
        }
    }

    private func sweepDeadlines() {
        let now = NIODeadline.now()
        var kept = CircularBuffer<APNSPendingRequest>(initialCapacity: self.tracked.count)
        while let pending = self.tracked.popFirst() {
            if !self.released.isEmpty, self.released.remove(ObjectIdentifier(pending)) != nil { continue }
            if pending.isCompleted { continue }
            if pending.deadline <= now {
                self.requestTimedOut(pending)
                if pending.isCompleted { continue }
            }
            kept.append(pending)
        }
        self.tracked = kept
    }

    private func requestTimedOut(_ pending: APNSPendingRequest) {
        guard !pending.isCompleted else { return }
        if let stream = pending.stream {
            // The stream handler reports ambiguous (written) or not sent, from what it saw.
            stream.close(promise: nil)
        } else if case .connecting = self.state {
            // Waiting on a connection stuck in setup: its stage says where (proxy TLS, CONNECT, …).
            pending.fail(
                APNSTransportError(
                    stage: self.connectStage,
                    detail: "the connection was still being set up at the request timeout"))
        } else {
            pending.fail(
                APNSTransportError(stage: .queued, detail: "no free APNs stream before the request timeout")
            )
        }
    }

    /// What a connection looks like right now, for diagnostics and tests.
    struct Snapshot: Sendable {
        var id: Int
        var state: String
        var streamLimit: Int
        var inFlight: Int
        var peakInFlight: Int
        var queued: Int
    }

    func snapshot() -> EventLoopFuture<Snapshot> {
        self.eventLoop.submit { [self] in
            Snapshot(
                id: self.id,
                state: "\(self.machine.state)",
                streamLimit: self.machine.streamLimit,
                inFlight: self.machine.inFlight,
                peakInFlight: self.machine.peakInFlight,
                queued: self.machine.queued
            )
        }
    }

    // MARK: Connection lifecycle

    func goAwayReceived(lastStreamID: HTTP2StreamID, errorCode: HTTP2ErrorCode, debugText: String) {
        self.logger.info(
            "APNs sent GOAWAY",
            metadata: [
                "apns.last_stream_id": "\(lastStreamID)", "apns.error_code": "\(errorCode)",
                "apns.reason": "\(debugText)",
            ]
        )
        self.perform(self.machine.goAwayReceived(lastStreamID: lastStreamID))
    }

    /// Stops new streams, hands queued requests to other connections, and closes once
    /// in-flight streams end.
    func beginDraining() {
        self.perform(self.machine.beginDraining())
    }

    private func perform(_ drain: StateMachine<APNSPendingRequest>.DrainAction) {
        if drain.retire { self.pool.connectionRetired(self) }
        // Never sent: another connection takes them, without using up their resend budget.
        for pending in drain.handOver {
            self.handOver(
                pending, failure: APNSTransportError(stage: .queued, detail: "connection draining"),
                countsAsResend: false)
        }
        if drain.closeChannel { self.channel?.close(promise: nil) }
    }

    private func channelClosed() {
        self.pingTask?.cancel()
        self.pingTimeout?.cancel()
        self.setupTimeout?.cancel()
        self.deadlineSweep?.cancel()
        switch self.machine.channelClosed() {
        case .alreadyReported:
            break  // `failSetup` already reported this connection.
        case .failedDuringSetup(let waiting):
            let error = APNSTransportError(
                stage: self.connectStage, detail: "the server closed the connection during setup")
            self.pool.connectionFailedToConnect(self, error: error)
            for pending in waiting { pending.fail(error) }
        case .closed(let retire, let waiting):
            if retire { self.pool.connectionRetired(self) }
            for pending in waiting {
                self.handOver(
                    pending, failure: APNSTransportError(stage: .queued, detail: "connection closed"),
                    countsAsResend: false)
            }
            self.pool.connectionClosed(self, healthy: self.hasDelivered)
        }
        self.closedPromise.succeed()
    }

    /// PINGs a connection that has been quiet; closes it if the PING goes unanswered.
    private func checkHealth() {
        guard case .ready = self.state, self.pingTimeout == nil else { return }
        guard NIODeadline.now() - self.lastActivity >= TimeAmount(self.settings.timeouts.pingInterval)
        else { return }
        self.channel?.writeAndFlush(
            HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(), ack: false)), promise: nil)
        self.pingTimeout = self.eventLoop.scheduleTask(in: .init(self.settings.timeouts.pingTimeout)) {
            [self] in
            self.logger.warning("APNs connection did not answer a PING; closing it")
            self.channel?.close(promise: nil)
        }
    }

    func pingAcknowledged() {
        self.pingTimeout?.cancel()
        self.pingTimeout = nil
        self.lastActivity = .now()
    }

    /// Graceful close: no new streams, in-flight ones may finish until `deadline`.
    func shutdown(deadline: NIODeadline) -> EventLoopFuture<Void> {
        self.eventLoop.execute { [self] in
            switch self.machine.shutdownRequested() {
            case .closedWhileIdle:
                self.deadlineSweep?.cancel()
                self.closedPromise.succeed()
            case .failSetup:
                self.failSetup(
                    APNSTransportError(stage: .connect, detail: "the APNs adapter is shutting down"))
            case .drain(let drain):
                self.perform(drain)
                self.eventLoop.scheduleTask(deadline: deadline) { [self] in
                    self.channel?.close(promise: nil)
                }
            case .none:
                break
            }
        }
        return self.closeFuture
    }
}

/// A stream not opened because the connection got GOAWAY between asking for it and its creation.
private struct APNSStreamNotOpened: Error {}
