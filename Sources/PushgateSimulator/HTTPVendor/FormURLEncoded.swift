/// `application/x-www-form-urlencoded` decoding, as HTML and the WHATWG URL standard define it: fields split on `&`,
/// name and value on the first `=`, `+` is a space, `%XX` a byte; malformed `%` sequences are kept literally.
package enum FormURLEncoded {
    /// The fields of `bytes`; when a name repeats, the first value wins.
    package static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in self.decodePairs(bytes) where fields[pair.name] == nil {
            fields[pair.name] = pair.value
        }
        return fields
    }

    /// Every field in order, repeats included; empty pieces (`a=1&&b=2`) are skipped.
    package static func decodePairs<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for piece in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = piece.firstIndex(of: UInt8(ascii: "=")) {
                pairs.append(
                    (self.decodeComponent(piece[..<equals]), self.decodeComponent(piece[piece.index(after: equals)...]))
                )
            } else {
                pairs.append((self.decodeComponent(piece), ""))
            }
        }
        return pairs
    }

    /// One name or value: `+` → space, `%XX` → byte, then UTF-8 (invalid sequences replaced).
    package static func decodeComponent<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                decoded.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                let first = bytes.index(index, offsetBy: 1, limitedBy: bytes.endIndex), first != bytes.endIndex,
                let second = bytes.index(first, offsetBy: 1, limitedBy: bytes.endIndex), second != bytes.endIndex,
                let high = self.hexValue(bytes[first]), let low = self.hexValue(bytes[second])
            {
                decoded.append(high << 4 | low)
                index = second
            } else {
                decoded.append(byte)
            }
            index = bytes.index(after: index)
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Form-encodes `value` (unreserved bytes kept, space → `+`, everything else `%XX`); for tests and clients.
    package static func encodeComponent(_ value: String) -> String {
        var encoded = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "*"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                encoded.append("+")
            default:
                let digits = Array("0123456789ABCDEF".utf8)
                encoded.append("%")
                encoded.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
                encoded.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0x0F)]))
            }
        }
        return encoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
