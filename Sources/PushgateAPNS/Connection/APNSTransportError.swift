import PushgateCore

/// A send that got no answer from APNs, with where it failed.
struct APNSTransportError: Error, Hashable, Sendable, CustomStringConvertible {
    var stage: FailureStage
    /// The request's last byte was handed to the socket: APNs may have acted on it.
    var requestWritten: Bool
    /// For reconnect backoff: how long until the pool tries this endpoint again.
    var retryAfter: Duration?
    var detail: String

    init(stage: FailureStage, requestWritten: Bool = false, retryAfter: Duration? = nil, detail: String) {
        self.stage = stage
        self.requestWritten = requestWritten
        self.retryAfter = retryAfter
        self.detail = detail
    }

    /// The outcome a caller sees: ambiguous only when APNs may have the request.
    var outcome: DeliveryOutcome {
        self.requestWritten ? .ambiguous(stage: self.stage) : .retryable(after: self.retryAfter, stage: self.stage)
    }

    var description: String { "\(self.detail) (stage: \(self.stage.rawValue))" }
}
