import Foundation

extension UUID {
    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let formattedLength = 36

    /// The canonical lowercase form (8-4-4-4-12), the form Apple asks for in `apns-id`.
    /// Built directly from the bytes: `uuidString.lowercased()` costs two allocations and a
    /// formatted print on every send.
    package var lowercasedString: String {
        String(unsafeUninitializedCapacity: Self.formattedLength) { Self.format(self.uuid, into: $0) }
    }

    /// Appends the same 36 characters to a JSON document or other bytes, without a `String`.
    package func appendLowercased(to output: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.formattedLength) { buffer in
            let count = Self.format(self.uuid, into: buffer)
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    private static func format(_ bytes: uuid_t, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var index = 0
        withUnsafeBytes(of: bytes) { raw in
            for (position, byte) in raw.enumerated() {
                if position == 4 || position == 6 || position == 8 || position == 10 {
                    buffer[index] = UInt8(ascii: "-")
                    index += 1
                }
                buffer[index] = Self.hexDigits[Int(byte >> 4)]
                buffer[index + 1] = Self.hexDigits[Int(byte & 0x0F)]
                index += 2
            }
        }
        return index
    }
}
