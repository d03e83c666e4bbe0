import Crypto
import Foundation

/// An API key as the configuration stores it: `sha256:<hex>` of the key. Keys are long
/// random strings, so an unsalted fast hash is enough to keep them out of config files
/// and backups (the same reasoning as GitHub's token storage).
package struct APIKeyHash: Sendable, Hashable {
    package var digest: [UInt8]

    package init?(stored text: String) {
        guard text.hasPrefix("sha256:") else { return nil }
        let hex = Array(text.utf8.dropFirst("sha256:".count))
        guard hex.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = Self.nibble(hex[index]), let low = Self.nibble(hex[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.digest = bytes
    }

    package init(key: String) {
        self.digest = Array(SHA256.hash(data: Array(key.utf8)))
    }

    /// `sha256:<hex>`, for the configuration file.
    package var stored: String {
        "sha256:" + self.digest.map { String(format: "%02x", $0) }.joined()
    }

    /// Compares without leaking, through timing, how much of the digest matched.
    package func matches(key: String) -> Bool {
        let presented = Array(SHA256.hash(data: Array(key.utf8)))
        var difference: UInt8 = 0
        for (a, b) in zip(presented, self.digest) { difference |= a ^ b }
        return difference == 0 && presented.count == self.digest.count
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }
}
