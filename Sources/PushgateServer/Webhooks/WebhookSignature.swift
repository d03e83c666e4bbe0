import Crypto
import Foundation
import PushgateCore

/// The `Pushgate-Signature` header of a webhook request, and how a receiver checks it.
///
/// ```
/// Pushgate-Signature: t=1750000000,v1=5f0c…(64 lower-case hex digits)
/// ```
///
/// `t` is the send time in Unix seconds; `v1` is `HMAC-SHA256(secret, "<t>.<body>")` in lower-case hex, where
/// `<t>` is the decimal text of `t` and `<body>` the exact request body bytes (UTF-8 JSON, not re-encoded). The
/// secret is the app's `webhook.secret` as UTF-8 bytes, without surrounding whitespace.
///
/// A receiver recomputes the HMAC over the raw body it read, compares in constant time, and rejects a `t` too far
/// from its own clock (five minutes is usual): signing the timestamp with the body stops a captured request from
/// being replayed later. Each attempt is signed afresh, so a retry carries a new `t`; the `Pushgate-Event-Id`
/// header stays the same across attempts and lets the receiver drop duplicates (delivery is at least once).
/// Unknown `key=value` parts are ignored, so a `v2` can be added next to `v1` later.
package enum WebhookSignature {
    package static let headerName = "Pushgate-Signature"

    /// The header value for `body` sent at `timestamp` (Unix seconds).
    package static func header(secret: SymmetricKey, timestamp: Int64, body: [UInt8]) -> String {
        "t=\(timestamp),v1=\(Self.hex(Self.code(secret: secret, timestamp: timestamp, body: body)))"
    }

    /// Whether `header` is a valid signature of `body` under `secret`, made within `tolerance` of `now`.
    package static func verify(
        header: String,
        body: [UInt8],
        secret: SymmetricKey,
        now: Date = Date(),
        tolerance: Duration = .seconds(300)
    ) -> Bool {
        var timestamp: Int64?
        var candidates: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let name = pair[0].trimmingCharacters(in: .whitespaces)
            let value = pair[1].trimmingCharacters(in: .whitespaces)
            switch name {
            case "t": timestamp = Int64(value)
            case "v1": if let bytes = Self.bytes(hex: value) { candidates.append(bytes) }
            default: continue
            }
        }
        guard let timestamp, abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance.timeInterval else {
            return false
        }
        let message = Self.message(timestamp: timestamp, body: body)
        // `isValidAuthenticationCode` compares in constant time.
        return candidates.contains {
            HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: message, using: secret)
        }
    }

    /// The key for a configured secret: its UTF-8 bytes, whitespace trimmed (a `file:` secret usually ends with a
    /// newline that is not meant to be part of the key).
    package static func key(secret: String) -> SymmetricKey {
        SymmetricKey(data: Array(secret.trimmingCharacters(in: .whitespacesAndNewlines).utf8))
    }

    static func code(secret: SymmetricKey, timestamp: Int64, body: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Self.message(timestamp: timestamp, body: body), using: secret))
    }

    private static func message(timestamp: Int64, body: [UInt8]) -> [UInt8] {
        var message = Array("\(timestamp).".utf8)
        message.append(contentsOf: body)
        return message
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = Self.nibble(utf8[index]), let low = Self.nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
