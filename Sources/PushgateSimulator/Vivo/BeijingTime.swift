import Foundation

/// Asia/Shanghai wall-clock arithmetic (UTC+8 all year, no daylight saving) for the operation window and quota days.
enum BeijingTime {
    private static let offsetSeconds: Int64 = 8 * 3600
    private static let secondsPerDay: Int64 = 86400

    /// Seconds since 00:00 Beijing time, 0..<86400.
    static func secondOfDay(_ date: Date) -> Int64 {
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + self.offsetSeconds
        return ((local % self.secondsPerDay) + self.secondsPerDay) % self.secondsPerDay
    }

    /// The Beijing calendar day as days since 1970-01-01 (Beijing).
    static func day(_ date: Date) -> Int64 {
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + self.offsetSeconds
        return local >= 0 ? local / self.secondsPerDay : (local - self.secondsPerDay + 1) / self.secondsPerDay
    }

    /// Whether operation messages may be sent at `date`: from 07:00 (included) to 23:00 (excluded) Beijing time.
    static func isWithinOperationWindow(_ date: Date) -> Bool {
        (7 * 3600..<23 * 3600).contains(self.secondOfDay(date))
    }
}
