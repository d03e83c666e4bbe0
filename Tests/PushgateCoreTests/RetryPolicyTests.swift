import Foundation
import PushgateCore
import Testing

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 4, initialBackoff: .seconds(2), maxBackoff: .seconds(60))
    let now = Date(timeIntervalSince1970: 1_000_000)

    @Test func finalOutcomesFinish() {
        #expect(
            self.policy.decide(after: .delivered, attempts: 1, now: self.now, expiresAt: nil) == .finish(.delivered))
        #expect(
            self.policy.decide(
                after: .invalidToken(reason: .malformedToken, since: nil), attempts: 1, now: self.now,
                expiresAt: nil) == .finish(.invalidToken))
        #expect(
            self.policy.decide(after: .permanent(reason: .payloadTooLarge), attempts: 1, now: self.now, expiresAt: nil)
                == .finish(.failed))
    }

    @Test func backoffDoublesWithEqualJitterAndIsCapped() {
        #expect(self.policy.backoff(attempts: 1, random: 0) == .seconds(1))
        #expect(self.policy.backoff(attempts: 1, random: 1) == .seconds(2))
        #expect(self.policy.backoff(attempts: 3, random: 0.5) == .seconds(6))
        #expect(self.policy.backoff(attempts: 20, random: 1) == .seconds(60))
    }

    @Test func retryAfterIsHonoured() {
        let decision = self.policy.decide(
            after: .retryable(after: .seconds(30), stage: nil), attempts: 1, now: self.now,
            expiresAt: nil, random: 0)
        #expect(decision == .retry(at: self.now.addingTimeInterval(30)))
    }

    @Test func theBudgetEndsInFailedOrAmbiguous() {
        #expect(
            self.policy.decide(
                after: .retryable(after: nil, stage: .connect), attempts: 4, now: self.now, expiresAt: nil)
                == .finish(.failed))
        #expect(
            self.policy.decide(after: .ambiguous(stage: .awaitingResponse), attempts: 4, now: self.now, expiresAt: nil)
                == .finish(.ambiguous))
        #expect(
            self.policy.decide(
                after: .ambiguous(stage: .awaitingResponse), attempts: 2, now: self.now, expiresAt: nil,
                random: 0) == .retry(at: self.now.addingTimeInterval(2)))
    }

    @Test func theTTLIsTheDeadline() {
        let expiresAt = self.now.addingTimeInterval(1.5)
        #expect(
            self.policy.decide(
                after: .retryable(after: nil, stage: nil), attempts: 1, now: self.now,
                expiresAt: expiresAt, random: 1) == .finish(.expired))
    }

    @Test func quotaPausesUntilTheVendorsTime() {
        let until = self.now.addingTimeInterval(7200)
        #expect(
            self.policy.decide(
                after: .quotaExhausted(until: until), attempts: 1, now: self.now, expiresAt: nil, random: 0)
                == .retry(at: until))
    }
}
