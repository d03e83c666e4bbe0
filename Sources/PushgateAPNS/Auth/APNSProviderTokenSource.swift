import Foundation
import Logging
import NIOConcurrencyHelpers

/// One signing key's provider tokens, shared by every connection of an adapter (both
/// environments): the `APNSProviderTokenSchedule` behind a lock, and the key that signs.
///
/// A lock, not an actor: connections ask from their event loops while building a request's
/// headers, which cannot await; they ask only when their token is old, so the lock is rare.
final class APNSProviderTokenSource: Sendable {
    let policy: APNSConfiguration.ProviderTokens
    private let key: APNSSigningKey
    private let logger: Logger
    private let state: NIOLockedValueBox<State>

    private struct State {
        var schedule: APNSProviderTokenSchedule
        var minted = 0
    }

    init(key: APNSSigningKey, policy: APNSConfiguration.ProviderTokens, logger: Logger) {
        self.key = key
        self.policy = policy
        self.logger = logger
        self.state = NIOLockedValueBox(State(schedule: APNSProviderTokenSchedule(policy: policy)))
    }

    /// The token for a connection holding `held` (nil for a new one); nil only if signing failed
    /// and no token exists yet.
    func token(holding held: APNSProviderToken?, now: Date) -> APNSProviderToken? {
        let (token, mintedNew) = self.state.withLockedValue { state -> (APNSProviderToken?, Bool) in
            switch state.schedule.next(holding: held, now: now) {
            case .use(let token):
                return (token, false)
            case .mint(let issuedAt):
                // Signing under the lock: it is rare (every ~30 minutes) and ~0.1 ms, and it
                // makes sure two connections asking at once get one token, not two.
                guard let jwt = try? self.key.makeProviderToken(issuedAt: issuedAt) else {
                    return (held ?? state.schedule.newest, false)
                }
                let token = APNSProviderToken(authorization: "bearer " + jwt, issuedAt: issuedAt)
                state.schedule.minted(token)
                state.minted += 1
                return (token, true)
            }
        }
        if mintedNew {
            self.logger.debug("minted an APNs provider token", metadata: ["apns.key_id": "\(self.key.keyID)"])
        } else if token == nil {
            self.logger.error("could not sign an APNs provider token", metadata: ["apns.key_id": "\(self.key.keyID)"])
        }
        return token
    }

    func rejectedTooManyUpdates(now: Date) {
        self.state.withLockedValue { $0.schedule.rejectedTooManyUpdates(now: now) }
        self.logger.warning(
            "APNs refused a provider token as too many updates; minting nothing for a while",
            metadata: ["apns.key_id": "\(self.key.keyID)"])
    }

    func rejectedExpired(_ token: APNSProviderToken) {
        self.state.withLockedValue { $0.schedule.rejectedExpired(token) }
    }

    /// Tokens minted so far, for tests and diagnostics.
    var mintedCount: Int {
        self.state.withLockedValue { $0.minted }
    }
}
