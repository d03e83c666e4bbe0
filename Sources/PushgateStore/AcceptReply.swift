import NIOConcurrencyHelpers

/// Whom a queued submission's result goes to: the lone caller of `accept`, or one slot of an
/// `accept(all:)` call, which is answered once every slot has its result.
///
/// A batch of 500 notifications then costs one suspension and one wake-up, not 500 of each.
struct AcceptReply: Sendable {
    private enum Target: Sendable {
        case caller(CheckedContinuation<AcceptResult, any Error>)
        case slot(AcceptReplies, Int)
    }

    private let target: Target

    init(_ continuation: CheckedContinuation<AcceptResult, any Error>) {
        self.target = .caller(continuation)
    }

    fileprivate init(slot: Int, of replies: AcceptReplies) {
        self.target = .slot(replies, slot)
    }

    /// Call exactly once.
    func resume(with result: Result<AcceptResult, any Error>) {
        switch self.target {
        case .caller(let continuation): continuation.resume(with: result)
        case .slot(let replies, let index): replies.fill(index, with: result)
        }
    }

    func resume(returning value: AcceptResult) { self.resume(with: .success(value)) }
    func resume(throwing error: any Error) { self.resume(with: .failure(error)) }
}

/// The results of one `accept(all:)` call, gathered slot by slot; the caller is resumed when
/// the last slot is filled.
final class AcceptReplies: Sendable {
    private struct State {
        var results: [Result<AcceptResult, any Error>?]
        var remaining: Int
    }

    private let state: NIOLockedValueBox<State>
    private let continuation: CheckedContinuation<[Result<AcceptResult, any Error>], Never>

    /// Waits for `count` results; `enqueue` gets one reply per slot and must answer each once
    /// (at once, for a submission it refuses).
    static func collect(
        count: Int, _ enqueue: ([AcceptReply]) -> Void
    ) async -> [Result<AcceptResult, any Error>] {
        guard count > 0 else { return [] }
        return await withCheckedContinuation { continuation in
            let replies = AcceptReplies(count: count, continuation: continuation)
            enqueue((0..<count).map { AcceptReply(slot: $0, of: replies) })
        }
    }

    private init(count: Int, continuation: CheckedContinuation<[Result<AcceptResult, any Error>], Never>) {
        self.state = NIOLockedValueBox(State(results: Array(repeating: nil, count: count), remaining: count))
        self.continuation = continuation
    }

    fileprivate func fill(_ index: Int, with result: Result<AcceptResult, any Error>) {
        let complete: [Result<AcceptResult, any Error>]? = self.state.withLockedValue { state in
            if case .some = state.results[index] { preconditionFailure("a submission was answered twice") }
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            return state.results.map { $0! }
        }
        if let complete { self.continuation.resume(returning: complete) }
    }
}
