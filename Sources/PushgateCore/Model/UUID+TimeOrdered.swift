import Foundation

extension UUID {
    /// A version 7 UUID (RFC 9562 §5.7): 48 bits of Unix milliseconds, 12 bits of the
    /// millisecond's fraction (§6.2, method 3), then 62 random bits.
    ///
    /// The store's notification and delivery ids are B-tree keys. Random (version 4) ids sent
    /// each insert to a random index page, so every commit rewrote most of the id indexes into
    /// the write-ahead log; ids made later sort later, so inserts land on the rightmost pages.
    package static func timeOrdered(at date: Date = Date()) -> UUID {
        let unixMilliseconds = max(0, date.timeIntervalSince1970 * 1000)
        let milliseconds = UInt64(unixMilliseconds)
        let fraction = UInt64((unixMilliseconds - Double(milliseconds)) * 4096) & 0xFFF
        // Kernel randomness read in bulk (`IDRandomness`). `UUID()` opens and reads
        // /dev/urandom on every call, which cost more than the rest of an insert.
        let random = IDRandomness.shared.next()
        func byte(_ value: UInt64, _ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: value >> shift) }
        return UUID(
            uuid: (
                byte(milliseconds, 40), byte(milliseconds, 32), byte(milliseconds, 24),
                byte(milliseconds, 16), byte(milliseconds, 8), byte(milliseconds, 0),
                0x70 | byte(fraction, 8), byte(fraction, 0),  // version 7, then the fraction
                0x80 | (byte(random, 0) & 0x3F), byte(random, 8),  // variant 10, then random
                byte(random, 16), byte(random, 24), byte(random, 32), byte(random, 40), byte(random, 48),
                byte(random, 56)
            ))
    }
}
