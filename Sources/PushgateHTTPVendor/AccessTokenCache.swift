import Logging
import PushgateCore

/// One app's access token for a vendor: fetched once and shared by every request of the lane,
/// refreshed proactively before it expires and at most once per rejection (single flight: many
/// requests that find it stale or rejected cause one fetch). After a failed fetch, callers get
/// that failure until a backoff has passed, so a wrong secret or an unreachable token endpoint
/// costs the vendor one request per backoff, not one per push (vendors rate-limit their token
/// endpoints and may lower the quota of apps that keep calling).
package actor AccessTokenCache {
    /// A token as the vendor granted it.
    package struct Grant: Sendable {
        package var token: String
        package var lifetime: Duration

        package init(token: String, lifetime: Duration) {
            self.token = token
            self.lifetime = lifetime
        }
    }

    /// Why no token could be had.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package enum Kind: Sendable, Equatable {
            /// The vendor refused the credentials: a configuration alarm.
            case rejected
            /// The token endpoint could not be reached or answered 5xx / flow control.
            case unavailable
        }

        package var kind: Kind
        package var description: String

        package init(_ kind: Kind, _ description: String) {
            self.kind = kind
            self.description = description
        }
    }

    package typealias Fetch = @Sendable () async -> Result<Grant, Failure>

    private struct Current {
        var token: String
        var refreshAt: ContinuousClock.Instant
    }

    private let fetch: Fetch
    private let logger: Logger
    private var current: Current?
    private var inFlight: Task<Result<String, Failure>, Never>?
    private var lastFailure: (failure: Failure, retryAt: ContinuousClock.Instant)?
    private var failureBackoff: Duration
    private let minimumBackoff: Duration
    private let maximumBackoff: Duration

    /// Fetches carry their own timeout (the transport's); the backoff after a failed fetch
    /// doubles from `minimumBackoff` up to `maximumBackoff`.
    package init(
        minimumBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(60), logger: Logger,
        fetch: @escaping Fetch
    ) {
        self.fetch = fetch
        self.logger = logger
        self.minimumBackoff = minimumBackoff
        self.maximumBackoff = maximumBackoff
        self.failureBackoff = minimumBackoff
    }

    /// A token that is not about to expire, fetching one if needed.
    package func token() async -> Result<String, Failure> {
        let now = ContinuousClock.now
        if let current, now < current.refreshAt { return .success(current.token) }
        if let inFlight { return await inFlight.value }
        if let lastFailure, now < lastFailure.retryAt { return .failure(lastFailure.failure) }
        let task = Task { await self.refresh() }
        self.inFlight = task
        return await task.value
    }

    /// The vendor said `token` expired or is invalid: forget it, unless a newer one replaced it
    /// already (then the caller's retry uses that one without another fetch).
    package func invalidate(_ token: String) {
        if self.current?.token == token { self.current = nil }
    }

    private func refresh() async -> Result<String, Failure> {
        let result = await self.fetch()
        let now = ContinuousClock.now
        self.inFlight = nil
        switch result {
        case .success(let grant):
            // Refresh a tenth of the lifetime early, at most five minutes (vendors' own demos).
            let margin = min(grant.lifetime / 10, .seconds(300))
            self.current = Current(token: grant.token, refreshAt: now + grant.lifetime - margin)
            self.lastFailure = nil
            self.failureBackoff = self.minimumBackoff
            return .success(grant.token)
        case .failure(let failure):
            self.current = nil
            self.lastFailure = (failure, now + self.failureBackoff)
            let level: Logger.Level = failure.kind == .rejected ? .error : .warning
            self.logger.log(
                level: level, "access token fetch failed; next try in \(DurationText.format(self.failureBackoff))",
                metadata: ["push.auth_error": "\(failure.description)"])
            self.failureBackoff = min(self.failureBackoff * 2, self.maximumBackoff)
            return .failure(failure)
        }
    }
}
