import Crypto
import Foundation
import _CryptoExtras

/// A PBKDF2-HMAC-SHA256 password hash: `pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>`.
///
/// Verification derives the key again and compares in constant time. PBKDF2 is slow on purpose (a few hundred
/// milliseconds at the default iterations), so the proxy runs it off its event loops and caches successes.
package struct PasswordHash: Sendable, Equatable, CustomStringConvertible {
    package static let scheme = "pbkdf2-sha256"
    /// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
    package static let defaultIterations = 600_000
    /// Caps the work one configured hash can ask for per verification.
    static let maximumIterations = 10_000_000

    package private(set) var iterations: Int
    private(set) var salt: [UInt8]
    private(set) var hash: [UInt8]

    /// Hashes `password` with a fresh random 16-byte salt.
    package static func make(password: String, iterations: Int = Self.defaultIterations) throws -> PasswordHash {
        guard (1...Self.maximumIterations).contains(iterations) else {
            throw ParseError("iterations must be 1...\(Self.maximumIterations)")
        }
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return try self.make(password: password, salt: salt, iterations: iterations)
    }

    static func make(password: String, salt: [UInt8], iterations: Int) throws -> PasswordHash {
        let hash = try Self.derive(password: password, salt: salt, iterations: iterations, length: 32)
        return PasswordHash(iterations: iterations, salt: salt, hash: hash)
    }

    private init(iterations: Int, salt: [UInt8], hash: [UInt8]) {
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
    }

    /// Parses the encoded form; the error says what is wrong without repeating the hash.
    package init(parsing encoded: String) throws(ParseError) {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4 else {
            throw ParseError("expected \(Self.scheme)$<iterations>$<salt base64>$<hash base64>")
        }
        guard parts[0] == Self.scheme else { throw ParseError("unknown scheme \"\(parts[0])\" (want \(Self.scheme))") }
        guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let iterations = Int(parts[1]),
            (1...Self.maximumIterations).contains(iterations)
        else { throw ParseError("iterations must be a number in 1...\(Self.maximumIterations)") }
        guard let salt = Self.base64Decode(parts[2]), salt.count >= 8 else {
            throw ParseError("salt must be base64 of at least 8 bytes")
        }
        guard let hash = Self.base64Decode(parts[3]), (16...64).contains(hash.count) else {
            throw ParseError("hash must be base64 of 16...64 bytes")
        }
        self.init(iterations: iterations, salt: salt, hash: hash)
    }

    /// The `password_hash` text for the configuration.
    package var encoded: String {
        "\(Self.scheme)$\(self.iterations)$\(Data(self.salt).base64EncodedString())$\(Data(self.hash).base64EncodedString())"
    }

    package var description: String { "PasswordHash(\(Self.scheme), iterations: \(self.iterations))" }

    /// Whether `password` matches; constant time in the comparison, and always does the full derivation.
    package func verify(_ password: String) -> Bool {
        guard
            let derived = try? Self.derive(
                password: password,
                salt: self.salt,
                iterations: self.iterations,
                length: self.hash.count
            )
        else { return false }
        return Self.constantTimeEquals(derived, self.hash)
    }

    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }

    private static func derive(password: String, salt: [UInt8], iterations: Int, length: Int) throws -> [UInt8] {
        // The checked variant refuses fewer than 210,000 rounds; the iteration count is the operator's choice here
        // (tests use few), and `init(parsing:)` bounds it.
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8),
            salt: salt,
            using: .sha256,
            outputByteCount: length,
            unsafeUncheckedRounds: iterations
        )
        return key.withUnsafeBytes { Array($0) }
    }

    /// Standard base64, padding optional.
    private static func base64Decode(_ text: Substring) -> [UInt8]? {
        var padded = String(text)
        while padded.count % 4 != 0 { padded.append("=") }
        return Data(base64Encoded: padded).map { Array($0) }
    }

    package struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }
}
