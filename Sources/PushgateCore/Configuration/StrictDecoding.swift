/// Helpers that make configuration decoding strict (unknown keys are errors) and collect every
/// such problem, shared by the gateway's and the proxy's configuration files.
///
/// A `ProblemCollector` in the decoder's `userInfo` gathers problems so one run reports all of
/// them; without one the first problem is thrown as a `DecodingError`.
package enum StrictDecoding {
    // A constant, valid key: the force unwrap cannot fail.
    package static let collectorKey = CodingUserInfoKey(rawValue: "pushgate.configuration.problems")!

    /// Gathers problems during one decode.
    // @unchecked: used from one thread only, by the synchronous decoder whose userInfo holds it.
    package final class ProblemCollector: @unchecked Sendable {
        package var problems: [ConfigurationProblem] = []
        package init() {}
    }

    /// Any key, so a keyed container can list what the document really holds.
    package struct AnyKey: CodingKey, Hashable {
        package var stringValue: String
        package var intValue: Int?
        package init(_ stringValue: String) { self.stringValue = stringValue }
        package init(stringValue: String) { self.stringValue = stringValue }
        package init?(intValue: Int) {
            self.stringValue = "\(intValue)"
            self.intValue = intValue
        }
    }

    /// Reports (or throws for) every key of the mapping at `decoder` that `Keys` does not know.
    package static func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ decoder: any Decoder, known: Keys.Type)
        throws
    {
        try self.rejectUnknownKeys(decoder, known: Set(Keys.allCases.map(\.stringValue)))
    }

    /// Reports (or throws for) every key of the mapping at `decoder` not in `known`.
    package static func rejectUnknownKeys(_ decoder: any Decoder, known: Set<String>) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let unknown = container.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        for key in unknown {
            try self.report(
                path: self.path(decoder.codingPath + [AnyKey(key)]), message: "unknown key", decoder: decoder)
        }
    }

    /// Records a problem when collecting, otherwise throws it.
    package static func report(path: String, message: String, decoder: any Decoder) throws {
        if let collector = decoder.userInfo[self.collectorKey] as? ProblemCollector {
            collector.problems.append(.init(path: path, message: message))
        } else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "\(path): \(message)"))
        }
    }

    /// `listeners[0].tls.certificate_file`.
    package static func path(_ codingPath: [any CodingKey]) -> String {
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

    /// A decoding error as a problem with its path.
    package static func problem(_ error: DecodingError) -> ConfigurationProblem {
        switch error {
        case .keyNotFound(let key, let context):
            return .init(path: self.path(context.codingPath + [key]), message: "required")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return .init(path: self.path(context.codingPath), message: "expected \(self.describe(type))")
        case .dataCorrupted(let context):
            return .init(path: self.path(context.codingPath), message: context.debugDescription)
        @unknown default:
            return .init(path: "", message: "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "a list"
        default: "a mapping"
        }
    }
}

extension KeyedDecodingContainer {
    /// A duration written like `10s`; a malformed one is reported and `fallback` used, so decoding goes on.
    package func decodeDuration(_ key: Key, default fallback: Duration, decoder: any Decoder) throws -> Duration {
        guard let text = try self.decodeIfPresent(String.self, forKey: key) else { return fallback }
        if let duration = DurationText.parse(text) { return duration }
        try StrictDecoding.report(
            path: StrictDecoding.path(self.codingPath + [key]),
            message: "\"\(text)\" is not a duration: \(DurationText.hint)",
            decoder: decoder
        )
        return fallback
    }
}
