import Foundation

extension Duration {
    /// Seconds as a `TimeInterval`, where Foundation's dates need one.
    package var timeInterval: TimeInterval {
        let (seconds, attoseconds) = self.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

extension Date {
    /// The date `duration` later.
    package static func + (date: Date, duration: Duration) -> Date {
        date.addingTimeInterval(duration.timeInterval)
    }

    /// The date `duration` earlier.
    package static func - (date: Date, duration: Duration) -> Date {
        date.addingTimeInterval(-duration.timeInterval)
    }
}
