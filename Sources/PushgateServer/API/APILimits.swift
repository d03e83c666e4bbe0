/// Size limits of the REST API.
package struct APILimits: Sendable, Hashable {
    /// Largest request body read; larger bodies get 413 without being read to the end.
    package var maxRequestBytes: Int = 1_048_576
    /// Most targets in one `POST /v1/notifications`.
    package var maxTargets: Int = 1000
    /// How long an `Idempotency-Key` is remembered (purging is the store's job; the API
    /// documents it).
    package var idempotencyWindow: Duration = .seconds(86_400)

    package init(
        maxRequestBytes: Int = 1_048_576, maxTargets: Int = 1000, idempotencyWindow: Duration = .seconds(86_400)
    ) {
        self.maxRequestBytes = maxRequestBytes
        self.maxTargets = maxTargets
        self.idempotencyWindow = idempotencyWindow
    }
}
