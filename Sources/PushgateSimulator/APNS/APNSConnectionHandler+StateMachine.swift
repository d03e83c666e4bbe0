import NIOHTTP2

extension APNSConnectionHandler {
    /// The advertised stream limit and the GOAWAY drain of one connection, as events that return actions (no I/O).
    ///
    /// - Token-auth connections advertise `streamsBeforeFirstAcceptedToken` until a request's token is accepted, then
    ///   `maxConcurrentStreams` (VENDORS.md A6).
    /// - With `dropStreamLimitAfterRejection`, a rejected push drops the limit to 1; the next accepted one restores it.
    /// - After the `goAwayAfterRequests`th request stream arrives, later streams are ignored; once that stream has its
    ///   outcome, GOAWAY names it as the last stream; once GOAWAY is written and every admitted stream has closed, the
    ///   connection closes.
    /// - With `goAwayBeforeAnswering` (golang.org/x/net/http2's graceful shutdown), GOAWAY leaves as soon as that
    ///   stream arrives, before it or any earlier stream is answered; they are answered afterwards.
    struct StateMachine: Sendable {
        struct Limits: Sendable {
            var maxConcurrentStreams: Int
            var streamsBeforeFirstAcceptedToken: Int
            /// False for certificate authentication (and for a simulator without token keys): no single-stream phase.
            var limitsUntilTokenAccepted: Bool
            var dropStreamLimitAfterRejection: Bool
            var goAwayAfterRequests: Int?
            var goAwayBeforeAnswering = false
        }

        /// What a newly arrived request stream may do.
        enum Admission: Sendable, Equatable {
            /// Process it; `isGoAwayTrigger` when its outcome must be followed by GOAWAY.
            case process(isGoAwayTrigger: Bool)
            /// It arrived after the stream chosen as GOAWAY's last one: leave it, GOAWAY closes it unprocessed.
            case ignore
        }

        /// What to write after a request's outcome.
        struct CompletionActions: Sendable, Equatable {
            /// Send SETTINGS with this `SETTINGS_MAX_CONCURRENT_STREAMS`.
            var newStreamLimit: Int?
            /// Send GOAWAY(NO_ERROR) with this last stream id.
            var goAwayLastStreamID: HTTP2StreamID?
        }

        let limits: Limits
        private(set) var advertisedStreamLimit: Int
        private var tokenAccepted = false
        private var lastPushRejected = false
        private var requestCount = 0
        private var goAwayLastStreamID: HTTP2StreamID?
        /// A GOAWAY to write now (`goAwayBeforeAnswering`), taken by `takeGoAwayToSend`.
        private var goAwayToSend: HTTP2StreamID?
        private var goAwayWritten = false
        private var closing = false
        private var activeStreams = 0

        init(limits: Limits) {
            self.limits = limits
            self.advertisedStreamLimit = Self.initialStreamLimit(limits)
        }

        /// The stream limit of the connection preface.
        static func initialStreamLimit(_ limits: Limits) -> Int {
            limits.limitsUntilTokenAccepted ? limits.streamsBeforeFirstAcceptedToken : limits.maxConcurrentStreams
        }

        /// A request stream's headers arrived. Every `.process` must be balanced by `streamClosed()`.
        mutating func requestArrived(streamID: HTTP2StreamID, countsTowardGoAway: Bool) -> Admission {
            if let last = self.goAwayLastStreamID, streamID > last {
                return .ignore
            }
            self.activeStreams += 1
            guard countsTowardGoAway, let limit = self.limits.goAwayAfterRequests else {
                return .process(isGoAwayTrigger: false)
            }
            self.requestCount += 1
            guard self.requestCount == limit else { return .process(isGoAwayTrigger: false) }
            self.goAwayLastStreamID = streamID
            if self.limits.goAwayBeforeAnswering {
                self.goAwayToSend = streamID
                return .process(isGoAwayTrigger: false)
            }
            return .process(isGoAwayTrigger: true)
        }

        /// The GOAWAY to write at once, if the last request that arrived asked for one (`goAwayBeforeAnswering`).
        mutating func takeGoAwayToSend() -> HTTP2StreamID? {
            defer { self.goAwayToSend = nil }
            return self.goAwayToSend
        }

        /// A request carried a valid provider token.
        mutating func tokenWasAccepted() {
            self.tokenAccepted = true
        }

        /// A request reached its outcome; `pushAccepted` is nil when nothing was answered (faults that never answer,
        /// simulator endpoints).
        mutating func requestCompleted(isGoAwayTrigger: Bool, pushAccepted: Bool?) -> CompletionActions {
            if let pushAccepted {
                self.lastPushRejected = !pushAccepted
            }
            var actions = CompletionActions()
            let target: Int
            if self.limits.limitsUntilTokenAccepted && !self.tokenAccepted {
                target = self.limits.streamsBeforeFirstAcceptedToken
            } else if self.limits.dropStreamLimitAfterRejection && self.lastPushRejected {
                target = 1
            } else {
                target = self.limits.maxConcurrentStreams
            }
            if target != self.advertisedStreamLimit {
                self.advertisedStreamLimit = target
                actions.newStreamLimit = target
            }
            if isGoAwayTrigger {
                actions.goAwayLastStreamID = self.goAwayLastStreamID
            }
            return actions
        }

        /// GOAWAY has been written; true when the connection should now close (after its grace period).
        mutating func goAwayWasWritten() -> Bool {
            self.goAwayWritten = true
            return self.shouldClose()
        }

        /// An admitted stream closed; true when the connection should now close (after its grace period).
        mutating func streamClosed() -> Bool {
            self.activeStreams -= 1
            return self.shouldClose()
        }

        private mutating func shouldClose() -> Bool {
            guard self.goAwayWritten, !self.closing, self.activeStreams == 0 else { return false }
            self.closing = true
            return true
        }
    }
}
