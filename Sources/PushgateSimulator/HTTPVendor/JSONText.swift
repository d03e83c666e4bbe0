import Foundation

/// Small helpers for writing JSON answers by hand, which is faster than `JSONEncoder` on hot paths.
package enum JSONText {
    /// `value` as a JSON string literal, quotes included.
    package static func quoted(_ value: String) -> String {
        var text = "\""
        text.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
        return text
    }

    /// An array of strings as JSON text.
    package static func array(_ values: [String]) -> String {
        "[" + values.map(self.quoted).joined(separator: ",") + "]"
    }

    /// `value` encoded compactly with sorted keys; `{}` if it cannot be encoded.
    ///
    /// No key strategy: types choose their wire names with `CodingKeys`, and dictionary keys (device tokens, codes)
    /// stay as they are.
    package static func encode<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
