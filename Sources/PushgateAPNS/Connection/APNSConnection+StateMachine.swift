import NIOCore
import NIOHTTP2

/// What the state machine needs of a request: whether it already has its outcome (a deadline
/// or another connection may have completed it while it waited).
protocol APNSConnectionRequest: AnyObject {
    var isCompleted: Bool { get }
}

extension APNSPendingRequest: APNSConnectionRequest {}

extension APNSConnection {
    /// The connection's protocol logic, without I/O: its stage, the stream limit the server
    /// allows, the requests waiting for a stream and how many are on one, GOAWAY and draining.
    /// Every event returns what the connection must do; `APNSConnection` only does it. Generic
    /// over the request so tests drive it with plain objects (ConnectionStateMachineTests):
    /// lost answers and double closes are what such tests catch.
    struct StateMachine<Request: APNSConnectionRequest> {
        private(set) var state = State.idle
        /// Until the server's first SETTINGS we allow one stream, as APNs does with token auth.
        private(set) var streamLimit = 1
        private var settingsSeen = false
        private(set) var inFlight = 0
        /// The most streams open at once (for tests and diagnostics).
        private(set) var peakInFlight = 0
        /// The last-stream-id of the GOAWAY processed, if any: from then on no stream opens.
        private(set) var goAwayLastStreamID: HTTP2StreamID?
        private(set) var queue = CircularBuffer<Request>()
        /// The state machine asked for the channel to close; it never asks twice.
        private var closeRequested = false
        let maxConcurrentStreams: Int
        let maxQueuedRequests: Int

        init(maxConcurrentStreams: Int, maxQueuedRequests: Int) {
            self.maxConcurrentStreams = maxConcurrentStreams
            self.maxQueuedRequests = maxQueuedRequests
        }

        var queued: Int { self.queue.count }

        // MARK: Requests

        enum EnqueueAction {
            /// The connection takes no new requests: another one must (it was never sent).
            case handOver(Request)
            /// Too many requests are waiting already.
            case rejectQueueFull(Request)
            /// Waiting (`nextStream` says when it gets a stream); `connect` when the connection
            /// must be opened first.
            case queued(connect: Bool)
        }

        mutating func enqueue(_ request: Request) -> EnqueueAction {
            switch self.state {
            case .draining, .closed:
                return .handOver(request)
            case .idle, .connecting, .ready:
                break
            }
            guard self.queue.count < self.maxQueuedRequests else { return .rejectQueueFull(request) }
            self.queue.append(request)
            return .queued(connect: self.state == .idle)
        }

        /// The connection starts opening its socket. False when it is not idle.
        mutating func startConnecting() -> Bool {
            guard self.state == .idle else { return false }
            self.state = .connecting
            return true
        }

        /// The next waiting request that gets a stream now, if any: only when ready and under
        /// the limit; counted in flight from here until `streamEnded`. The connection asks after
        /// every event (one at a time: no array per request on the hot path).
        mutating func nextStream() -> Request? {
            guard self.state == .ready else { return nil }
            while self.inFlight < self.streamLimit, let request = self.queue.popFirst() {
                if request.isCompleted { continue }
                self.inFlight += 1
                self.peakInFlight = max(self.peakInFlight, self.inFlight)
                return request
            }
            return nil
        }

        // MARK: Setup

        /// SETTINGS from the server. `setupComplete`: TLS and ALPN are done, so the first
        /// SETTINGS makes the connection ready. True when it just became ready (start health
        /// checks, stop the setup timer).
        mutating func settingsReceived(maxConcurrentStreams: Int?, setupComplete: Bool) -> Bool {
            if let maxConcurrentStreams {
                self.streamLimit = max(0, min(maxConcurrentStreams, self.maxConcurrentStreams))
            } else if !self.settingsSeen {
                // Never announced means unlimited (RFC 9113 §6.5.2); our own cap still applies.
                // A later SETTINGS frame without it leaves the limit as it was.
                self.streamLimit = self.maxConcurrentStreams
            }
            self.settingsSeen = true
            var becameReady = false
            if self.state == .connecting, setupComplete {
                self.state = .ready
                becameReady = true
            }
            return becameReady
        }

        /// Setup failed: nil if it was not being set up (already reported); otherwise every
        /// waiting request, to fail (nothing was sent).
        mutating func setupFailed() -> [Request]? {
            guard self.state == .connecting else { return nil }
            self.state = .closed
            return self.takeQueue(includingCompleted: true)
        }

        // MARK: Streams

        enum StreamCreationAction: Equatable {
            /// Write the request on the new stream.
            case write
            /// Do not: a GOAWAY was processed after the stream was asked for (NIO creates streams
            /// on a later tick). The request never left.
            case doNotOpen
        }

        /// NIO runs the deferred creation of a stream asked for by `open`.
        func streamCreated() -> StreamCreationAction {
            self.goAwayLastStreamID == nil ? .write : .doNotOpen
        }

        /// A stream asked for could not be created (or was not, see `streamCreated`).
        func streamCreationFailure(detail: String) -> APNSTransportError {
            if self.goAwayLastStreamID != nil {
                return APNSTransportError(stage: .goAwayUnprocessed, detail: "GOAWAY arrived before the stream opened")
            }
            return APNSTransportError(stage: .streamRefused, detail: "could not open a stream: \(detail)")
        }

        /// A stream counted in flight ended, answered or not: its slot is free. True when the
        /// connection is draining and this was its last stream: close the channel.
        mutating func streamEnded() -> Bool {
            self.inFlight -= 1
            return self.closeIfDrained()
        }

        /// Why a stream that ended without an answer failed, as precisely as is known. Only a
        /// request whose last byte was written (`requestWritten`, from the write's completion)
        /// and that the server may have processed is ambiguous.
        func failure(streamID: HTTP2StreamID?, requestWritten: Bool, resetCode: HTTP2ErrorCode?) -> APNSTransportError {
            if let last = self.goAwayLastStreamID {
                if let streamID, streamID > last {
                    // NIO closes these with CANCEL; the GOAWAY is the precise cause: not processed.
                    return APNSTransportError(stage: .goAwayUnprocessed, detail: "APNs sent GOAWAY before our stream")
                }
                if streamID == nil, !requestWritten {
                    // No stream id: not even the HEADERS left before the GOAWAY.
                    return APNSTransportError(
                        stage: .goAwayUnprocessed, detail: "GOAWAY arrived before the stream was sent")
                }
            }
            if resetCode == .refusedStream {
                return APNSTransportError(stage: .streamRefused, detail: "APNs refused the stream")
            }
            if !requestWritten {
                // The END_STREAM frame never left, so APNs cannot have a complete request.
                return APNSTransportError(
                    stage: .requestWrite, detail: "the stream closed before the request was written")
            }
            let why = resetCode.map { "APNs reset the stream (\($0))" } ?? "the stream closed without an answer"
            return APNSTransportError(stage: .awaitingResponse, requestWritten: true, detail: why)
        }

        // MARK: Draining and closing

        struct DrainAction {
            /// Tell the pool: this connection takes no new requests (its slot gets a new one).
            var retire: Bool
            /// Waiting requests, never sent: another connection takes them.
            var handOver: [Request]
            var closeChannel: Bool
        }

        /// GOAWAY: no new stream from now on, not even one already asked for; waiting requests
        /// move on; streams at or below `lastStreamID` keep waiting for their answers.
        mutating func goAwayReceived(lastStreamID: HTTP2StreamID) -> DrainAction {
            // A later GOAWAY may only lower it (RFC 9113 §6.8).
            self.goAwayLastStreamID = min(self.goAwayLastStreamID ?? lastStreamID, lastStreamID)
            return self.beginDraining()
        }

        /// Drain for any reason (GOAWAY, an answer that retires the connection, shutdown).
        mutating func beginDraining() -> DrainAction {
            switch self.state {
            case .ready, .connecting, .idle:
                self.state = .draining
            case .draining:
                return DrainAction(retire: false, handOver: [], closeChannel: self.closeIfDrained())
            case .closed:
                return DrainAction(retire: false, handOver: [], closeChannel: false)
            }
            return DrainAction(
                retire: true, handOver: self.takeQueue(includingCompleted: false), closeChannel: self.closeIfDrained())
        }

        enum ClosedAction {
            /// `setupFailed` already reported this connection.
            case alreadyReported
            /// Closed during setup: fail these (nothing was sent) and report a failed connect.
            case failedDuringSetup([Request])
            /// Closed after it was ready: retire it if still serving, give these to another.
            case closed(retire: Bool, handOver: [Request])
        }

        /// The channel closed, whoever closed it.
        mutating func channelClosed() -> ClosedAction {
            let previous = self.state
            self.state = .closed
            switch previous {
            case .closed:
                return .alreadyReported
            case .idle, .connecting:
                return .failedDuringSetup(self.takeQueue(includingCompleted: true))
            case .ready, .draining:
                return .closed(retire: previous == .ready, handOver: self.takeQueue(includingCompleted: false))
            }
        }

        enum ShutdownAction {
            /// Never opened: done.
            case closedWhileIdle
            /// Being set up: fail the setup.
            case failSetup
            /// Drain, then close at the grace deadline.
            case drain(DrainAction)
            case none
        }

        mutating func shutdownRequested() -> ShutdownAction {
            switch self.state {
            case .idle:
                self.state = .closed
                return .closedWhileIdle
            case .connecting:
                return .failSetup
            case .ready, .draining:
                return .drain(self.beginDraining())
            case .closed:
                return .none
            }
        }

        private mutating func closeIfDrained() -> Bool {
            guard self.state == .draining, self.inFlight == 0, !self.closeRequested else { return false }
            self.closeRequested = true
            return true
        }

        private mutating func takeQueue(includingCompleted: Bool) -> [Request] {
            var taken: [Request] = []
            while let request = self.queue.popFirst() {
                if includingCompleted || !request.isCompleted { taken.append(request) }
            }
            return taken
        }
    }
}
