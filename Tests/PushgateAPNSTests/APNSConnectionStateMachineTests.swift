import NIOHTTP2
import PushgateCore
import Testing

@testable import PushgateAPNS

/// `APNSConnection.StateMachine` without I/O: every event's actions, and the lost-answer and
/// double-close cases GOAWAY and draining invite.
@Suite struct APNSConnectionStateMachineTests {
    final class Request: APNSConnectionRequest, CustomStringConvertible {
        let name: String
        var isCompleted = false
        init(_ name: String) { self.name = name }
        var description: String { self.name }
    }

    typealias Machine = APNSConnection.StateMachine<Request>

    /// A machine that has connected and read the server's first SETTINGS (`limit` streams).
    static func ready(limit: Int? = 10, maxQueued: Int = 100) -> Machine {
        var machine = Machine(maxConcurrentStreams: 1000, maxQueuedRequests: maxQueued)
        let connecting = machine.startConnecting()
        let becameReady = machine.settingsReceived(maxConcurrentStreams: limit, setupComplete: true)
        #expect(connecting && becameReady)
        return machine
    }

    /// What the connection does after every event: open a stream for each request let through.
    static func open(_ machine: inout Machine) -> [String] {
        var names: [String] = []
        while let request = machine.nextStream() { names.append(request.name) }
        return names
    }

    @Test func requestsWaitForTheConnectionThenOpenUpToTheLimit() {
        var machine = Machine(maxConcurrentStreams: 1000, maxQueuedRequests: 100)
        let requests = (0..<5).map { Request("r\($0)") }
        guard case .queued(let connect) = machine.enqueue(requests[0]) else {
            Issue.record("not queued")
            return
        }
        #expect(connect, "the first request opens the connection")
        #expect(Self.open(&machine).isEmpty)
        let first = machine.startConnecting()
        let second = machine.startConnecting()
        #expect(first && !second, "connects once")
        for request in requests.dropFirst() { _ = machine.enqueue(request) }
        #expect(Self.open(&machine).isEmpty, "not while connecting")
        // SETTINGS before the handshake finished: the limit is noted, nothing opens yet.
        let early = machine.settingsReceived(maxConcurrentStreams: 2, setupComplete: false)
        #expect(!early)
        #expect(Self.open(&machine).isEmpty)
        let ready = machine.settingsReceived(maxConcurrentStreams: 2, setupComplete: true)
        #expect(ready)
        #expect(Self.open(&machine) == ["r0", "r1"])
        #expect(machine.inFlight == 2)
        // The server raises its limit: the waiting ones start, never more than it allows.
        let raised = machine.settingsReceived(maxConcurrentStreams: 3, setupComplete: true)
        #expect(!raised, "ready once")
        #expect(Self.open(&machine) == ["r2"])
        let closes = machine.streamEnded()
        #expect(!closes)
        #expect(Self.open(&machine) == ["r3"])
        #expect(machine.peakInFlight == 3)
        #expect(machine.queued == 1)
        // The server lowers it: nothing opens until enough streams end.
        _ = machine.settingsReceived(maxConcurrentStreams: 1, setupComplete: true)
        _ = machine.streamEnded()
        #expect(Self.open(&machine).isEmpty, "2 in flight, limit 1")
        _ = machine.streamEnded()
        _ = machine.streamEnded()
        #expect(Self.open(&machine) == ["r4"])
    }

    @Test func completedRequestsAreSkippedAndTheQueueIsBounded() {
        var machine = Self.ready(limit: 1, maxQueued: 2)
        _ = machine.enqueue(Request("first"))
        #expect(Self.open(&machine) == ["first"])
        let timedOut = Request("timedOut")
        _ = machine.enqueue(timedOut)
        _ = machine.enqueue(Request("next"))
        guard case .rejectQueueFull = machine.enqueue(Request("third")) else {
            Issue.record("the queue is bounded")
            return
        }
        timedOut.isCompleted = true
        _ = machine.streamEnded()
        #expect(Self.open(&machine) == ["next"])
    }

    @Test func afterGoAwayNoStreamOpensNotEvenOneAlreadyAskedFor() {
        var machine = Self.ready(limit: 2)
        for name in ["asked", "w1", "w2", "w3"] { _ = machine.enqueue(Request(name)) }
        #expect(Self.open(&machine) == ["asked", "w1"])
        #expect(machine.streamCreated() == .write)

        let drain = machine.goAwayReceived(lastStreamID: HTTP2StreamID(1))
        #expect(drain.retire)
        #expect(drain.handOver.map(\.name) == ["w2", "w3"], "never sent: another connection takes them")
        #expect(!drain.closeChannel, "two streams are still in flight")
        // NIO creates the streams asked for before the GOAWAY on a later tick: they must not open.
        #expect(machine.streamCreated() == .doNotOpen)
        #expect(machine.streamCreationFailure(detail: "x").stage == .goAwayUnprocessed)
        // New requests go elsewhere at once.
        guard case .handOver = machine.enqueue(Request("late")) else {
            Issue.record("a draining connection takes no request")
            return
        }
        let first = machine.streamEnded()
        #expect(!first)
        #expect(Self.open(&machine).isEmpty)
        let last = machine.streamEnded()
        #expect(last, "the last stream ended: close")
        #expect(machine.state == .draining)
    }

    @Test(
        "an unanswered stream is ambiguous only when written and at or below GOAWAY's last-stream-id",
        arguments: [
            // (stream id, written, reset, GOAWAY last id, stage, ambiguous)
            (5, true, nil, 3, .goAwayUnprocessed, false),
            (5, true, .cancel, 3, .goAwayUnprocessed, false),
            (nil, false, nil, 3, .goAwayUnprocessed, false),
            (3, true, nil, 3, .awaitingResponse, true),
            (3, false, nil, 3, .requestWrite, false),
            (7, true, .refusedStream, nil, .streamRefused, false),
            (7, false, nil, nil, .requestWrite, false),
            (nil, false, nil, nil, .requestWrite, false),
            (7, true, nil, nil, .awaitingResponse, true),
            (7, true, .internalError, nil, .awaitingResponse, true),
        ] as [(Int?, Bool, HTTP2ErrorCode?, Int?, FailureStageCase, Bool)])
    func failures(
        streamID: Int?, written: Bool, reset: HTTP2ErrorCode?, lastStreamID: Int?, stage: FailureStageCase,
        ambiguous: Bool
    ) {
        var machine = Self.ready()
        if let lastStreamID { _ = machine.goAwayReceived(lastStreamID: HTTP2StreamID(lastStreamID)) }
        let failure = machine.failure(
            streamID: streamID.map { HTTP2StreamID($0) }, requestWritten: written, resetCode: reset)
        #expect(failure.stage.rawValue == stage.rawValue)
        #expect(failure.outcome.kind == (ambiguous ? .ambiguous : .retryable))
    }

    @Test func drainingClosesOnceAndOnlyWhenTheLastStreamEnds() {
        var machine = Self.ready()
        _ = machine.enqueue(Request("a"))
        #expect(Self.open(&machine) == ["a"])
        let drain = machine.beginDraining()
        #expect(drain.retire)
        #expect(!drain.closeChannel)
        let again = machine.beginDraining()
        #expect(!again.retire, "retired once")
        let last = machine.streamEnded()
        #expect(last)
        // A GOAWAY after that (or a second drain) asks for no second close.
        let goAway = machine.goAwayReceived(lastStreamID: HTTP2StreamID(1))
        let third = machine.beginDraining()
        #expect(!goAway.closeChannel && !third.closeChannel)
    }

    @Test func aLaterGoAwayOnlyLowersTheLastStreamID() {
        var machine = Self.ready()
        _ = machine.goAwayReceived(lastStreamID: HTTP2StreamID(9))
        _ = machine.goAwayReceived(lastStreamID: HTTP2StreamID(15))
        #expect(machine.goAwayLastStreamID == HTTP2StreamID(9))
        _ = machine.goAwayReceived(lastStreamID: HTTP2StreamID(5))
        #expect(machine.goAwayLastStreamID == HTTP2StreamID(5))
    }

    @Test func closingReportsOnceWithWhatWasWaiting() {
        // Closed during setup: fail the waiting ones, report a failed connect.
        var setup = Machine(maxConcurrentStreams: 10, maxQueuedRequests: 10)
        _ = setup.enqueue(Request("a"))
        _ = setup.startConnecting()
        guard case .failedDuringSetup(let failed) = setup.channelClosed() else {
            Issue.record("closed during setup")
            return
        }
        #expect(failed.map(\.name) == ["a"])
        guard case .alreadyReported = setup.channelClosed() else {
            Issue.record("reported twice")
            return
        }

        // A setup failure reports; the close that follows does not again.
        var failing = Machine(maxConcurrentStreams: 10, maxQueuedRequests: 10)
        _ = failing.enqueue(Request("b"))
        _ = failing.startConnecting()
        let failedSetup = failing.setupFailed()
        let twice = failing.setupFailed()
        #expect(failedSetup?.map(\.name) == ["b"])
        #expect(twice == nil, "reported once")
        guard case .alreadyReported = failing.channelClosed() else {
            Issue.record("reported twice")
            return
        }

        // Closed while ready: retire, and the waiting requests move on.
        var ready = Self.ready(limit: 1)
        _ = ready.enqueue(Request("c"))
        _ = ready.enqueue(Request("d"))
        #expect(Self.open(&ready) == ["c"])
        guard case .closed(let retire, let handOver) = ready.channelClosed() else {
            Issue.record("closed while ready")
            return
        }
        #expect(retire)
        #expect(handOver.map(\.name) == ["d"])
    }

    @Test func shutdown() {
        var idle = Machine(maxConcurrentStreams: 10, maxQueuedRequests: 10)
        guard case .closedWhileIdle = idle.shutdownRequested() else {
            Issue.record("idle")
            return
        }
        var connecting = Machine(maxConcurrentStreams: 10, maxQueuedRequests: 10)
        _ = connecting.startConnecting()
        guard case .failSetup = connecting.shutdownRequested() else {
            Issue.record("connecting")
            return
        }
        var ready = Self.ready()
        guard case .drain(let drain) = ready.shutdownRequested() else {
            Issue.record("ready")
            return
        }
        #expect(drain.closeChannel, "nothing in flight: close now")
    }

    /// `FailureStage` by name, so the argument table reads without the module prefix.
    enum FailureStageCase: String, Sendable {
        case goAwayUnprocessed, awaitingResponse, requestWrite, streamRefused
    }
}
