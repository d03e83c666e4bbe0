import Foundation
import Logging
import NIOConcurrencyHelpers
import PushgateCore

/// A vendor adapter without sockets, for dispatcher and gateway tests: it records every batch
/// it is asked to send and answers each delivery by its token's prefix, the way the vendor
/// simulators' fault prefixes work.
///
/// - `dead…` → `invalidToken` (a partial success inside a batch names only these)
/// - `quota…` → `quotaExhausted` until an hour from now
/// - `retry…` → `retryable`
/// - `bad…` → refused by `validate` (the API answers 422)
/// - anything else → `delivered`
package final class FakeAdapter: ProviderAdapter {
    /// One `send` call as the adapter saw it.
    package struct SentBatch: Sendable {
        package var deliveries: [Delivery]
        package var at: ContinuousClock.Instant
        /// Whether the fake vendor was unreachable (`setUnreachable`) when this batch came.
        package var duringOutage: Bool
    }

    private struct State {
        var batches: [SentBatch] = []
        var shutdowns = 0
        var unreachable = false
    }

    package let vendor: Vendor
    package let maxBatchSize: Int
    package var longestSend: Duration { self.delay + .seconds(1) }
    private let delay: Duration
    private let state = NIOLockedValueBox(State())

    package init(vendor: Vendor, maxBatchSize: Int = 100, delay: Duration = .zero) {
        self.vendor = vendor
        self.maxBatchSize = maxBatchSize
        self.delay = delay
    }

    package func send(_ deliveries: [Delivery], logger: Logger) async -> [DeliveryReport] {
        let unreachable = self.state.withLockedValue { state in
            state.batches.append(SentBatch(deliveries: deliveries, at: .now, duringOutage: state.unreachable))
            return state.unreachable
        }
        if self.delay > .zero { try? await Task.sleep(for: self.delay) }
        // Unreachable: what an adapter reports when it cannot connect, nothing sent.
        if unreachable {
            return deliveries.map { _ in DeliveryReport(outcome: .retryable(after: nil, stage: .connect)) }
        }
        return deliveries.map { Self.report(for: $0.target.token) }
    }

    /// Makes the fake vendor unreachable (every send fails to connect) or reachable again.
    package func setUnreachable(_ unreachable: Bool) {
        self.state.withLockedValue { $0.unreachable = unreachable }
    }

    package func validate(_ delivery: Delivery) -> DeliveryReport? {
        guard delivery.target.token.hasPrefix("bad") else { return nil }
        return DeliveryReport(
            outcome: .invalidToken(reason: .malformedToken, since: nil), vendorReason: "MalformedToken")
    }

    package func shutdown() async {
        self.state.withLockedValue { $0.shutdowns += 1 }
    }

    /// Every batch sent so far, in order.
    package var batches: [SentBatch] { self.state.withLockedValue { $0.batches } }

    /// How many deliveries were sent in all.
    package var sentCount: Int { self.batches.reduce(0) { $0 + $1.deliveries.count } }

    /// How often `shutdown` was called.
    package var shutdowns: Int { self.state.withLockedValue { $0.shutdowns } }

    static func report(for token: String) -> DeliveryReport {
        if token.hasPrefix("dead") {
            return DeliveryReport(
                outcome: .invalidToken(reason: OutcomeReason("FakeUnregistered"), since: nil), vendorStatus: 200,
                vendorReason: "FakeUnregistered")
        }
        if token.hasPrefix("quota") {
            return DeliveryReport(
                outcome: .quotaExhausted(until: Date().addingTimeInterval(3600)), vendorStatus: 429,
                vendorReason: "FakeQuota")
        }
        if token.hasPrefix("retry") {
            return DeliveryReport(
                outcome: .retryable(after: nil, stage: nil), vendorStatus: 503, vendorReason: "FakeBusy")
        }
        return DeliveryReport(outcome: .delivered, vendorStatus: 200)
    }
}
