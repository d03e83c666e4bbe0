import Crypto
import Foundation

/// Signs APNs provider tokens for tests, independently of the code under test.
enum TestJWT {
    static func make(
        key: P256.Signing.PrivateKey,
        keyID: String,
        teamID: String,
        issuedAt: Int64,
        algorithm: String = "ES256",
        derSignature: Bool = false
    ) throws -> String {
        let header = base64URL(Data(#"{"alg":"\#(algorithm)","kid":"\#(keyID)"}"#.utf8))
        let claims = base64URL(Data(#"{"iss":"\#(teamID)","iat":\#(issuedAt)}"#.utf8))
        let signingInput = header + "." + claims
        let signature = try key.signature(for: Data(signingInput.utf8))
        let signatureBytes = derSignature ? signature.derRepresentation : signature.rawRepresentation
        return signingInput + "." + base64URL(signatureBytes)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }
}

/// A random device token of `length` lower-case hex digits, optionally starting with `prefix`.
func randomDeviceToken(prefix: String = "", length: Int = 64) -> String {
    let digits = Array("0123456789abcdef")
    var token = prefix
    // Avoid accidental fault prefixes: fill with digits no default rule starts a run of.
    while token.count < length {
        token.append(digits[Int.random(in: 0..<16)])
    }
    if prefix.isEmpty {
        token.replaceSubrange(token.startIndex...token.startIndex, with: "1")
    }
    return token
}
