import Crypto
import Foundation
import PushgateAPNS
import Testing

@Suite struct APNSSigningKeyTests {
    static func decode(_ part: Substring) throws -> Data {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return try #require(Data(base64Encoded: text))
    }

    @Test func signsAnES256TokenThatVerifies() throws {
        let privateKey = P256.Signing.PrivateKey()
        let key = try APNSSigningKey(
            keyID: "ABC123DEFG", teamID: "TEAM123456", pemRepresentation: privateKey.pemRepresentation)
        let token = try key.makeProviderToken(issuedAt: Date(timeIntervalSince1970: 1_800_000_000))
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        #expect(!token.contains("="))
        let header = try JSONSerialization.jsonObject(with: Self.decode(parts[0])) as? [String: Any]
        #expect(header?["alg"] as? String == "ES256")
        #expect(header?["kid"] as? String == "ABC123DEFG")
        let claims = try JSONSerialization.jsonObject(with: Self.decode(parts[1])) as? [String: Any]
        #expect(claims?["iss"] as? String == "TEAM123456")
        #expect(claims?["iat"] as? Int == 1_800_000_000)
        // Raw r‖s, 64 bytes, as JWS wants (not DER).
        let signatureBytes = try Self.decode(parts[2])
        #expect(signatureBytes.count == 64)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: signatureBytes)
        #expect(privateKey.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8)))
    }

    @Test func rejectsBadKeysAndIDs() {
        #expect(throws: (any Error).self) {
            try APNSSigningKey(keyID: "ABC", teamID: "TEAM", pemRepresentation: "not a key")
        }
        #expect(throws: (any Error).self) {
            try APNSSigningKey(keyID: "AB\"C", teamID: "TEAM", privateKey: P256.Signing.PrivateKey())
        }
        let key = try? APNSSigningKey(keyID: "ABC", teamID: "TEAM", privateKey: P256.Signing.PrivateKey())
        #expect(key.map { "\($0)" } == "APNSSigningKey(keyID: ABC, teamID: TEAM)")
    }
}
