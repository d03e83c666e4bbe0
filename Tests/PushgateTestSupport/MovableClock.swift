import Foundation
import NIOConcurrencyHelpers
import PushgateCore

/// A wall clock that tests move by hand: what "now" is for the code under test.
package final class MovableClock: Sendable {
    private let current: NIOLockedValueBox<Date>

    package init(_ start: Date = Date()) {
        self.current = NIOLockedValueBox(start)
    }

    package var now: Date { self.current.withLockedValue { $0 } }

    package func advance(by seconds: TimeInterval) {
        self.current.withLockedValue { $0.addTimeInterval(seconds) }
    }

    /// The clock to inject.
    package var wallClock: WallClock {
        WallClock { self.now }
    }
}
