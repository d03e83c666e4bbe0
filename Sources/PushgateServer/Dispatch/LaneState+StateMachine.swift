import Foundation
import PushgateCore

/// Whether one lane may send (ARCHITECTURE rule 6): running, paused until a vendor's quota
/// resets, or paused because the vendor (or the proxy in front of it) cannot be reached, and
/// then probed with one batch at a time, with capped, jittered backoff. Deliveries of a paused
/// lane wait in the queue and spend no attempts. Pure: the dispatcher feeds it events and acts
/// on what it returns, and tests drive it without I/O.
struct LaneStateMachine: Sendable {
    struct Settings: Sendable, Hashable {
        /// Consecutive "unreachable" results (connection failures, 5xx answers) that pause the lane.
        var failureThreshold = 3
        /// The first wait before a probe; it doubles after each failed probe.
        var probeInitial: Duration = .seconds(1)
        var probeMaximum: Duration = .seconds(10)
    }

    enum State: Sendable, Hashable {
        case running(consecutiveFailures: Int)
        case pausedQuota(until: Date)
        case pausedOutage(since: Date, nextProbe: Date, backoff: Duration, probing: Bool)
    }

    /// What to do with a batch about to be sent.
    enum Admission: Sendable, Hashable {
        case send
        /// Send it as the lane's one probe.
        case probe
        /// Put it back in the queue, due at this time, without counting an attempt.
        case hold(until: Date)
    }

    /// What one delivery's outcome says about the lane.
    enum Signal: Sendable, Hashable {
        /// The vendor answered in a way that shows it is reachable.
        case healthy
        /// Nothing reached the vendor, or it answered 5xx.
        case unreachable
        case quotaExhausted(until: Date)
        /// Says nothing about the lane (an ambiguous attempt, a refused stream).
        case neutral
    }

    enum PauseReason: String, Sendable, Hashable {
        case quota
        case outage
    }

    /// A change worth a log line and a metric.
    enum Transition: Sendable, Hashable {
        case paused(PauseReason)
        case resumed(PauseReason, after: Duration)
    }

    private(set) var state: State = .running(consecutiveFailures: 0)
    let settings: Settings

    init(settings: Settings = .init()) {
        self.settings = settings
    }

    /// Asks whether a batch may go now. A quota pause that has ended resumes the lane here.
    mutating func admit(now: Date) -> (Admission, Transition?) {
        switch self.state {
        case .running:
            return (.send, nil)
        case .pausedQuota(let until):
            guard now >= until else { return (.hold(until: until), nil) }
            self.state = .running(consecutiveFailures: 0)
            return (.send, .resumed(.quota, after: .zero))
        case .pausedOutage(let since, let nextProbe, let backoff, let probing):
            if probing { return (.hold(until: now + backoff), nil) }
            guard now >= nextProbe else { return (.hold(until: nextProbe), nil) }
            self.state = .pausedOutage(since: since, nextProbe: nextProbe, backoff: backoff, probing: true)
            return (.probe, nil)
        }
    }

    /// Takes one batch's result. `wasProbe` tells a probe's answer from a late answer to a
    /// batch sent before the pause; `random` in 0..<1 jitters the next probe.
    mutating func finished(_ signal: Signal, wasProbe: Bool, now: Date, random: Double) -> Transition? {
        switch (self.state, signal) {
        case (_, .quotaExhausted(let until)):
            if case .pausedQuota(let current) = self.state {
                self.state = .pausedQuota(until: max(current, until))
                return nil
            }
            self.state = .pausedQuota(until: until)
            return .paused(.quota)

        case (.running, .healthy):
            self.state = .running(consecutiveFailures: 0)
            return nil
        case (.running(let failures), .unreachable):
            guard failures + 1 >= self.settings.failureThreshold else {
                self.state = .running(consecutiveFailures: failures + 1)
                return nil
            }
            let backoff = self.settings.probeInitial
            self.state = .pausedOutage(
                since: now, nextProbe: now + Self.jittered(backoff, random), backoff: backoff, probing: false)
            return .paused(.outage)

        case (.pausedOutage(let since, _, _, _), .healthy):
            // Any answer shows the vendor is back, a probe's or a late one's.
            self.state = .running(consecutiveFailures: 0)
            let pause = Duration.milliseconds(Int64(max(0, now.timeIntervalSince(since)) * 1000))
            return .resumed(.outage, after: pause)
        case (.pausedOutage(let since, _, let backoff, _), .unreachable):
            // A batch sent before the pause failing late changes nothing; a failed probe backs off.
            guard wasProbe else { return nil }
            let next = min(backoff * 2, self.settings.probeMaximum)
            self.state = .pausedOutage(
                since: since, nextProbe: now + Self.jittered(next, random), backoff: next, probing: false)
            return nil
        case (.pausedOutage(let since, let nextProbe, let backoff, _), .neutral):
            // A probe that proved nothing: let the next one go at its time.
            if wasProbe {
                self.state = .pausedOutage(since: since, nextProbe: nextProbe, backoff: backoff, probing: false)
            }
            return nil

        case (.running, .neutral), (.pausedQuota, _):
            return nil
        }
    }

    /// Until when the lane's due deliveries should stay in the queue unleased; nil when the lane
    /// takes work now (running, or a probe is due).
    func leaseBlockedUntil(now: Date) -> Date? {
        switch self.state {
        case .running:
            return nil
        case .pausedQuota(let until):
            return until > now ? until : nil
        case .pausedOutage(_, let nextProbe, let backoff, let probing):
            if probing { return now + backoff }
            return nextProbe > now ? nextProbe : nil
        }
    }

    /// The state's name for the `pushgate_lane_state` gauge.
    var stateName: String {
        switch self.state {
        case .running: "running"
        case .pausedQuota: "paused_quota"
        case .pausedOutage: "paused_outage"
        }
    }

    /// `duration` × 0.8…1.2, so the lanes of one outage do not probe in step.
    static func jittered(_ duration: Duration, _ random: Double) -> Duration {
        duration * (0.8 + 0.4 * min(max(random, 0), 1))
    }
}

extension LaneStateMachine.Signal {
    /// What one attempt's report says about its lane.
    init(_ report: DeliveryReport, now: Date) {
        switch report.outcome {
        case .delivered, .invalidToken, .permanent, .authRefresh:
            self = .healthy
        case .quotaExhausted(let until):
            self = .quotaExhausted(until: until ?? now + .seconds(3600))
        case .retryable(_, let stage?):
            self = stage.indicatesUnreachable ? .unreachable : .neutral
        case .retryable(_, nil):
            // An answer: a 5xx to everything is an outage as much as a refused connection.
            self = (report.vendorStatus ?? 0) >= 500 ? .unreachable : .healthy
        case .ambiguous:
            self = .neutral
        }
    }

    /// One batch's signal: a quota answer wins, then any sign of life, then unreachable.
    init(batch signals: [Self]) {
        var result = Self.neutral
        for signal in signals {
            switch (signal, result) {
            case (.quotaExhausted, _):
                self = signal
                return
            case (.healthy, _): result = .healthy
            case (.unreachable, .neutral): result = .unreachable
            default: break
            }
        }
        self = result
    }
}
