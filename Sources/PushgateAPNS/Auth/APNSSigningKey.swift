import Crypto
import Foundation
import PushgateCore

/// An APNs token-auth key: the team's P-256 `.p8` key and the ids that name it.
/// Its description never shows the key.
package struct APNSSigningKey: Sendable, CustomStringConvertible {
    /// The 10-character key id (`kid`).
    package var keyID: String
    /// The 10-character team id (`iss`).
    package var teamID: String
    let privateKey: P256.Signing.PrivateKey

    /// Ids are checked because they are written into the token's JSON as they are.
    package init(keyID: String, teamID: String, privateKey: P256.Signing.PrivateKey) throws {
        guard !keyID.isEmpty, keyID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw PushgateError.credentials(
                "the APNs key id must be alphanumeric (10 characters from the developer portal)")
        }
        guard !teamID.isEmpty, teamID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw PushgateError.credentials("the APNs team id must be alphanumeric (10 characters)")
        }
        self.keyID = keyID
        self.teamID = teamID
        self.privateKey = privateKey
    }

    /// Loads a `.p8` (PKCS#8 PEM, `BEGIN PRIVATE KEY`) key.
    package init(keyID: String, teamID: String, pemRepresentation pem: String) throws {
        let key: P256.Signing.PrivateKey
        do {
            key = try P256.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw PushgateError.credentials("the APNs key is not a PKCS#8 PEM P-256 private key (.p8)")
        }
        try self.init(keyID: keyID, teamID: teamID, privateKey: key)
    }

    /// The key's public half, for a simulator to verify our tokens.
    package var publicKey: P256.Signing.PublicKey { self.privateKey.publicKey }

    package var description: String { "APNSSigningKey(keyID: \(self.keyID), teamID: \(self.teamID))" }

    /// Signs a provider token: ES256 JWT with `kid`, `iss` and an integer `iat`, signature
    /// as raw r‖s (JWS), all base64url without padding.
    package func makeProviderToken(issuedAt: Date) throws -> String {
        let header = #"{"alg":"ES256","kid":"\#(self.keyID)"}"#
        let claims = #"{"iss":"\#(self.teamID)","iat":\#(Int(issuedAt.timeIntervalSince1970))}"#
        let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
        let signature = try self.privateKey.signature(for: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }
}

/// base64url without padding (RFC 7515 §2).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}
