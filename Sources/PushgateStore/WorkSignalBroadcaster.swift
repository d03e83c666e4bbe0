import NIOConcurrencyHelpers

/// Fans the store's "work arrived" hint out to every listener.
///
/// Each `makeStream()` is its own subscription (an `AsyncStream` supports one consumer, and a
/// gateway may run several dispatch loops), buffering only the newest signal: a listener that
/// was busy sees one pending wake-up, not a backlog. Streams end when the store closes.
final class WorkSignalBroadcaster: Sendable {
    private struct State {
        var nextID = 0
        var subscribers: [Int: AsyncStream<Void>.Continuation] = [:]
        var finished = false
    }

    private let state = NIOLockedValueBox(State())

    init() {}

    func makeStream() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id: Int? = self.state.withLockedValue { state in
            guard !state.finished else { return nil }
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLockedValue { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    func signal() {
        let subscribers = self.state.withLockedValue { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield() }
    }

    func finish() {
        let subscribers: [AsyncStream<Void>.Continuation] = self.state.withLockedValue { state in
            state.finished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
