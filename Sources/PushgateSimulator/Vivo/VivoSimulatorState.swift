import NIOConcurrencyHelpers
import NIOCore

/// Everything the vivo simulator remembers, shared by all event loops behind one lock: auth tokens, auth rate
/// windows, answered requestIds, saved list payloads, quota use, fault memory and counters.
final class VivoSimulatorState: Sendable {
    /// The endpoints whose `requestId`s are remembered separately.
    enum Endpoint: String, Sendable {
        case send
        case saveListPayload
        case pushToList
    }

    /// What a call gets once it passed authentication and validation.
    enum Decision: Sendable, Equatable {
        /// HTTP 200 with this JSON body (a success, or the first answer again for a replay).
        case answer(String, delayed: Bool)
        case reject(VivoRejection)
        case drop
        case hang
    }

    /// A payload saved by `saveListPayload`, for its later `pushToList` calls.
    struct SavedPayload: Sendable {
        var classification: Int
        var pushMode: Int
    }

    private struct RateWindow: Sendable {
        var start: NIODeadline
        var count: Int
    }

    /// Answers to accepted requestIds, in two generations so that long benchmarks keep a bounded memory: when the
    /// current one is full it becomes the previous one and the oldest answers are forgotten.
    private struct AnswerMemory: Sendable {
        static let generationSize = 500_000
        var current: [String: String] = [:]
        var previous: [String: String] = [:]

        subscript(key: String) -> String? {
            self.current[key] ?? self.previous[key]
        }

        mutating func remember(_ answer: String, for key: String) {
            if self.current.count >= Self.generationSize {
                self.previous = self.current
                self.current = [:]
            }
            self.current[key] = answer
        }
    }

    private struct State: Sendable {
        var counters = VivoSimulator.Counters()
        var authTokens: IssuedTokens
        var authWindows: [String: RateWindow] = [:]
        /// "appId\0endpoint\0requestId" → the JSON answer given when it was accepted.
        var answers = AnswerMemory()
        /// "appId\0taskId" → payload.
        var payloads: [String: SavedPayload] = [:]
        var nextTaskID: UInt64
        var quotaUse = DailyQuotaUse()
        /// "appId\0endpoint\0requestId" keys already failed once by `ONCE`.
        var failedOnce: Set<String> = []
        /// regIds whose `EXPT` fault has fired.
        var expiredByToken: Set<String> = []
        var unknownFields = UnknownFieldMemory()
    }

    private let authCallsPerSecond: Int
    private let dailyQuota: Int?
    private let state: NIOLockedValueBox<State>

    init(configuration: VivoSimulator.Configuration) {
        self.authCallsPerSecond = configuration.authCallsPerSecond
        self.dailyQuota = configuration.dailyQuota
        // taskIds look like vivo's (`121397329`): nine digits or more, counting up.
        self.state = NIOLockedValueBox(
            State(
                authTokens: IssuedTokens(lifetime: TimeAmount(configuration.authTokenLifetime)),
                nextTaskID: UInt64.random(in: 100_000_000..<900_000_000)
            )
        )
    }

    // MARK: Control

    func snapshot() -> VivoSimulator.Counters {
        self.state.withLockedValue { $0.counters }
    }

    /// Zeroes the counters and forgets answered requestIds, quota use and fault memory; returns the counters as they
    /// were. Auth tokens, auth rate windows and saved list payloads are kept.
    @discardableResult
    func reset() -> VivoSimulator.Counters {
        self.state.withLockedValue { state in
            let previous = state.counters
            state.counters = VivoSimulator.Counters()
            state.answers = AnswerMemory()
            state.quotaUse = DailyQuotaUse()
            state.failedOnce = []
            state.expiredByToken = []
            state.unknownFields = UnknownFieldMemory()
            return previous
        }
    }

    func expireAuthTokens() {
        self.state.withLockedValue { $0.authTokens.expireAll() }
    }

    // MARK: Auth

    /// Counts an auth call of a known app in its one-second window; false (and a rejection counted) when the window
    /// already had `authCallsPerSecond` calls.
    func admitAuthCall(appID: String, now: NIODeadline) -> Bool {
        self.state.withLockedValue { state in
            var window = state.authWindows[appID] ?? RateWindow(start: now, count: 0)
            if now - window.start >= .seconds(1) {
                window = RateWindow(start: now, count: 0)
            }
            window.count += 1
            state.authWindows[appID] = window
            guard window.count <= self.authCallsPerSecond else {
                state.counters.authRejections += 1
                return false
            }
            return true
        }
    }

    func recordAuthRejection() {
        self.state.withLockedValue { $0.counters.authRejections += 1 }
    }

    /// Records `authToken` (made by the caller, outside the lock) as issued to `appID`.
    func issue(authToken: String, appID: String, now: NIODeadline) {
        self.state.withLockedValue { state in
            state.authTokens.issue(authToken, appID: appID, now: now)
            state.counters.authGrants += 1
        }
    }

    /// The appId a valid `authToken` was issued for; nil (and the call counted as rejected with 10000) when the token
    /// is missing, unknown or expired.
    func authorize(authToken: String?, now: NIODeadline) -> String? {
        self.state.withLockedValue { state in
            if let authToken, let token = state.authTokens.lookUp(authToken, now: now), !token.isExpired {
                return token.appID
            }
            state.counters.requests += 1
            state.counters.rejectedByCode[VivoRejection.authFailed.counterKey, default: 0] += 1
            return nil
        }
    }

    // MARK: Calls

    /// Counts a call rejected before the decision stage (appId mismatch, validation), with any unknown fields seen.
    func recordRejected(_ rejection: VivoRejection, unknownFields: [String]) {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.counters.rejectedByCode[rejection.counterKey, default: 0] += 1
            state.unknownFields.note(unknownFields, in: &state.counters.unknownFields)
        }
    }

    /// `/message/send` after validation: replay → operation window → fault → invalid regId → quota → accept.
    func send(
        _ message: VivoSingleMessage,
        appID: String,
        authToken: String,
        quotaDay: Int64,
        withinOperationWindow: Bool,
        unknownFields: [String]
    ) -> Decision {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.unknownFields.note(unknownFields, in: &state.counters.unknownFields)
            let key = Self.key(appID, .send, message.content.requestID)
            if let answer = state.answers[key] {
                state.counters.replaysDropped += 1
                return .answer(answer, delayed: false)
            }
            if Self.isOperationMessage(message.content), !withinOperationWindow {
                return Self.reject(.outsideOperationWindow, state: &state)
            }
            var delayed = false
            if let fault = VivoFault(token: message.target) {
                switch self.apply(fault, token: message.target, onceKey: key, authToken: authToken, state: &state) {
                case .some(let decision): return decision
                case nil: delayed = fault == .slow
                }
            }
            if let status = VivoFault.invalidStatus(of: message.target) {
                let invalidUser = #"{"status":\#(status),"userid":\#(JSONText.quoted(message.target))}"#
                state.counters.rejectedByCode["10302", default: 0] += 1
                return .answer(#"{"result":10302,"desc":"regId不合法","invalidUser":\#(invalidUser)}"#, delayed: delayed)
            }
            guard self.takeQuota(1, appID: appID, day: quotaDay, state: &state) else {
                return Self.reject(.quotaExceeded, state: &state)
            }
            let answer = #"{"result":0,"desc":"请求成功","taskId":"\#(Self.nextTaskID(&state))"}"#
            state.answers.remember(answer, for: key)
            state.counters.messagesAccepted += 1
            state.counters.tokensAccepted += 1
            state.counters.acceptedPerToken[message.target, default: 0] += 1
            return .answer(answer, delayed: delayed)
        }
    }

    /// `/message/saveListPayload` after validation: replay → operation window → saved under a new taskId.
    func saveListPayload(
        _ content: VivoContent,
        appID: String,
        withinOperationWindow: Bool,
        unknownFields: [String]
    ) -> Decision {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.unknownFields.note(unknownFields, in: &state.counters.unknownFields)
            let key = Self.key(appID, .saveListPayload, content.requestID)
            if let answer = state.answers[key] {
                state.counters.replaysDropped += 1
                return .answer(answer, delayed: false)
            }
            if Self.isOperationMessage(content), !withinOperationWindow {
                return Self.reject(.outsideOperationWindow, state: &state)
            }
            let taskID = Self.nextTaskID(&state)
            state.payloads[appID + "\u{0}" + taskID] = SavedPayload(
                classification: content.classification,
                pushMode: content.pushMode
            )
            let answer = #"{"result":0,"desc":"请求成功","taskId":"\#(taskID)"}"#
            state.answers.remember(answer, for: key)
            state.counters.listPayloadsSaved += 1
            return .answer(answer, delayed: false)
        }
    }

    /// `/message/pushToList` after validation: taskId known → replay → operation window → fault (first regId with
    /// one) → quota → accept, `BAD1`…`BAD4` regIds listed in `invalidUsers`.
    func pushToList(
        _ push: VivoListPush,
        appID: String,
        authToken: String,
        quotaDay: Int64,
        withinOperationWindow: Bool,
        unknownFields: [String]
    ) -> Decision {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.unknownFields.note(unknownFields, in: &state.counters.unknownFields)
            // Assumed: vivo does not document the answer to a taskId it does not know.
            guard let payload = state.payloads[appID + "\u{0}" + push.taskID] else {
                return Self.reject(
                    .invalidParameter("taskId", "is not a saved list payload of this app"), state: &state)
            }
            let key = Self.key(appID, .pushToList, push.requestID)
            if let answer = state.answers[key] {
                state.counters.replaysDropped += 1
                return .answer(answer, delayed: false)
            }
            let content = VivoContent(
                classification: payload.classification,
                pushMode: push.pushMode ?? payload.pushMode,
                requestID: push.requestID
            )
            if Self.isOperationMessage(content), !withinOperationWindow {
                return Self.reject(.outsideOperationWindow, state: &state)
            }
            var delayed = false
            if let (fault, token) = VivoFault.first(in: push.targets) {
                switch self.apply(fault, token: token, onceKey: key, authToken: authToken, state: &state) {
                case .some(let decision): return decision
                case nil: delayed = fault == .slow
                }
            }
            var invalid: [String] = []
            var accepted: [String] = []
            accepted.reserveCapacity(push.targets.count)
            for target in push.targets {
                if let status = VivoFault.invalidStatus(of: target) {
                    invalid.append(#"{"userid":\#(JSONText.quoted(target)),"status":\#(status)}"#)
                } else {
                    accepted.append(target)
                }
            }
            guard self.takeQuota(accepted.count, appID: appID, day: quotaDay, state: &state) else {
                return Self.reject(.quotaExceeded, state: &state)
            }
            var answer = #"{"result":0,"desc":"请求成功","requestId":\#(JSONText.quoted(push.requestID))"#
            answer += #","taskId":"\#(push.taskID)""#
            if !invalid.isEmpty {
                answer += #","invalidUsers":[\#(invalid.joined(separator: ","))]"#
            }
            answer += "}"
            state.answers.remember(answer, for: key)
            state.counters.messagesAccepted += 1
            state.counters.tokensAccepted += accepted.count
            for target in accepted {
                state.counters.acceptedPerToken[target, default: 0] += 1
            }
            return .answer(answer, delayed: delayed)
        }
    }

    // MARK: Helpers

    /// The decision a fault forces; nil when the call goes on (`SLOW`, `ONCE` and `EXPT` after their first time).
    private func apply(
        _ fault: VivoFault,
        token: String,
        onceKey: String,
        authToken: String,
        state: inout State
    ) -> Decision? {
        switch fault {
        case .internalError:
            return Self.reject(.internalServerError, state: &state)
        case .tooFrequent:
            return Self.reject(.tooFrequent, state: &state)
        case .quotaExceeded:
            return Self.reject(.quotaExceeded, state: &state)
        case .failOnce:
            return state.failedOnce.insert(onceKey).inserted ? Self.reject(.tooFrequent, state: &state) : nil
        case .expireAuthToken:
            guard state.expiredByToken.insert(token).inserted else { return nil }
            state.authTokens.invalidate(authToken)
            return Self.reject(.authFailed, state: &state)
        case .slow:
            return nil
        case .drop:
            state.counters.droppedConnections += 1
            return .drop
        case .hang:
            state.counters.unanswered += 1
            return .hang
        }
    }

    /// Takes `count` from the app's quota of `day`; false when that would go over `dailyQuota`.
    private func takeQuota(_ count: Int, appID: String, day: Int64, state: inout State) -> Bool {
        guard let dailyQuota = self.dailyQuota else { return true }
        return state.quotaUse.take(count, app: appID, day: day, quota: dailyQuota)
    }

    /// Operation messages (classification 0) sent formally (pushMode 0) are held to the 07:00–23:00 window.
    private static func isOperationMessage(_ content: VivoContent) -> Bool {
        content.classification == 0 && content.pushMode == 0
    }

    private static func key(_ appID: String, _ endpoint: Endpoint, _ requestID: String) -> String {
        appID + "\u{0}" + endpoint.rawValue + "\u{0}" + requestID
    }

    private static func nextTaskID(_ state: inout State) -> String {
        defer { state.nextTaskID += 1 }
        return String(state.nextTaskID)
    }

    private static func reject(_ rejection: VivoRejection, state: inout State) -> Decision {
        state.counters.rejectedByCode[rejection.counterKey, default: 0] += 1
        return .reject(rejection)
    }
}
