import Testing

@testable import PushgateProxy

@Suite("Password hashes")
struct PasswordHashTests {
    @Test("PBKDF2-HMAC-SHA256 matches RFC 7914's vector (P=passwd, S=salt, c=1)")
    func knownVector() throws {
        let hash = try PasswordHash.make(password: "passwd", salt: Array("salt".utf8), iterations: 1)
        // The first 32 bytes of the RFC's 64-byte output, base64.
        #expect(hash.encoded == "pbkdf2-sha256$1$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=")
        #expect(hash.verify("passwd"))
        #expect(!hash.verify("passwd "))
    }

    @Test("make, encode, parse and verify round-trip; salts differ")
    func roundTrip() throws {
        let first = try PasswordHash.make(password: "correct horse", iterations: 1000)
        let second = try PasswordHash.make(password: "correct horse", iterations: 1000)
        #expect(first.encoded != second.encoded)
        let parsed = try PasswordHash(parsing: first.encoded)
        #expect(parsed == first)
        #expect(parsed.verify("correct horse"))
        #expect(!parsed.verify("correct horsE"))
        #expect(!parsed.verify(""))
        #expect(!"\(parsed)".contains(first.encoded.split(separator: "$")[3]))
    }

    @Test("A hash made elsewhere (Python's hashlib), in unpadded base64, verifies")
    func foreignHash() throws {
        let hash = try PasswordHash(
            parsing: "pbkdf2-sha256$1000$c2FsdFNBTFRzYWx0U0FMVA$cMYAPciW1i+SErK4yW3XZi+Igk/Wt+Ux0CUykos5dms"
        )
        #expect(hash.iterations == 1000)
        #expect(hash.verify("passwd"))
        #expect(!hash.verify("Passwd"))
    }

    @Test(
        "Malformed hashes are rejected",
        arguments: [
            "", "pbkdf2-sha256$1$c2FsdHNhbHQ=", "bcrypt$1$c2FsdHNhbHQ=$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
            "pbkdf2-sha256$0$c2FsdHNhbHQ=$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
            "pbkdf2-sha256$-1$c2FsdHNhbHQ=$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
            "pbkdf2-sha256$99999999$c2FsdHNhbHQ=$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
            "pbkdf2-sha256$1$c2Fs$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
            "pbkdf2-sha256$1$c2FsdHNhbHQ=$not base64!",
            "pbkdf2-sha256$1$c2FsdHNhbHQ=$c2hvcnQ=",
        ]
    )
    func malformed(text: String) {
        #expect(throws: PasswordHash.ParseError.self) { try PasswordHash(parsing: text) }
    }

    @Test("Basic credentials parse strictly and redact the password")
    func basicCredentials() {
        // "gateway:s3cret:with:colons"
        let credentials = BasicCredentials(proxyAuthorization: "basic Z2F0ZXdheTpzM2NyZXQ6d2l0aDpjb2xvbnM=")
        #expect(credentials == BasicCredentials(username: "gateway", password: "s3cret:with:colons"))
        #expect(!"\(String(describing: credentials))".contains("s3cret"))
        #expect(BasicCredentials(proxyAuthorization: "Bearer abc") == nil)
        #expect(BasicCredentials(proxyAuthorization: "Basic") == nil)
        #expect(BasicCredentials(proxyAuthorization: "Basic !!!") == nil)
        #expect(BasicCredentials(proxyAuthorization: "Basic bm9jb2xvbg==") == nil)  // "nocolon"
        #expect(BasicCredentials(proxyAuthorization: "Basic OnBhc3M=") == nil)  // ":pass"
    }
}
