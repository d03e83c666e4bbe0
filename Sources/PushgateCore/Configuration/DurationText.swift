/// Durations as every Pushgate configuration file writes them: a number and a unit,
/// `500ms`, `10s`, `1.5s`, `5m`, `2h`, `7d`. The one parser for the gateway and the proxy.
package enum DurationText {
    /// nil when `text` is not a decimal number followed by `ms`, `s`, `m`, `h` or `d`.
    package static func parse(_ text: String) -> Duration? {
        let units: [(suffix: String, nanoseconds: Double)] = [
            ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86_400e9),
        ]
        // "ms" must be tried before "m" and "s".
        for unit in units where text.hasSuffix(unit.suffix) {
            let number = text.dropLast(unit.suffix.count)
            guard Self.isDecimal(number), let value = Double(number) else { return nil }
            let nanoseconds = value * unit.nanoseconds
            // Beyond about 290 years Int64 nanoseconds overflow; nobody means that.
            guard nanoseconds.isFinite, nanoseconds < 9e18 else { return nil }
            return .nanoseconds(Int64(nanoseconds.rounded()))
        }
        return nil
    }

    /// The shortest exact spelling (`10s`, `500ms`), for messages and round trips.
    package static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 86_400_000 == 0, milliseconds > 0 { return "\(milliseconds / 86_400_000)d" }
        if milliseconds % 3_600_000 == 0, milliseconds > 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60000 == 0, milliseconds > 0 { return "\(milliseconds / 60000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }

    /// What a message says a duration should look like.
    package static let hint = "write a number and a unit, like 500ms, 10s, 5m, 2h or 7d"

    // Digits with an optional fraction: rejects "", "+1", "1e3", " 1", "inf" that Double(_:) would take.
    private static func isDecimal(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { return false }
        return parts.allSatisfy { part in !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}
