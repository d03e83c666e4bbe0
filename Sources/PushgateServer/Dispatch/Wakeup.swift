import NIOConcurrencyHelpers

/// A level-triggered wake-up for one waiter: `signal` before `wait` is remembered, several
/// signals coalesce, and `wait` gives up after a timeout. Used to wake the dispatcher when
/// work arrives instead of polling.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())

    func signal() {
        let waiter = self.state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the next signal (or at once if one is pending), or after `timeout`.
    func wait(timeout: Duration) async {
        if self.state.withLockedValue({ state in
            defer { state.pending = false }
            return state.pending
        }) {
            return
        }
        let timer = Task { [self] in
            try? await Task.sleep(for: timeout)
            self.signal()
        }
        await withCheckedContinuation { continuation in
            let resumeNow = self.state.withLockedValue { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }
}
