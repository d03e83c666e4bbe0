import Foundation

/// vivo accepts operation messages (classification 0) only 07:00–23:00 Beijing time (UTC+8):
/// outside it the lane waits for the next opening instead of sending and failing.
enum VivoOperationWindow {
    static let opens = 7 * 3600
    static let closes = 23 * 3600

    /// Nil when `now` is inside the window; otherwise when it opens next.
    static func nextOpening(after now: Date) -> Date? {
        let beijing = now.timeIntervalSince1970 + 8 * 3600
        let day = (beijing / 86400).rounded(.down) * 86400
        let secondOfDay = Int(beijing - day)
        if secondOfDay >= Self.opens && secondOfDay < Self.closes { return nil }
        let opening = day + Double(Self.opens) + (secondOfDay >= Self.closes ? 86400 : 0)
        return Date(timeIntervalSince1970: opening - 8 * 3600)
    }
}
