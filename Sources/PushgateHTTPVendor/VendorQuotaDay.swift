import Foundation

/// Chinese vendors count daily quotas in Beijing time: a quota spent today is back at the next
/// 00:00 Asia/Shanghai (UTC+8 all year, no daylight saving).
package enum VendorQuotaDay {
    package static func nextReset(after now: Date) -> Date {
        let offset: TimeInterval = 8 * 3600
        let day: TimeInterval = 86400
        let local = now.timeIntervalSince1970 + offset
        let nextMidnightLocal = (local / day).rounded(.down) * day + day
        return Date(timeIntervalSince1970: nextMidnightLocal - offset)
    }
}
