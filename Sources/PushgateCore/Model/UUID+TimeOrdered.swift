import Foundation

extension UUID {
    /// A version 7 UUID (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random bits.
    ///
    /// The store's notification and delivery ids are B-tree keys. Random (version 4) ids sent
    /// each insert to a random index page, so every commit rewrote most of the id indexes into
    /// the write-ahead log; ids made later sort later, so inserts land on the rightmost pages.
    package static func timeOrdered(at date: Date = Date()) -> UUID {
        // The system's generator (getrandom), twice: `UUID()` opens and reads /dev/urandom on
        // every call, which cost more than the rest of an insert.
        var generator = SystemRandomNumberGenerator()
        let high: UInt64 = generator.next()
        let low: UInt64 = generator.next()
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        func byte(_ value: UInt64, _ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: value >> shift) }
        return UUID(
            uuid: (
                byte(milliseconds, 40), byte(milliseconds, 32), byte(milliseconds, 24),
                byte(milliseconds, 16), byte(milliseconds, 8), byte(milliseconds, 0),
                0x70 | (byte(high, 0) & 0x0F), byte(high, 8),  // version 7, then random
                0x80 | (byte(high, 16) & 0x3F), byte(high, 24),  // variant 10, then random
                byte(low, 0), byte(low, 8), byte(low, 16), byte(low, 24), byte(low, 32), byte(low, 40)
            ))
    }
}
