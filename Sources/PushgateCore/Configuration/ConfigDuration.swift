/// A duration in a configuration file, written as `DurationText` reads it (`500ms`, `10s`,
/// `5m`, `2h`, `7d`).
package struct ConfigDuration: Sendable, Decodable, Hashable, CustomStringConvertible {
    package var duration: Duration

    package init(_ duration: Duration) { self.duration = duration }

    package init(seconds: Double) { self.duration = .milliseconds(Int64((seconds * 1000).rounded())) }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = DurationText.parse(text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "\"\(text)\" is not a duration: \(DurationText.hint)"))
        }
        self.duration = parsed
    }

    /// The duration in seconds, for checks and messages.
    package var seconds: Double {
        let (seconds, attoseconds) = self.duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    package var description: String { DurationText.format(self.duration) }
}
