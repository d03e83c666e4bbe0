import Crypto
import Testing

@testable import PushgateSimulator

@Suite("Provider token verification")
struct ProviderTokenVerifierTests {
    let key = P256.Signing.PrivateKey()

    func verifier(lenient: Bool = false, teamID: String? = "TEAM123456") -> ProviderTokenVerifier {
        ProviderTokenVerifier(keys: ["KEY1234567": self.key.publicKey], teamID: teamID, lenient: lenient)
    }

    @Test("A raw-signed ES256 token yields its claims")
    func validToken() throws {
        let token = try TestJWT.make(key: self.key, keyID: "KEY1234567", teamID: "TEAM123456", issuedAt: 1_700_000_000)
        let claims = try self.verifier().verify(Substring(token)).get()
        #expect(claims == .init(keyID: "KEY1234567", teamID: "TEAM123456", issuedAt: 1_700_000_000))
    }

    @Test("DER signatures only in lenient mode")
    func derSignature() throws {
        let token = try TestJWT.make(
            key: self.key,
            keyID: "KEY1234567",
            teamID: "TEAM123456",
            issuedAt: 1_700_000_000,
            derSignature: true
        )
        #expect(throws: ProviderTokenVerifier.Failure.self) { try self.verifier().verify(Substring(token)).get() }
        #expect(try self.verifier(lenient: true).verify(Substring(token)).get().teamID == "TEAM123456")
    }

    @Test(
        "Malformed tokens are InvalidProviderToken",
        arguments: [
            "", "a.b", "a.b.c.d", "!!.!!.!!",
            // {"alg":"ES256","kid":"KEY1234567"} . {"iss":"TEAM123456","iat":"1700000000"} (string iat) . junk
            "eyJhbGciOiJFUzI1NiIsImtpZCI6IktFWTEyMzQ1NjcifQ.eyJpc3MiOiJURUFNMTIzNDU2IiwiaWF0IjoiMTcwMDAwMDAwMCJ9.AAAA",
        ]
    )
    func malformed(_ token: String) {
        let result = self.verifier(lenient: false).verify(Substring(token))
        #expect(throws: ProviderTokenVerifier.Failure.self) { try result.get() }
        if case .failure(let failure) = result {
            #expect(failure.rejection == .invalidProviderToken)
            #expect(!failure.detail.contains(token) || token.isEmpty)
        }
    }

    @Test("Team must match when configured")
    func teamMismatch() throws {
        let token = try TestJWT.make(key: self.key, keyID: "KEY1234567", teamID: "OTHER", issuedAt: 1)
        #expect(throws: ProviderTokenVerifier.Failure.self) { try self.verifier().verify(Substring(token)).get() }
        #expect(try self.verifier(teamID: nil).verify(Substring(token)).get().teamID == "OTHER")
    }
}
