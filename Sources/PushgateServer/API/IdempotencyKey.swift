import Crypto

/// The `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header).
struct IdempotencyKey: Sendable, Hashable {
    var value: String

    static let maxLength = 255

    /// The key from the header's value. The draft defines it as a Structured Field string
    /// (`"…"`); many clients send the bare value, so both are accepted and mean the same key.
    /// Nil (→ 400) unless it is 1–255 printable ASCII characters.
    init?(header: String) {
        var text = Substring(header.trimmingSpaces())
        if text.first == "\"" {
            // A leading quote starts a Structured Field string, which must be closed.
            guard text.count >= 2, text.last == "\"" else { return nil }
            text = text.dropFirst().dropLast()
            // sf-string escapes: only \" and \\ exist.
            var unescaped = ""
            var escaping = false
            for character in text {
                if escaping {
                    guard character == "\"" || character == "\\" else { return nil }
                    unescaped.append(character)
                    escaping = false
                } else if character == "\\" {
                    escaping = true
                } else if character == "\"" {
                    return nil
                } else {
                    unescaped.append(character)
                }
            }
            guard !escaping else { return nil }
            text = Substring(unescaped)
        }
        guard !text.isEmpty, text.utf8.count <= Self.maxLength,
            text.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E })
        else { return nil }
        self.value = String(text)
    }

    /// The request fingerprint stored with the key: SHA-256 of the body exactly as received,
    /// in hex. Byte-exact on purpose: a client retrying sends the same bytes, and any other
    /// notion of "the same request" would have to be documented and kept stable forever.
    static func fingerprint(_ body: [UInt8]) -> String {
        let digest = SHA256.hash(data: body)
        let hex = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(64)
        for byte in digest {
            output.append(hex[Int(byte >> 4)])
            output.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
