/// Helpers that make configuration decoding strict (unknown keys are errors) and collect every such problem.
///
/// A `ProblemCollector` in the decoder's `userInfo` gathers problems so one run reports all of them; without one the
/// first problem is thrown as a `DecodingError`.
enum StrictDecoding {
    static let collectorKey = CodingUserInfoKey(rawValue: "pushgate.proxy.problems")!  // a constant, valid key

    /// Gathers problems during one decode. Used from one thread only, by the synchronous decoder that owns it.
    final class ProblemCollector {
        var problems: [ProxyConfigurationError.Problem] = []
    }

    /// Any key, so a keyed container can list what the document really holds.
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) {
            self.stringValue = "\(intValue)"
            self.intValue = intValue
        }
    }

    /// Reports (or throws for) every key of the mapping at `decoder` that `Keys` does not know.
    static func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ decoder: any Decoder, known: Keys.Type) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let knownNames = Set(Keys.allCases.map(\.stringValue))
        let unknown = container.allKeys.map(\.stringValue).filter { !knownNames.contains($0) }.sorted()
        for key in unknown {
            try self.report(
                path: self.path(decoder.codingPath + [AnyKey(stringValue: key)]),
                message: "unknown key (known: \(knownNames.sorted().joined(separator: ", ")))",
                decoder: decoder
            )
        }
    }

    /// Records a problem when collecting, otherwise throws it.
    static func report(path: String, message: String, decoder: any Decoder) throws {
        if let collector = decoder.userInfo[self.collectorKey] as? ProblemCollector {
            collector.problems.append(.init(path: path, message: message))
        } else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "\(path): \(message)"))
        }
    }

    /// `listeners[0].tls.certificate_file`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }
}

extension KeyedDecodingContainer {
    /// A duration written like `10s`; a malformed one is reported and `fallback` used, so decoding goes on.
    func decodeDuration(_ key: Key, default fallback: Duration, decoder: any Decoder) throws -> Duration {
        guard let text = try self.decodeIfPresent(String.self, forKey: key) else { return fallback }
        if let duration = DurationText.parse(text) { return duration }
        try StrictDecoding.report(
            path: StrictDecoding.path(self.codingPath + [key]),
            message: "\"\(text)\" is not a duration: write a number and a unit, like 500ms, 10s, 5m or 1h",
            decoder: decoder
        )
        return fallback
    }
}
