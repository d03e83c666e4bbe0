/// An `apns-id` as its 128 bits, so the simulator compares ids case-insensitively and stores accepted ids in 16 bytes
/// each, not as strings (a benchmark run accepts millions).
struct APNSID: Hashable, Sendable {
    var high: UInt64
    var low: UInt64

    /// Parses the canonical 8-4-4-4-12 UUID text in either case; nil for anything else (APNs: `BadMessageId`).
    init?<S: StringProtocol>(parsing text: S) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var nibbles = 0
        var index = 0
        for byte in text.utf8 {
            defer { index += 1 }
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard let value = hexValue(byte) else { return nil }
            if nibbles < 16 {
                high = high << 4 | UInt64(value)
            } else {
                low = low << 4 | UInt64(value)
            }
            nibbles += 1
        }
        guard index == 36, nibbles == 32 else { return nil }
        self.high = high
        self.low = low
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A random version-4 UUID, as APNs makes when the request has no `apns-id`.
    static func random() -> APNSID {
        var generator = SystemRandomNumberGenerator()
        return Self.random(using: &generator)
    }

    /// A random version-4 UUID from `generator` (connections use a seeded fast generator: the system one costs a
    /// system call per number).
    static func random<G: RandomNumberGenerator>(using generator: inout G) -> APNSID {
        let high = (generator.next() & ~0xF000) | 0x4000  // version 4
        let low = (generator.next() & ~(0xC000 << 48)) | (0x8000 << 48)  // RFC 4122 variant
        return APNSID(high: high, low: low)
    }

    /// The id in upper case, as APNs writes the ids it generates (VENDORS.md A2).
    var uppercaseString: String {
        let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var out = 0
            for nibbleIndex in 0..<32 {
                if nibbleIndex == 8 || nibbleIndex == 12 || nibbleIndex == 16 || nibbleIndex == 20 {
                    buffer[out] = UInt8(ascii: "-")
                    out += 1
                }
                let word = nibbleIndex < 16 ? self.high : self.low
                let shift = UInt64(60 - 4 * (nibbleIndex % 16))
                buffer[out] = digits[Int((word >> shift) & 0xF)]
                out += 1
            }
            return out
        }
    }
}

/// The value of one ASCII hex digit, or nil.
@inline(__always)
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
    default: nil
    }
}
