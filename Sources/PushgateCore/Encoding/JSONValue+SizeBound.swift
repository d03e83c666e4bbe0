extension JSONValue {
    /// The most bytes `JSONWriter` can write for this value, counted without writing it; nil
    /// for a value it cannot write (a non-finite number). Adapters use it to settle a payload
    /// limit without encoding a payload that is far below it.
    package var encodedSizeBound: Int? {
        switch self {
        case .null, .bool: return 5
        case .integer: return Self.integerSizeBound
        case .number(let number): return number.isFinite ? Self.numberSizeBound : nil
        case .string(let text): return Self.encodedSizeBound(of: text)
        case .array(let elements):
            var total = 2
            for element in elements {
                guard let size = element.encodedSizeBound else { return nil }
                total += size + 1
            }
            return total
        case .object(let members):
            var total = 2
            for (key, value) in members {
                guard let size = value.encodedSizeBound else { return nil }
                total += Self.encodedSizeBound(of: key) + size + 2
            }
            return total
        }
    }

    /// A quoted string: every byte escaped at worst as `\u00XX` (6 bytes).
    package static func encodedSizeBound(of text: String) -> Int {
        2 + 6 * text.utf8.count
    }

    /// `Int.min` is 20 characters.
    package static let integerSizeBound = 20
    /// A finite `Double` as Swift prints it, e.g. `-2.2250738585072014e-308`, is at most 24.
    package static let numberSizeBound = 32
}
