import Foundation

extension UUID {
    /// A version 7 UUID (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random bits.
    ///
    /// The store's notification and delivery ids are B-tree keys. Random (version 4) ids sent
    /// each insert to a random index page, so every commit rewrote most of the id indexes into
    /// the write-ahead log; ids made later sort later, so inserts land on the rightmost pages.
    package static func timeOrdered(at date: Date = Date()) -> UUID {
        // A random (version 4) UUID for the random bits: one call to the system's generator.
        let random = UUID().uuid
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        func byte(_ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: milliseconds >> shift) }
        return UUID(
            uuid: (
                byte(40), byte(32), byte(24), byte(16), byte(8), byte(0),
                0x70 | (random.6 & 0x0F), random.7,  // version 7, then random
                0x80 | (random.8 & 0x3F), random.9,  // variant 10, then random
                random.10, random.11, random.12, random.13, random.14, random.15
            ))
    }
}
