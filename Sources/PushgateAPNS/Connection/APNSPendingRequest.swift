import NIOCore

/// A request from submission until its promise completes. It may move from one connection
/// to another (GOAWAY, REFUSED_STREAM); it belongs to one connection at a time and is
/// touched only on that connection's event loop, and a hand-over goes through
/// `EventLoop.execute`, which orders the accesses.
final class APNSPendingRequest: @unchecked Sendable {
    let request: APNSRequest
    let promise: EventLoopPromise<APNSResponse>
    let deadline: NIODeadline
    /// Transparent resends so far (bounded by `maxTransparentRetries`).
    var resends = 0
    /// One resend on a fresh connection after a stale-token answer, never more.
    var resentForProviderToken = false
    var isCompleted = false
    /// The provider token its last attempt carried, for what a token rejection means.
    var providerToken: APNSProviderToken?
    /// The stream carrying the request, while it has one.
    var stream: (any Channel)?

    init(request: APNSRequest, promise: EventLoopPromise<APNSResponse>, deadline: NIODeadline) {
        self.request = request
        self.promise = promise
        self.deadline = deadline
    }

    func succeed(_ response: APNSResponse) {
        guard !self.isCompleted else { return }
        self.isCompleted = true
        self.promise.succeed(response)
    }

    func fail(_ error: APNSTransportError) {
        guard !self.isCompleted else { return }
        self.isCompleted = true
        self.promise.fail(error)
    }
}
