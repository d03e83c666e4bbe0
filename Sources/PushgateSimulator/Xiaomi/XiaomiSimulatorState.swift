import NIOConcurrencyHelpers

/// Everything the Xiaomi simulator remembers, shared by all event loops behind one lock: counters, accepted and
/// failed-once (regid, notify_id) pairs, and each app's regids accepted today. Each request takes the lock once.
final class XiaomiSimulatorState: Sendable {
    /// What the send endpoint does once the request passed authentication and validation.
    enum DeliveryDecision: Sendable, Equatable {
        /// A business error (HTTP 200); `delayed` when a `SLOW` regid asked for a late answer.
        case reject(XiaomiRejection, delayed: Bool)
        /// HTTP 500, plain text.
        case internalServerError
        /// Accepted, with these regids invalid (`bad_regids`).
        case accept(badRegids: [String], acceptedCount: Int, delayed: Bool)
        case drop
        case hang
    }

    private struct State: Sendable {
        var counters = XiaomiSimulator.Counters()
        /// "regid\0notify_id" of every pair accepted with a notify_id, for `duplicates`.
        var acceptedPairs: Set<String> = []
        /// "regid\0notify_id" pairs (notify_id empty when absent) already failed once by `ONCE`.
        var failedOncePairs: Set<String> = []
        /// App secret → regids accepted on a Beijing day.
        var dailyCounts = DailyQuotaUse()
        var unknownFields = UnknownFieldMemory()
    }

    private let dailyQuota: Int?
    private let state = NIOLockedValueBox(State())

    init(dailyQuota: Int?) {
        self.dailyQuota = dailyQuota
    }

    /// The day number (days since 1970-01-01) in China Standard Time (UTC+8, no daylight saving), where Xiaomi's
    /// daily quotas restart.
    static func beijingDay(secondsSince1970: Double) -> Int {
        Int(((secondsSince1970 + 8 * 3600) / 86400).rounded(.down))
    }

    // MARK: Control

    func snapshot() -> XiaomiSimulator.Counters {
        self.state.withLockedValue { $0.counters }
    }

    /// Zeroes the counters and forgets accepted and failed-once pairs and today's quota use; returns the counters as
    /// they were.
    @discardableResult
    func reset() -> XiaomiSimulator.Counters {
        self.state.withLockedValue { state in
            let previous = state.counters
            state = State()
            return previous
        }
    }

    // MARK: Send outcomes

    /// Counts a send request rejected before the fault stage (authentication, validation), with any unknown fields.
    func recordRejected(_ rejection: XiaomiRejection, unknownFields: [String]) {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.counters.rejectedByCode[rejection.counterKey, default: 0] += 1
            state.unknownFields.note(unknownFields, in: &state.counters.unknownFields)
        }
    }

    /// Steps 5 to 7: faults by regid prefix, the app's daily quota on `day`, then per-regid acceptance; counts the
    /// outcome.
    func deliver(
        _ message: XiaomiMessage,
        appSecret: String,
        day: Int,
        unknownFields: [String]
    ) -> DeliveryDecision {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.unknownFields.note(unknownFields, in: &state.counters.unknownFields)
            let notifyID = message.notifyID.map { String($0) }
            var delayed = false
            if let (fault, regid) = XiaomiFault.first(in: message.regids) {
                switch fault {
                case .internalServerError:
                    state.counters.rejectedByCode["HTTP500", default: 0] += 1
                    return .internalServerError
                case .systemError:
                    return Self.reject(.systemError, delayed: false, state: &state)
                case .tooFrequent:
                    return Self.reject(.tooFrequent, delayed: false, state: &state)
                case .dailyQuota:
                    return Self.reject(.dailyQuotaExceeded, delayed: false, state: &state)
                case .failOnce:
                    if state.failedOncePairs.insert(regid + "\u{0}" + (notifyID ?? "")).inserted {
                        return Self.reject(.systemBusy, delayed: false, state: &state)
                    }
                case .slow:
                    delayed = true
                case .drop:
                    state.counters.droppedConnections += 1
                    return .drop
                case .hang:
                    state.counters.unanswered += 1
                    return .hang
                }
            }

            let bad = message.regids.filter(XiaomiFault.isInvalid)
            let goodCount = message.regids.count - bad.count
            if let dailyQuota = self.dailyQuota,
                !state.dailyCounts.take(goodCount, app: appSecret, day: Int64(day), quota: dailyQuota)
            {
                return Self.reject(.dailyQuotaExceeded, delayed: delayed, state: &state)
            }
            guard goodCount > 0 else { return Self.reject(.noValidTargets, delayed: delayed, state: &state) }

            for regid in message.regids where !XiaomiFault.isInvalid(regid) {
                state.counters.acceptedPerToken[regid, default: 0] += 1
                if let notifyID, !state.acceptedPairs.insert(regid + "\u{0}" + notifyID).inserted {
                    state.counters.duplicates += 1
                }
            }
            state.counters.tokensAccepted += goodCount
            state.counters.messagesAccepted += 1
            return .accept(badRegids: bad, acceptedCount: goodCount, delayed: delayed)
        }
    }

    private static func reject(_ rejection: XiaomiRejection, delayed: Bool, state: inout State) -> DeliveryDecision {
        state.counters.rejectedByCode[rejection.counterKey, default: 0] += 1
        return .reject(rejection, delayed: delayed)
    }
}
