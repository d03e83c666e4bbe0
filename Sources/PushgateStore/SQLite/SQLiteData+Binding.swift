import Foundation
import NIOCore
import SQLiteNIO

// How the store's values are written into SQLite, and the inverse conversions the row
// decoders use. Ids are 16-byte BLOBs, times integer milliseconds since 1970.
extension SQLiteData {
    /// Ids are stored as 16-byte BLOBs: less than half the size of their text form, in the
    /// table and in every index that holds them.
    static func uuid(_ id: UUID) -> SQLiteData {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(16)
        _ = withUnsafeBytes(of: id.uuid) { buffer.writeBytes($0) }
        return .blob(buffer)
    }

    static func date(_ date: Date) -> SQLiteData {
        .integer(SQLiteInt64(date.storeMilliseconds))
    }

    static func nullableDate(_ date: Date?) -> SQLiteData {
        date.map { .date($0) } ?? .null
    }

    static func nullableText(_ text: String?) -> SQLiteData {
        text.map { .text($0) } ?? .null
    }

    static func nullableInteger(_ value: Int?) -> SQLiteData {
        value.map { .integer(SQLiteInt64($0)) } ?? .null
    }

    static func bytes(_ bytes: [UInt8]) -> SQLiteData {
        .blob(ByteBuffer(bytes: bytes))
    }
}

extension UUID {
    init?(storeBytes buffer: ByteBuffer) {
        let value: uuid_t? = buffer.withUnsafeReadableBytes { raw in
            guard raw.count == 16 else { return nil }
            var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: raw) }
            return value
        }
        guard let value else { return nil }
        self.init(uuid: value)
    }
}

extension Date {
    /// Every time in the store is an integer count of milliseconds since 1970 (floored), so
    /// that comparisons in SQL are exact and indexes stay small. Sub-millisecond precision
    /// is dropped on the way in.
    var storeMilliseconds: Int64 {
        Int64((self.timeIntervalSince1970 * 1000).rounded(.down))
    }

    init(storeMilliseconds milliseconds: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}
