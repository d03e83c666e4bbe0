import Foundation

/// Wall-clock time, injected: the store's leases, the API's acceptance times and the
/// dispatcher's retry times all read one clock, so tests can move it and several gateway
/// instances agree on what "now" means only through the values they store.
package struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    package init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    /// The current time.
    package func now() -> Date { self.read() }

    /// The system's clock.
    package static let system = WallClock { Date() }
}
