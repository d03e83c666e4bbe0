import NIOHTTP2
import Testing

@testable import PushgateSimulator

@Suite("Stream limit and GOAWAY of one connection, without I/O")
struct APNSConnectionStateMachineTests {
    typealias Machine = APNSConnectionHandler.StateMachine

    static func limits(
        tokenPhase: Bool = true,
        drop: Bool = false,
        goAwayAfter: Int? = nil
    ) -> Machine.Limits {
        Machine.Limits(
            maxConcurrentStreams: 1000,
            streamsBeforeFirstAcceptedToken: 1,
            limitsUntilTokenAccepted: tokenPhase,
            dropStreamLimitAfterRejection: drop,
            goAwayAfterRequests: goAwayAfter
        )
    }

    @Test("Token auth: one stream until a token is accepted")
    func tokenPhase() {
        var machine = Machine(limits: Self.limits())
        #expect(machine.advertisedStreamLimit == 1)
        _ = machine.requestArrived(streamID: 1, countsTowardGoAway: true)
        #expect(machine.requestCompleted(isGoAwayTrigger: false, pushAccepted: false) == .init())
        _ = machine.requestArrived(streamID: 3, countsTowardGoAway: true)
        machine.tokenWasAccepted()
        #expect(machine.requestCompleted(isGoAwayTrigger: false, pushAccepted: false) == .init(newStreamLimit: 1000))
        _ = machine.requestArrived(streamID: 5, countsTowardGoAway: true)
        #expect(machine.requestCompleted(isGoAwayTrigger: false, pushAccepted: true) == .init())
    }

    @Test("Certificate auth starts at the full limit")
    func certificatePhase() {
        let machine = Machine(limits: Self.limits(tokenPhase: false))
        #expect(machine.advertisedStreamLimit == 1000)
    }

    @Test("dropStreamLimitAfterRejection follows each outcome, sending SETTINGS only on change")
    func dropAfterRejection() {
        var machine = Machine(limits: Self.limits(drop: true))
        machine.tokenWasAccepted()
        let outcomes: [(Bool?, Int?)] = [(true, 1000), (false, 1), (false, nil), (nil, nil), (true, 1000), (true, nil)]
        for (index, (accepted, expected)) in outcomes.enumerated() {
            _ = machine.requestArrived(streamID: HTTP2StreamID(2 * index + 1), countsTowardGoAway: true)
            #expect(machine.requestCompleted(isGoAwayTrigger: false, pushAccepted: accepted).newStreamLimit == expected)
        }
    }

    @Test("GOAWAY after the Nth request: later streams ignored, close once written and drained")
    func goAway() {
        var machine = Machine(limits: Self.limits(tokenPhase: false, goAwayAfter: 2))
        #expect(machine.requestArrived(streamID: 1, countsTowardGoAway: true) == .process(isGoAwayTrigger: false))
        #expect(machine.requestArrived(streamID: 3, countsTowardGoAway: false) == .process(isGoAwayTrigger: false))
        #expect(machine.requestArrived(streamID: 5, countsTowardGoAway: true) == .process(isGoAwayTrigger: true))
        #expect(machine.requestArrived(streamID: 7, countsTowardGoAway: true) == .ignore)

        #expect(machine.streamClosed() == false)  // stream 3
        #expect(machine.requestCompleted(isGoAwayTrigger: true, pushAccepted: true).goAwayLastStreamID == 5)
        #expect(machine.goAwayWasWritten() == false)  // streams 1 and 5 still open
        #expect(machine.streamClosed() == false)
        #expect(machine.streamClosed() == true)
        #expect(machine.streamClosed() == false)  // only once
    }

    @Test("x/net/http2 style: GOAWAY leaves when the Nth request arrives, before any answer")
    func goAwayBeforeAnswering() {
        var limits = Self.limits(tokenPhase: false, goAwayAfter: 2)
        limits.goAwayBeforeAnswering = true
        var machine = Machine(limits: limits)
        #expect(machine.requestArrived(streamID: 1, countsTowardGoAway: true) == .process(isGoAwayTrigger: false))
        #expect(machine.takeGoAwayToSend() == nil)
        #expect(machine.requestArrived(streamID: 3, countsTowardGoAway: true) == .process(isGoAwayTrigger: false))
        #expect(machine.takeGoAwayToSend() == 3, "at once, while streams 1 and 3 are unanswered")
        #expect(machine.takeGoAwayToSend() == nil, "once")
        #expect(machine.requestArrived(streamID: 5, countsTowardGoAway: true) == .ignore, "dropped, no RST_STREAM")
        #expect(machine.goAwayWasWritten() == false)  // streams 1 and 3 are still to be answered
        #expect(machine.requestCompleted(isGoAwayTrigger: false, pushAccepted: true).goAwayLastStreamID == nil)
        #expect(machine.streamClosed() == false)
        #expect(machine.streamClosed() == true)
    }
}
