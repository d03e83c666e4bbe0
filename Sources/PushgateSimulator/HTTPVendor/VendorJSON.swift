/// Any JSON value, keeping what vendor validation needs to tell apart: booleans from numbers, integers from fractions.
///
/// Parsed and written by hand (RFC 8259), which is several times faster than `JSONDecoder` into a recursive enum; the
/// simulators parse every request body.
package enum VendorJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number without fraction or exponent that fits in 64 bits.
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([VendorJSON])
    case object([String: VendorJSON])

    /// Parses `bytes` as one JSON text; nil when it is not JSON (or nests deeper than 64 levels).
    package static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> VendorJSON? {
        if let parsed = bytes.withContiguousStorageIfAvailable({ VendorJSONParser.parse($0) }) {
            return parsed
        }
        return Array(bytes).withUnsafeBufferPointer { VendorJSONParser.parse($0) }
    }

    /// Compact JSON text (no spaces, `/` unescaped, object members in no particular order).
    package var compactText: String {
        var text = ""
        self.write(to: &text)
        return text
    }

    private func write(to text: inout String) {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .integer(let value): text += String(value)
        case .number(let value): text += value.isFinite ? "\(value)" : "null"
        case .string(let value): text += JSONText.quoted(value)
        case .array(let values):
            text += "["
            for (index, value) in values.enumerated() {
                if index > 0 { text += "," }
                value.write(to: &text)
            }
            text += "]"
        case .object(let members):
            text += "{"
            var first = true
            for (key, value) in members {
                if !first { text += "," }
                first = false
                text += JSONText.quoted(key)
                text += ":"
                value.write(to: &text)
            }
            text += "}"
        }
    }

    package subscript(key: String) -> VendorJSON? {
        if case .object(let object) = self { object[key] } else { nil }
    }

    package var objectValue: [String: VendorJSON]? {
        if case .object(let value) = self { value } else { nil }
    }

    package var arrayValue: [VendorJSON]? {
        if case .array(let value) = self { value } else { nil }
    }

    package var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    package var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The value of an integer, or of a number with no fraction that fits (`1.0`, `1e2`).
    package var integerValue: Int64? {
        switch self {
        case .integer(let value): value
        case .number(let value) where value.rounded() == value && abs(value) < 9.2e18: Int64(value)
        default: nil
        }
    }
}

/// A recursive-descent parser over contiguous bytes.
private struct VendorJSONParser {
    private static let maximumDepth = 64

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> VendorJSON? {
        var parser = VendorJSONParser(bytes: bytes)
        guard let value = parser.parseValue() else { return nil }
        parser.skipWhitespace()
        return parser.index == bytes.count ? value : nil
    }

    private var current: UInt8? {
        self.index < self.bytes.count ? self.bytes[self.index] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = self.current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            self.index += 1
        }
    }

    private mutating func parseValue() -> VendorJSON? {
        self.skipWhitespace()
        guard let byte = self.current else { return nil }
        switch byte {
        case UInt8(ascii: "{"): return self.parseObject()
        case UInt8(ascii: "["): return self.parseArray()
        case UInt8(ascii: "\""): return self.parseString().map { .string($0) }
        case UInt8(ascii: "t"): return self.parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return self.parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return self.parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return self.parseNumber()
        default: return nil
        }
    }

    private mutating func parseLiteral(_ literal: StaticString, _ value: VendorJSON) -> VendorJSON? {
        let count = literal.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { return nil }
        for offset in 0..<count where self.bytes[self.index + offset] != literal.utf8Start[offset] {
            return nil
        }
        self.index += count
        return value
    }

    private mutating func parseObject() -> VendorJSON? {
        guard self.enter() else { return nil }
        defer { self.depth -= 1 }
        self.index += 1  // {
        var members: [String: VendorJSON] = [:]
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.current == UInt8(ascii: "\""), let key = self.parseString() else { return nil }
            self.skipWhitespace()
            guard self.current == UInt8(ascii: ":") else { return nil }
            self.index += 1
            guard let value = self.parseValue() else { return nil }
            members[key] = value
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ",")?: self.index += 1
            case UInt8(ascii: "}")?:
                self.index += 1
                return .object(members)
            default: return nil
            }
        }
    }

    private mutating func parseArray() -> VendorJSON? {
        guard self.enter() else { return nil }
        defer { self.depth -= 1 }
        self.index += 1  // [
        var elements: [VendorJSON] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            guard let value = self.parseValue() else { return nil }
            elements.append(value)
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ",")?: self.index += 1
            case UInt8(ascii: "]")?:
                self.index += 1
                return .array(elements)
            default: return nil
            }
        }
    }

    private mutating func enter() -> Bool {
        self.depth += 1
        if self.depth > Self.maximumDepth {
            self.depth -= 1
            return false
        }
        return true
    }

    /// At the opening quote; returns the unescaped string and moves past the closing quote.
    private mutating func parseString() -> String? {
        self.index += 1
        let start = self.index
        // Fast path: no escapes.
        while let byte = self.current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { return nil }
            self.index += 1
        }
        guard let stop = self.current else { return nil }
        var utf8 = Array(UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]))
        if stop == UInt8(ascii: "\"") {
            self.index += 1
            return String(decoding: utf8, as: UTF8.self)
        }
        while let byte = self.current {
            self.index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = self.current else { return nil }
                self.index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = self.parseUnicodeEscape() else { return nil }
                    utf8.append(contentsOf: String(Character(scalar)).utf8)
                default: return nil
                }
            case 0..<0x20:
                return nil
            default:
                utf8.append(byte)
            }
        }
        return nil
    }

    /// After `\u`: four hex digits, and a low surrogate escape after a high one; lone surrogates become U+FFFD.
    private mutating func parseUnicodeEscape() -> Unicode.Scalar? {
        guard let unit = self.parseHex4() else { return nil }
        if (0xD800..<0xDC00).contains(unit) {
            let save = self.index
            if self.current == UInt8(ascii: "\\"), self.index + 1 < self.bytes.count,
                self.bytes[self.index + 1] == UInt8(ascii: "u")
            {
                self.index += 2
                if let low = self.parseHex4(), (0xDC00..<0xE000).contains(low) {
                    return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                }
            }
            self.index = save
            return "\u{FFFD}"
        }
        return Unicode.Scalar(unit) ?? "\u{FFFD}"
    }

    private mutating func parseHex4() -> UInt32? {
        guard self.index + 4 <= self.bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            self.index += 1
        }
        return value
    }

    private mutating func parseNumber() -> VendorJSON? {
        let start = self.index
        if self.current == UInt8(ascii: "-") { self.index += 1 }
        guard let first = self.current, Self.isDigit(first) else { return nil }
        if first == UInt8(ascii: "0") {
            self.index += 1
        } else {
            self.skipDigits()
        }
        var isInteger = true
        if self.current == UInt8(ascii: ".") {
            isInteger = false
            self.index += 1
            guard let digit = self.current, Self.isDigit(digit) else { return nil }
            self.skipDigits()
        }
        if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            isInteger = false
            self.index += 1
            if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.index += 1 }
            guard let digit = self.current, Self.isDigit(digit) else { return nil }
            self.skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        if isInteger, let value = Int64(text) {
            return .integer(value)
        }
        return Double(text).map { .number($0) }
    }

    private mutating func skipDigits() {
        while let byte = self.current, Self.isDigit(byte) { self.index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
