import NIOConcurrencyHelpers
import NIOCore

/// Everything the Huawei simulator remembers, shared by all event loops behind one lock: access tokens, grant windows,
/// fault memory and counters. Each request takes the lock at most twice (authorization, outcome).
final class HuaweiSimulatorState: Sendable {
    /// Why a bearer token was refused.
    enum AuthorizationFailure: Sendable {
        /// Missing, unknown, or issued for another app: 80200001.
        case invalid
        /// Older than the lifetime or expired on purpose: 80200003.
        case expired
    }

    /// What a grant request gets.
    enum GrantOutcome: Sendable {
        case granted(accessToken: String)
        case flowControlled
    }

    /// What the send endpoint does once the message passed validation and `validate_only` is false.
    enum DeliveryDecision: Sendable {
        case reject(HuaweiRejection)
        /// Accepted, with these tokens illegal (partial success when some were accepted, 80300007 when none).
        case accept(illegalTokens: [String], acceptedCount: Int, delayed: Bool)
        case drop
        case hang
    }

    private struct GrantWindow: Sendable {
        var start: NIODeadline
        var count: Int
    }

    private struct State: Sendable {
        var counters = HuaweiSimulator.Counters()
        var accessTokens: IssuedTokens
        var grantWindows: [String: GrantWindow] = [:]
        /// "token\0identity" of every pair accepted, for `duplicates`.
        var acceptedPairs: Set<String> = []
        /// "token\0identity" pairs already failed once by `ONCE`.
        var failedOncePairs: Set<String> = []
        /// Device tokens whose `EXPT` fault has fired.
        var expiredByToken: Set<String> = []
        var unknownFields = UnknownFieldMemory()
    }

    private let grantsPerWindow: Int
    private let grantWindow: TimeAmount
    private let state: NIOLockedValueBox<State>

    init(configuration: HuaweiSimulator.Configuration) {
        self.grantsPerWindow = configuration.tokenGrantsPerWindow
        self.grantWindow = TimeAmount(configuration.tokenGrantWindow)
        self.state = NIOLockedValueBox(
            State(accessTokens: IssuedTokens(lifetime: TimeAmount(configuration.accessTokenLifetime)))
        )
    }

    // MARK: Control

    func snapshot() -> HuaweiSimulator.Counters {
        self.state.withLockedValue { $0.counters }
    }

    /// Zeroes the counters and the duplicate and fault memory; returns the counters as they were.
    @discardableResult
    func reset() -> HuaweiSimulator.Counters {
        self.state.withLockedValue { state in
            let previous = state.counters
            state.counters = HuaweiSimulator.Counters()
            state.acceptedPairs = []
            state.failedOncePairs = []
            state.expiredByToken = []
            state.unknownFields = UnknownFieldMemory()
            return previous
        }
    }

    func expireAccessTokens() {
        self.state.withLockedValue { $0.accessTokens.expireAll() }
    }

    // MARK: Tokens

    /// Records `accessToken` (made by the caller, outside the lock) as issued to `appID`, unless the app's grant window
    /// is used up.
    func grant(appID: String, now: NIODeadline, accessToken: String) -> GrantOutcome {
        self.state.withLockedValue { state in
            var window = state.grantWindows[appID] ?? GrantWindow(start: now, count: 0)
            if now - window.start >= self.grantWindow {
                window = GrantWindow(start: now, count: 0)
            }
            guard window.count < self.grantsPerWindow else {
                state.counters.tokenGrantRejections += 1
                return .flowControlled
            }
            window.count += 1
            state.grantWindows[appID] = window
            state.accessTokens.issue(accessToken, appID: appID, now: now)
            state.counters.tokenGrants += 1
            return .granted(accessToken: accessToken)
        }
    }

    func recordGrantRejection() {
        self.state.withLockedValue { $0.counters.tokenGrantRejections += 1 }
    }

    /// Checks a bearer token for `appID`; a refusal is counted as a rejected send request.
    func authorize(accessToken: Substring?, appID: Substring, now: NIODeadline) -> AuthorizationFailure? {
        self.state.withLockedValue { state in
            let failure: AuthorizationFailure?
            if let accessToken, let issued = state.accessTokens.lookUp(String(accessToken), now: now),
                issued.appID == appID
            {
                failure = issued.isExpired ? .expired : nil
            } else {
                failure = .invalid
            }
            if let failure {
                state.counters.requests += 1
                let rejection: HuaweiRejection = failure == .expired ? .tokenExpired : .authenticationError
                state.counters.rejectedByCode[rejection.counterKey, default: 0] += 1
            }
            return failure
        }
    }

    // MARK: Send outcomes

    /// Counts a send request rejected before the fault and token stages (validation), with any unknown fields seen.
    func recordRejected(_ rejection: HuaweiRejection, unknownFields: [String]) {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.counters.rejectedByCode[rejection.counterKey, default: 0] += 1
            state.unknownFields.note(unknownFields, in: &state.counters.unknownFields)
        }
    }

    func recordValidateOnly(unknownFields: [String]) {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.counters.validateOnly += 1
            state.unknownFields.note(unknownFields, in: &state.counters.unknownFields)
        }
    }

    /// Steps 8 and 9: faults by device-token prefix, then per-token acceptance; counts the outcome.
    func deliver(
        _ message: HuaweiMessage,
        accessToken: Substring,
        unknownFields: [String]
    ) -> DeliveryDecision {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.unknownFields.note(unknownFields, in: &state.counters.unknownFields)
            let tokens = message.tokens ?? []
            var delayed = false
            if let (fault, token) = HuaweiFault.first(in: tokens) {
                let pair = token + "\u{0}" + (message.identity ?? "")
                switch fault {
                case .flowControl:
                    return Self.reject(.flowControl, state: &state)
                case .internalError:
                    return Self.reject(.internalError, state: &state)
                case .noPermission:
                    return Self.reject(.noPermission, state: &state)
                case .failOnce:
                    if state.failedOncePairs.insert(pair).inserted {
                        return Self.reject(.flowControl, state: &state)
                    }
                case .expireAccessToken:
                    if state.expiredByToken.insert(token).inserted {
                        state.accessTokens.invalidate(String(accessToken))
                        return Self.reject(.tokenExpired, state: &state)
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

            var illegal: [String] = []
            var accepted = 0
            for token in tokens {
                if token.hasPrefix(HuaweiFault.illegalTokenPrefix) {
                    illegal.append(token)
                    continue
                }
                accepted += 1
                state.counters.acceptedPerToken[token, default: 0] += 1
                if let identity = message.identity, !state.acceptedPairs.insert(token + "\u{0}" + identity).inserted {
                    state.counters.duplicates += 1
                }
            }
            if message.tokens != nil && accepted == 0 {
                return Self.reject(.allTokensInvalid, state: &state)
            }
            state.counters.tokensAccepted += accepted
            state.counters.messagesAccepted += 1
            return .accept(illegalTokens: illegal, acceptedCount: accepted, delayed: delayed)
        }
    }

    private static func reject(_ rejection: HuaweiRejection, state: inout State) -> DeliveryDecision {
        state.counters.rejectedByCode[rejection.counterKey, default: 0] += 1
        return .reject(rejection)
    }
}
