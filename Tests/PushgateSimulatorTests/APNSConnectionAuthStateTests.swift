import Crypto
import Testing

@testable import PushgateSimulator

@Suite("Provider-token rules of one connection, without I/O")
struct APNSConnectionAuthStateTests {
    let key = P256.Signing.PrivateKey()
    let policy = APNSConnectionAuthState.Policy(maximumAge: 3600, minimumRefreshInterval: 1200)
    let start: Int64 = 1_700_000_000

    var verifier: ProviderTokenVerifier {
        ProviderTokenVerifier(keys: ["KEY1234567": self.key.publicKey], teamID: nil)
    }

    func token(team: String = "TEAM123456", iat: Int64) throws -> Substring {
        Substring(try TestJWT.make(key: self.key, keyID: "KEY1234567", teamID: team, issuedAt: iat))
    }

    @Test("The first token is verified once, then reused from the cache")
    func cachesVerifiedToken() throws {
        var state = APNSConnectionAuthState()
        let first = try self.token(iat: self.start)
        let decision = state.authorize(token: first, now: self.start + 5, verifier: self.verifier, policy: self.policy)
        #expect(decision.decision == .accepted(changedToken: false))
        #expect(decision.verified)
        let again = state.authorize(token: first, now: self.start + 60, verifier: self.verifier, policy: self.policy)
        #expect(again.decision == .accepted(changedToken: false))
        #expect(!again.verified)
        #expect(state.boundTeamID == "TEAM123456")
    }

    @Test("A cached token expires as time passes")
    func cachedTokenExpires() throws {
        var state = APNSConnectionAuthState()
        let first = try self.token(iat: self.start)
        _ = state.authorize(token: first, now: self.start, verifier: self.verifier, policy: self.policy)
        let atLimit = state.authorize(
            token: first,
            now: self.start + 3600,
            verifier: self.verifier,
            policy: self.policy
        )
        #expect(atLimit.decision == .accepted(changedToken: false))
        let late = state.authorize(token: first, now: self.start + 3601, verifier: self.verifier, policy: self.policy)
        #expect(late.decision == .rejected(.expiredProviderToken))
    }

    @Test(
        "Changing the token needs minimumRefreshInterval between iats",
        arguments: [(Int64(1199), false), (1200, true), (2700, true), (10, false)]
    )
    func tokenUpdates(secondIssuedAfter: Int64, allowed: Bool) throws {
        var state = APNSConnectionAuthState()
        let first = try self.token(iat: self.start)
        _ = state.authorize(token: first, now: self.start, verifier: self.verifier, policy: self.policy)
        let second = try self.token(iat: self.start + secondIssuedAfter)
        let now = self.start + secondIssuedAfter + 1
        let decision = state.authorize(token: second, now: now, verifier: self.verifier, policy: self.policy)
        if allowed {
            #expect(decision.decision == .accepted(changedToken: true))
            #expect(state.currentToken == String(second))
        } else {
            #expect(decision.decision == .rejected(.tooManyProviderTokenUpdates))
            // The connection keeps its token.
            #expect(state.currentToken == String(first))
            let old = state.authorize(token: first, now: now, verifier: self.verifier, policy: self.policy)
            #expect(old.decision == .accepted(changedToken: false))
        }
    }

    @Test("Per key: a second token signed at start-up for another connection is one update too many")
    func perKeyRefusesATokenPerConnection() throws {
        let ledger = APNSKeyTokenLedger()
        var first = APNSConnectionAuthState()
        var second = APNSConnectionAuthState()
        let mine = try self.token(iat: self.start)
        let theirs = try self.token(iat: self.start)  // Same second, another signature: another token.
        #expect(mine != theirs)
        let accepted = first.authorize(
            token: mine, now: self.start, verifier: self.verifier, policy: self.policy, keyLedger: ledger)
        #expect(accepted.decision == .accepted(changedToken: false))
        let refused = second.authorize(
            token: theirs, now: self.start, verifier: self.verifier, policy: self.policy, keyLedger: ledger)
        #expect(refused.decision == .rejected(.tooManyProviderTokenUpdates))
        // Without the ledger (per connection only), the same token is fine.
        var alone = APNSConnectionAuthState()
        let perConnection = alone.authorize(
            token: theirs, now: self.start, verifier: self.verifier, policy: self.policy)
        #expect(perConnection.decision == .accepted(changedToken: false))
    }

    @Test("Per key: the shared token is welcome on every connection; the key's next token needs 20 minutes")
    func perKeySharedToken() throws {
        let ledger = APNSKeyTokenLedger()
        let shared = try self.token(iat: self.start)
        for _ in 0..<3 {
            var connection = APNSConnectionAuthState()
            let decision = connection.authorize(
                token: shared, now: self.start + 30, verifier: self.verifier, policy: self.policy, keyLedger: ledger)
            #expect(decision.decision == .accepted(changedToken: false))
        }
        var fresh = APNSConnectionAuthState()
        let early = try self.token(iat: self.start + 1199)
        #expect(
            fresh.authorize(
                token: early, now: self.start + 1200, verifier: self.verifier, policy: self.policy, keyLedger: ledger
            ).decision == .rejected(.tooManyProviderTokenUpdates))
        let next = try self.token(iat: self.start + 1800)
        #expect(
            fresh.authorize(
                token: next, now: self.start + 1800, verifier: self.verifier, policy: self.policy, keyLedger: ledger
            ).decision == .accepted(changedToken: false))
        // Once the first token has aged out it no longer counts.
        var late = APNSConnectionAuthState()
        let afterExpiry = try self.token(iat: self.start + 3601 + 1200)
        #expect(
            late.authorize(
                token: afterExpiry, now: self.start + 3601 + 1200, verifier: self.verifier, policy: self.policy,
                keyLedger: ledger
            ).decision == .accepted(changedToken: false))
    }

    @Test("A rejected token is not verified again on the same connection")
    func cachesRejectedToken() throws {
        var state = APNSConnectionAuthState()
        let foreign = Substring(
            try TestJWT.make(key: P256.Signing.PrivateKey(), keyID: "KEY1234567", teamID: "T", issuedAt: self.start)
        )
        let first = state.authorize(token: foreign, now: self.start, verifier: self.verifier, policy: self.policy)
        #expect(first.decision == .rejected(.invalidProviderToken))
        #expect(first.verified)
        let second = state.authorize(token: foreign, now: self.start, verifier: self.verifier, policy: self.policy)
        #expect(second.decision == .rejected(.invalidProviderToken))
        #expect(!second.verified)
        #expect(state.currentToken == nil)
    }

    @Test("The first accepted token binds the team; another team is InvalidProviderToken")
    func teamBinding() throws {
        var state = APNSConnectionAuthState()
        _ = state.authorize(
            token: try self.token(iat: self.start),
            now: self.start,
            verifier: self.verifier,
            policy: self.policy
        )
        let otherTeam = try self.token(team: "OTHERTEAM1", iat: self.start + 2000)
        let decision = state.authorize(
            token: otherTeam,
            now: self.start + 2000,
            verifier: self.verifier,
            policy: self.policy
        )
        #expect(decision.decision == .rejected(.invalidProviderToken))
        #expect(state.boundTeamID == "TEAM123456")
    }

    @Test("An expired token is refused before the update rule")
    func expiredBeforeUpdateRule() throws {
        var state = APNSConnectionAuthState()
        let decision = state.authorize(
            token: try self.token(iat: self.start - 4000),
            now: self.start,
            verifier: self.verifier,
            policy: self.policy
        )
        #expect(decision.decision == .rejected(.expiredProviderToken))
        #expect(state.boundTeamID == nil)
    }
}
