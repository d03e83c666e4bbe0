import Foundation
import Testing

@testable import PushgateAPNS

/// The token discipline without I/O: hours of simulated connections in microseconds.
@Suite struct APNSProviderTokenScheduleTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A key's schedule with fake signing, and connections that hold tokens as the real ones do.
    struct Model {
        var schedule = APNSProviderTokenSchedule(policy: .init())
        var minted: [Date] = []

        mutating func token(holding held: APNSProviderToken?, now: Date) -> APNSProviderToken {
            switch self.schedule.next(holding: held, now: now) {
            case .use(let token):
                return token
            case .mint(let issuedAt):
                let token = APNSProviderToken(authorization: "bearer \(self.minted.count)", issuedAt: issuedAt)
                self.schedule.minted(token)
                self.minted.append(issuedAt)
                return token
            }
        }
    }

    struct Connection {
        var opened: Date
        var closes: Date
        var token: APNSProviderToken?
        /// When it first sent `token`.
        var since: Date?
    }

    @Test("over three hours, with long-lived and short-lived connections, every rule holds")
    func everyRuleHolds() {
        var model = Model()
        // Two connections live all along; others open every 7 minutes and live 13.
        var connections = [
            Connection(opened: Self.start, closes: .distantFuture),
            Connection(opened: Self.start, closes: .distantFuture),
        ]
        var changes: [TimeInterval] = []
        var oldestSent: TimeInterval = 0
        let step: TimeInterval = 10
        for tick in 0..<(3 * 360) {
            let now = Self.start.addingTimeInterval(Double(tick) * step)
            if tick % 42 == 0 {
                connections.append(Connection(opened: now, closes: now.addingTimeInterval(13 * 60)))
            }
            connections.removeAll { $0.closes <= now }
            for index in connections.indices {
                let token = model.token(holding: connections[index].token, now: now)
                if let previous = connections[index].token, previous != token, let since = connections[index].since {
                    changes.append(now.timeIntervalSince(since))
                }
                if connections[index].token != token {
                    connections[index].token = token
                    connections[index].since = now
                }
                oldestSent = max(oldestSent, now.timeIntervalSince(token.issuedAt))
            }
        }
        let gaps = zip(model.minted.dropFirst(), model.minted).map { $0.timeIntervalSince($1) }
        #expect(model.minted.count >= 6, "about one token per 30 minutes")
        #expect(gaps.allSatisfy { $0 >= 30 * 60 }, "the key mints at most every 30 minutes: \(gaps)")
        #expect(!changes.isEmpty)
        #expect(changes.allSatisfy { $0 >= 20 * 60 }, "no connection changes token within 20 minutes: \(changes)")
        #expect(oldestSent < 51 * 60, "no token is sent past 50 minutes (and so never at 60)")
    }

    @Test("a connection moves to the newest token at 50 minutes; a new one takes it while it is under 30")
    func switchAndTake() {
        var model = Model()
        let first = model.token(holding: nil, now: Self.start)
        let at29 = Self.start.addingTimeInterval(29 * 60)
        #expect(model.token(holding: nil, now: at29) == first, "a new connection takes the shared token")
        #expect(model.token(holding: first, now: Self.start.addingTimeInterval(49 * 60)) == first)
        let at50 = Self.start.addingTimeInterval(50 * 60)
        let second = model.token(holding: first, now: at50)
        #expect(second != first)
        #expect(second.issuedAt == at50)
        #expect(model.token(holding: nil, now: at50) == second, "one token for everyone")
        #expect(model.minted.count == 2)
    }

    @Test("after TooManyProviderTokenUpdates nothing is minted during the back-off, and the token is kept")
    func tooManyUpdatesHoldsMinting() {
        var model = Model()
        let first = model.token(holding: nil, now: Self.start)
        let at55 = Self.start.addingTimeInterval(55 * 60)
        model.schedule.rejectedTooManyUpdates(now: at55)
        #expect(model.token(holding: first, now: at55) == first, "keep the token")
        #expect(model.token(holding: nil, now: at55.addingTimeInterval(60)) == first, "new connections too")
        #expect(model.minted.count == 1)
        // Past the back-off (20 minutes), the schedule resumes.
        let after = at55.addingTimeInterval(20 * 60)
        #expect(model.token(holding: first, now: after).issuedAt == after)
        #expect(model.minted.count == 2)
    }

    @Test("ExpiredProviderToken mints one replacement, however many requests report it, even during a back-off")
    func expiredMintsOnce() {
        var model = Model()
        let first = model.token(holding: nil, now: Self.start)
        let later = Self.start.addingTimeInterval(5 * 60)
        model.schedule.rejectedTooManyUpdates(now: later)
        for _ in 0..<3 { model.schedule.rejectedExpired(first) }
        let replacement = model.token(holding: nil, now: later)
        #expect(replacement != first)
        #expect(model.token(holding: nil, now: later) == replacement)
        #expect(model.token(holding: first, now: later) == replacement, "the dead token is not kept")
        // A late report about the old token changes nothing more.
        model.schedule.rejectedExpired(first)
        #expect(model.token(holding: nil, now: later) == replacement)
        #expect(model.minted.count == 2)
    }

    @Test("a connection refused a change goes back to its previous token and holds it through the back-off")
    func connectionFallsBack() throws {
        let key = try APNSSigningKey(keyID: "KEY1234567", teamID: "TEAM123456", privateKey: .init())
        let source = APNSProviderTokenSource(key: key, policy: .init(), logger: .init(label: "t"))
        var tokens = APNSConnectionTokens()
        let firstToken = tokens.token(now: Self.start, source: source)
        let first = try #require(firstToken)
        let at50 = Self.start.addingTimeInterval(50 * 60)
        let secondToken = tokens.token(now: at50, source: source)
        let second = try #require(secondToken)
        #expect(second != first)
        tokens.rejectedTooManyUpdates(second, now: at50, backoff: .seconds(20 * 60))
        let afterRefusal = tokens.token(now: at50.addingTimeInterval(60), source: source)
        #expect(afterRefusal == first)
        #expect(source.mintedCount == 2)
    }
}
