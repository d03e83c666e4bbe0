import Testing

@testable import PushgateServer

/// A lane's rate gate without a dispatcher: it keeps the rate, and its waiting is event-driven.
@Suite("Rate gate", .timeLimit(.minutes(1)))
struct RateGateTests {
    @Test("requests waiting for tokens each sleep once, until their turn, and the rate holds")
    func waitersSleepOnceEach() async throws {
        let gate = RateGate(perSecond: 50, concurrency: 1_000)
        // Empty the bucket: every request below waits for tokens.
        #expect(await gate.acquire(count: 50))
        gate.release()
        let start = ContinuousClock.now
        let waiters = 25
        let finished = await withTaskGroup(of: ContinuousClock.Instant?.self) { group in
            for _ in 0..<waiters {
                group.addTask {
                    guard await gate.acquire() else { return nil }
                    gate.release()
                    return .now
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let times = finished.compactMap { $0 }
        #expect(times.count == waiters)
        // 25 tokens at 50/s: the last comes about 0.5 s after the bucket was emptied.
        let span = try #require(times.max()) - start
        #expect(span >= .milliseconds(450), "25 requests at 50/s took \(span)")
        // Polling for tokens would wake every waiter for each token: about 25 × 25 / 2 sleeps.
        #expect(gate.tokenWaits <= waiters, "\(gate.tokenWaits) sleeps for \(waiters) waiting requests")
    }

    @Test("a request cancelled while it waits for tokens gives them back and holds no slot")
    func cancelledWaiterGivesBack() async throws {
        // One token every 5 s: the waiter sleeps long enough that a loaded machine cannot let
        // its wait end before the cancellation lands.
        let gate = RateGate(perSecond: 0.2, concurrency: 1)
        #expect(await gate.acquire(count: 1))
        gate.release()
        let waiting = Task { await gate.acquire(count: 1) }
        let asleepBy = ContinuousClock.now + .seconds(5)
        while gate.tokenWaits == 0 && ContinuousClock.now < asleepBy { try await Task.sleep(for: .milliseconds(5)) }
        waiting.cancel()
        let admitted = await waiting.value
        #expect(admitted == false)
        if admitted { gate.release() }
        // The slot is free again (concurrency 1), and the cancelled request's token came back:
        // the next request waits one token's refill (5 s), not two (10 s).
        let start = ContinuousClock.now
        #expect(await gate.acquire(count: 1))
        gate.release()
        #expect(ContinuousClock.now - start < .milliseconds(7_500))
    }
}
