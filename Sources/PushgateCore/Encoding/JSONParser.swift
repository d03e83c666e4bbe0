/// A strict RFC 8259 parser from request (or vendor answer) bytes to `JSONValue`.
///
/// Why not `JSONDecoder`: the API must tell malformed JSON (400) from well-formed JSON with the
/// wrong shape (422, naming the field), reject duplicate object keys (two `token`s would be
/// ambiguous), and bound nesting depth; and decoding `JSONValue` through `Codable` costs a
/// thrown error per attempted type for every string in the body, on the hottest route.
package struct JSONParser {
    /// Why the bytes are not one JSON value, with the byte offset where parsing stopped.
    package struct SyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
        package var message: String
        package var offset: Int
        package var description: String { "\(self.message) at byte \(self.offset)" }
    }

    /// Objects and arrays nested deeper than this are refused: the parser recurses, and no
    /// notification needs more.
    package static let maxDepth = 64

    private let bytes: [UInt8]
    private var index = 0

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses exactly one JSON value (surrounding whitespace allowed).
    package static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        // A UTF-8 byte order mark is not JSON (RFC 8259 §8.1) but some clients send one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected content after the JSON value") }
        return value
    }

    private func error(_ message: String) -> SyntaxError {
        SyntaxError(message: message, offset: self.index)
    }

    private mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(SyntaxError) -> JSONValue {
        guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"): return try self.parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try self.parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"):
            try self.expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.parseNumber()
        default: throw self.error("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(SyntaxError) {
        let count = literal.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { throw self.error("unexpected end of input") }
        let matches = literal.withUTF8Buffer { expected in
            expected.elementsEqual(self.bytes[self.index..<(self.index + count)])
        }
        guard matches else { throw self.error("invalid literal") }
        self.index += count
    }

    private mutating func parseObject(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw self.error("nested too deeply") }
        self.index += 1  // {
        var members: [String: JSONValue] = [:]
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else {
                throw self.error("expected an object key")
            }
            let keyOffset = self.index
            let key = try self.parseString()
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else {
                throw self.error("expected ':' after an object key")
            }
            self.index += 1
            self.skipWhitespace()
            let value = try self.parseValue(depth: depth)
            guard members.updateValue(value, forKey: key) == nil else {
                throw SyntaxError(message: "duplicate object key \"\(Self.truncated(key))\"", offset: keyOffset)
            }
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            default: throw self.error("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw self.error("nested too deeply") }
        self.index += 1  // [
        var elements: [JSONValue] = []
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            self.skipWhitespace()
            elements.append(try self.parseValue(depth: depth))
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(elements)
            default: throw self.error("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func parseString() throws(SyntaxError) -> String {
        self.index += 1  // opening quote
        let start = self.index
        // Fast path: no escapes, so the bytes between the quotes are the string.
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                let text = try self.validatedUTF8(self.bytes[start..<self.index], at: start)
                self.index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw self.error("control character in a string") }
            self.index += 1
        }
        var scalars = Array(self.bytes[start..<self.index])
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                let text = try self.validatedUTF8(scalars[...], at: start)
                self.index += 1
                return text
            case UInt8(ascii: "\\"):
                self.index += 1
                guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
                let escaped = self.bytes[self.index]
                self.index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"): scalars.append(contentsOf: try self.parseUnicodeEscape())
                default: throw self.error("invalid escape sequence")
                }
            default:
                guard byte >= 0x20 else { throw self.error("control character in a string") }
                scalars.append(byte)
                self.index += 1
            }
        }
        throw self.error("unterminated string")
    }

    /// `\uXXXX` (the `\u` already consumed), joining a surrogate pair; returns UTF-8 bytes.
    private mutating func parseUnicodeEscape() throws(SyntaxError) -> [UInt8] {
        let high = try self.parseHex4()
        var value = UInt32(high)
        if (0xD800...0xDBFF).contains(high) {
            guard self.index + 1 < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                self.bytes[self.index + 1] == UInt8(ascii: "u")
            else { throw self.error("unpaired surrogate in a \\u escape") }
            self.index += 2
            let low = try self.parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw self.error("unpaired surrogate in a \\u escape") }
            value = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(high) {
            throw self.error("unpaired surrogate in a \\u escape")
        }
        guard let scalar = Unicode.Scalar(value) else { throw self.error("invalid \\u escape") }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func parseHex4() throws(SyntaxError) -> UInt16 {
        guard self.index + 4 <= self.bytes.count else { throw self.error("unexpected end of input") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x61...0x66: digit = byte - 0x61 + 10
            case 0x41...0x46: digit = byte - 0x41 + 10
            default: throw self.error("invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            self.index += 1
        }
        return value
    }

    /// The bytes as a String, refusing invalid UTF-8 rather than silently replacing it.
    private func validatedUTF8(_ slice: ArraySlice<UInt8>, at offset: Int) throws(SyntaxError) -> String {
        let text = String(decoding: slice, as: UTF8.self)
        // Decoding replaces each invalid sequence with U+FFFD, so the bytes round-trip
        // unchanged exactly when the input was valid UTF-8.
        guard text.utf8.elementsEqual(slice) else {
            throw SyntaxError(message: "invalid UTF-8 in a string", offset: offset)
        }
        return text
    }

    private mutating func parseNumber() throws(SyntaxError) -> JSONValue {
        let start = self.index
        var isInteger = true
        if self.bytes[self.index] == UInt8(ascii: "-") { self.index += 1 }
        // int = zero / ( digit1-9 *DIGIT )
        guard self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) else {
            throw self.error("invalid number")
        }
        if self.bytes[self.index] == UInt8(ascii: "0") {
            self.index += 1
        } else {
            while self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) { self.index += 1 }
        }
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ".") {
            isInteger = false
            self.index += 1
            guard self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) else {
                throw self.error("invalid number")
            }
            while self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) { self.index += 1 }
        }
        if self.index < self.bytes.count, self.bytes[self.index] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            self.index += 1
            if self.index < self.bytes.count,
                self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-")
            {
                self.index += 1
            }
            guard self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) else {
                throw self.error("invalid number")
            }
            while self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) { self.index += 1 }
        }
        let text = String(decoding: self.bytes[start..<self.index], as: UTF8.self)
        if isInteger, let integer = Int(text) { return .integer(integer) }
        guard let number = Double(text), number.isFinite else {
            throw SyntaxError(message: "number out of range", offset: start)
        }
        return .number(number)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func truncated(_ text: String) -> String {
        text.count > 40 ? String(text.prefix(40)) + "…" : text
    }
}
