/// Size limits of the REST API.
package struct APILimits: Sendable, Hashable {
    /// Largest request body read; larger bodies get 413 without being read to the end.
    package var maxRequestBytes: Int = 1_048_576
    /// Largest `POST /v1/notifications:batch` body.
    package var maxBatchRequestBytes: Int = 8 * 1_048_576
    /// Most notifications in one batch.
    package var maxBatchItems: Int = 500
    /// Most targets in one `POST /v1/notifications` (and in one item of a batch).
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
