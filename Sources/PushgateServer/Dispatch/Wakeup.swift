import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A level-triggered wake-up for one waiter: `signal` before `wait` is remembered, several
/// signals coalesce, and `wait` gives up after a timeout. Used to wake the dispatcher when
/// work arrives instead of polling.
///
/// The timeout is a task scheduled on an event loop, not a sleeping `Task`: the dispatcher
/// parks here once per hand-off burst, thousands of times a second under load, and a `Task`
/// per wait cost 5% of the gateway's CPU.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        /// Which wait the waiter belongs to, so that a late timer never ends a later wait.
        var generation = 0
    }

    private let state = NIOLockedValueBox(State())
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()) {
        self.eventLoop = eventLoop
    }

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
        var timer: Scheduled<Void>?
        await withCheckedContinuation { continuation in
            let generation: Int? = self.state.withLockedValue { state in
                if state.pending {
                    state.pending = false
                    return nil
                }
                state.generation += 1
                state.waiter = continuation
                return state.generation
            }
            guard let generation else {
                continuation.resume()
                return
            }
            timer = self.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                let expired = self.state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                    guard state.generation == generation, let waiter = state.waiter else { return nil }
                    state.waiter = nil
                    return waiter
                }
                expired?.resume()
            }
        }
        timer?.cancel()
    }
}
