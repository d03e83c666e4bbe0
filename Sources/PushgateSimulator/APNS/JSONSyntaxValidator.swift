/// A strict RFC 8259 syntax check for notification payloads, without building any values.
///
/// The simulator must reject bodies that are not JSON objects at tens of thousands of requests a second; one pass over
/// the bytes costs far less than `JSONSerialization`, and the only fact needed from the content is whether a top-level
/// `aps` member is an object.
enum JSONSyntaxValidator {
    enum PayloadShape: Equatable, Sendable {
        /// Not JSON, or JSON whose top level is not an object.
        case invalid
        /// A JSON object; `apsIsObject` is nil when there is no top-level `aps` member.
        case object(apsIsObject: Bool?)
    }

    /// Nesting deeper than this is rejected, to bound the recursion.
    static let maximumDepth = 64

    static func inspectPayload(_ bytes: UnsafeRawBufferPointer) -> PayloadShape {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        guard parser.peek() == UInt8(ascii: "{") else { return .invalid }
        guard parser.parseObject(depth: 1, isTopLevel: true) else { return .invalid }
        parser.skipWhitespace()
        guard parser.isAtEnd else { return .invalid }
        return .object(apsIsObject: parser.apsIsObject)
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        var index = 0
        var apsIsObject: Bool?

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        var isAtEnd: Bool { self.index >= self.bytes.count }

        @inline(__always)
        func peek() -> UInt8? {
            self.index < self.bytes.count ? self.bytes[self.index] : nil
        }

        @inline(__always)
        mutating func skipWhitespace() {
            while let byte = self.peek(),
                byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
            {
                self.index += 1
            }
        }

        mutating func parseValue(depth: Int) -> Bool {
            guard let byte = self.peek() else { return false }
            switch byte {
            case UInt8(ascii: "{"): return self.parseObject(depth: depth + 1, isTopLevel: false)
            case UInt8(ascii: "["): return self.parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return self.parseString()
            case UInt8(ascii: "t"): return self.parseLiteral("true")
            case UInt8(ascii: "f"): return self.parseLiteral("false")
            case UInt8(ascii: "n"): return self.parseLiteral("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return self.parseNumber()
            default: return false
            }
        }

        mutating func parseObject(depth: Int, isTopLevel: Bool) -> Bool {
            guard depth <= JSONSyntaxValidator.maximumDepth else { return false }
            self.index += 1  // {
            self.skipWhitespace()
            if self.peek() == UInt8(ascii: "}") {
                self.index += 1
                return true
            }
            while true {
                guard self.peek() == UInt8(ascii: "\"") else { return false }
                let keyStart = self.index + 1
                guard self.parseString() else { return false }
                // Compared raw: an escaped spelling of "aps" is not worth decoding here.
                let isAPS =
                    isTopLevel && self.index - 1 - keyStart == 3 && self.bytes[keyStart] == UInt8(ascii: "a")
                    && self.bytes[keyStart + 1] == UInt8(ascii: "p") && self.bytes[keyStart + 2] == UInt8(ascii: "s")
                self.skipWhitespace()
                guard self.peek() == UInt8(ascii: ":") else { return false }
                self.index += 1
                self.skipWhitespace()
                if isAPS {
                    self.apsIsObject = self.peek() == UInt8(ascii: "{")
                }
                guard self.parseValue(depth: depth) else { return false }
                self.skipWhitespace()
                switch self.peek() {
                case UInt8(ascii: ","):
                    self.index += 1
                    self.skipWhitespace()
                case UInt8(ascii: "}"):
                    self.index += 1
                    return true
                default:
                    return false
                }
            }
        }

        mutating func parseArray(depth: Int) -> Bool {
            guard depth <= JSONSyntaxValidator.maximumDepth else { return false }
            self.index += 1  // [
            self.skipWhitespace()
            if self.peek() == UInt8(ascii: "]") {
                self.index += 1
                return true
            }
            while true {
                guard self.parseValue(depth: depth) else { return false }
                self.skipWhitespace()
                switch self.peek() {
                case UInt8(ascii: ","):
                    self.index += 1
                    self.skipWhitespace()
                case UInt8(ascii: "]"):
                    self.index += 1
                    return true
                default:
                    return false
                }
            }
        }

        /// A string with valid escapes, no raw control characters, and well-formed UTF-8.
        mutating func parseString() -> Bool {
            self.index += 1  // opening quote
            while let byte = self.peek() {
                switch byte {
                case UInt8(ascii: "\""):
                    self.index += 1
                    return true
                case UInt8(ascii: "\\"):
                    self.index += 1
                    guard let escaped = self.peek() else { return false }
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        self.index += 1
                    case UInt8(ascii: "u"):
                        guard self.index + 4 < self.bytes.count else { return false }
                        for offset in 1...4 where hexValue(self.bytes[self.index + offset]) == nil {
                            return false
                        }
                        self.index += 5
                    default:
                        return false
                    }
                case 0x00..<0x20:
                    return false
                case 0x20..<0x80:
                    self.index += 1
                default:
                    guard self.skipUTF8Scalar(lead: byte) else { return false }
                }
            }
            return false
        }

        /// Skips one multi-byte UTF-8 scalar, rejecting bad lead or continuation bytes, overlong forms and surrogates.
        mutating func skipUTF8Scalar(lead: UInt8) -> Bool {
            let length: Int
            var lowest: UInt8 = 0x80
            var highest: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                lowest = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                highest = 0x9F
            case 0xF0:
                length = 4
                lowest = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                highest = 0x8F
            default: return false
            }
            guard self.index + length <= self.bytes.count else { return false }
            let second = self.bytes[self.index + 1]
            guard second >= lowest, second <= highest else { return false }
            for offset in 2..<length where self.bytes[self.index + offset] & 0xC0 != 0x80 {
                return false
            }
            self.index += length
            return true
        }

        mutating func parseLiteral(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard self.index + count <= self.bytes.count else { return false }
            let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: count)
            for offset in 0..<count where self.bytes[self.index + offset] != expected[offset] {
                return false
            }
            self.index += count
            return true
        }

        mutating func parseNumber() -> Bool {
            if self.peek() == UInt8(ascii: "-") { self.index += 1 }
            guard let first = self.peek(), Self.isDigit(first) else { return false }
            self.index += 1
            if first != UInt8(ascii: "0") {
                self.skipDigits()
            }
            if self.peek() == UInt8(ascii: ".") {
                self.index += 1
                guard let digit = self.peek(), Self.isDigit(digit) else { return false }
                self.skipDigits()
            }
            if let exponent = self.peek(), exponent == UInt8(ascii: "e") || exponent == UInt8(ascii: "E") {
                self.index += 1
                if let sign = self.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                    self.index += 1
                }
                guard let digit = self.peek(), Self.isDigit(digit) else { return false }
                self.skipDigits()
            }
            return true
        }

        @inline(__always)
        mutating func skipDigits() {
            while let byte = self.peek(), Self.isDigit(byte) {
                self.index += 1
            }
        }

        @inline(__always)
        static func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }
    }
}
