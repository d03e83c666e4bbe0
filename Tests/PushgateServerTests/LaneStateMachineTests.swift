import Foundation
import PushgateCore
import Testing

@testable import PushgateServer

/// The lane's health without I/O: when it pauses, how it probes, when it resumes.
@Suite struct LaneStateMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let settings = LaneStateMachine.Settings(failureThreshold: 3, probeInitial: .seconds(1), probeMaximum: .seconds(8))

    @Test func threeUnreachableResultsPauseTheLaneAndOnlyThen() {
        var lane = LaneStateMachine(settings: self.settings)
        #expect(lane.finished(.unreachable, wasProbe: false, now: self.t0, random: 0.5) == nil)
        #expect(
            lane.finished(.healthy, wasProbe: false, now: self.t0, random: 0.5) == nil, "a success resets the count")
        #expect(lane.finished(.unreachable, wasProbe: false, now: self.t0, random: 0.5) == nil)
        #expect(lane.finished(.unreachable, wasProbe: false, now: self.t0, random: 0.5) == nil)
        #expect(lane.finished(.unreachable, wasProbe: false, now: self.t0, random: 0.5) == .paused(.outage))
        #expect(lane.stateName == "paused_outage")
    }

    @Test func oneProbeAtATimeWithDoublingCappedBackoff() {
        var lane = LaneStateMachine(settings: self.settings)
        for _ in 0..<3 { _ = lane.finished(.unreachable, wasProbe: false, now: self.t0, random: 0.5) }
        // random 0.5: no jitter, so the probe times are exact.
        #expect(lane.admit(now: self.t0).0 == .hold(until: self.t0 + .seconds(1)))
        #expect(lane.leaseBlockedUntil(now: self.t0) == self.t0 + .seconds(1))
        var now = self.t0 + .seconds(1)
        #expect(lane.leaseBlockedUntil(now: now) == nil, "the probe is due: the lane takes work")
        #expect(lane.admit(now: now).0 == .probe)
        #expect(lane.admit(now: now).0 == .hold(until: now + .seconds(1)), "only one probe in flight")
        var expected: [Duration] = [.seconds(2), .seconds(4), .seconds(8), .seconds(8)]
        while !expected.isEmpty {
            let backoff = expected.removeFirst()
            #expect(lane.finished(.unreachable, wasProbe: true, now: now, random: 0.5) == nil)
            #expect(lane.admit(now: now).0 == .hold(until: now + backoff))
            now = now + backoff
            #expect(lane.admit(now: now).0 == .probe)
        }
        #expect(
            lane.finished(.healthy, wasProbe: true, now: now, random: 0.5) == .resumed(.outage, after: .seconds(23)))
        #expect(lane.admit(now: now).0 == .send)
    }

    @Test func aLateFailureOfABatchSentBeforeThePauseDoesNotCountAsAProbe() {
        var lane = LaneStateMachine(settings: self.settings)
        for _ in 0..<3 { _ = lane.finished(.unreachable, wasProbe: false, now: self.t0, random: 0.5) }
        _ = lane.finished(.unreachable, wasProbe: false, now: self.t0 + .milliseconds(10), random: 0.5)
        #expect(lane.admit(now: self.t0 + .seconds(1)).0 == .probe, "the backoff did not grow")
    }

    @Test func quotaPausesUntilTheResetThenResumes() {
        var lane = LaneStateMachine(settings: self.settings)
        let reset = self.t0 + .seconds(3600)
        #expect(
            lane.finished(.quotaExhausted(until: reset), wasProbe: false, now: self.t0, random: 0.5) == .paused(.quota))
        #expect(lane.leaseBlockedUntil(now: self.t0) == reset)
        #expect(lane.admit(now: self.t0).0 == .hold(until: reset))
        #expect(lane.finished(.unreachable, wasProbe: false, now: self.t0, random: 0.5) == nil, "a quota pause stays")
        let (admission, transition) = lane.admit(now: reset)
        #expect(admission == .send)
        #expect(transition == .resumed(.quota, after: .zero))
    }

    @Test("a batch's signal: quota first, then any sign of life, then unreachable")
    func batchSignal() {
        typealias Signal = LaneStateMachine.Signal
        let quota = Signal.quotaExhausted(until: self.t0)
        #expect(Signal(batch: [.unreachable, .healthy, quota]) == quota)
        #expect(Signal(batch: [.unreachable, .healthy]) == .healthy)
        #expect(Signal(batch: [.neutral, .unreachable]) == .unreachable)
        #expect(Signal(batch: [.neutral]) == .neutral)
    }

    @Test(
        "what one report says about its lane: no connection or a 5xx answer is unreachable, other answers healthy",
        arguments: [
            (DeliveryReport(outcome: .retryable(after: nil, stage: .connect)), LaneStateMachine.Signal.unreachable),
            (DeliveryReport(outcome: .retryable(after: nil, stage: .proxyConnect), vendorStatus: 502), .unreachable),
            (DeliveryReport(outcome: .retryable(after: nil, stage: nil), vendorStatus: 503), .unreachable),
            (DeliveryReport(outcome: .retryable(after: nil, stage: nil), vendorStatus: 500), .unreachable),
            (DeliveryReport(outcome: .retryable(after: .seconds(1), stage: nil), vendorStatus: 429), .healthy),
            (DeliveryReport(outcome: .retryable(after: nil, stage: .streamRefused)), .neutral),
            (DeliveryReport(outcome: .ambiguous(stage: .awaitingResponse)), .neutral),
            (DeliveryReport(outcome: .delivered, vendorStatus: 200), .healthy),
            (DeliveryReport(outcome: .permanent(reason: .expired), vendorStatus: 410), .healthy),
        ])
    func reportSignal(report: DeliveryReport, expected: LaneStateMachine.Signal) {
        #expect(LaneStateMachine.Signal(report, now: self.t0) == expected)
    }
}
