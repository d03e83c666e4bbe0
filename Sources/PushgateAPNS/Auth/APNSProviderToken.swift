import Foundation

/// One signed provider token: the `authorization` value requests carry, and its `iat`.
struct APNSProviderToken: Sendable, Hashable {
    /// `bearer <JWT>`.
    var authorization: String
    var issuedAt: Date

    func age(at now: Date) -> Duration {
        .seconds(now.timeIntervalSince(self.issuedAt))
    }
}
