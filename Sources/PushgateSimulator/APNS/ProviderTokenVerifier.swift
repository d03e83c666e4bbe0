import Crypto
import Foundation

/// Checks an APNs provider token (JWT, ES256) on its own: shape, header, claims, key and signature (VENDORS.md A5).
///
/// Pure and costly (an ECDSA verification), so connections cache its answer per token string; the rules that depend
/// on the connection or the time live in `APNSConnectionAuthState`.
struct ProviderTokenVerifier: Sendable {
    /// What a valid token says.
    struct Claims: Sendable, Hashable {
        var keyID: String
        var teamID: String
        /// `iat`, in seconds since the epoch.
        var issuedAt: Int64
    }

    /// Why a token is refused; `detail` is for debug logs and never contains the token.
    struct Failure: Error, Sendable, Hashable {
        var rejection: APNSRejection
        var detail: String
    }

    var keys: [String: P256.Signing.PublicKey]
    var teamID: String?
    /// Key IDs that exist but belong to the other environment: answered with `environmentRejection`.
    var otherEnvironmentKeyIDs: Set<String> = []
    var environmentRejection = APNSRejection(403, "BadEnvironmentKeyIdInToken")
    /// Lenient mode: DER signatures (Pushy, Apple's own sample) and an `iat` written as a string of digits (APNSwift).
    var lenient = false

    func verify(_ token: Substring) -> Result<Claims, Failure> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .failure(Self.invalid("not three dot-separated parts")) }
        guard let headerBytes = Base64URL.decode(parts[0]), let claimsBytes = Base64URL.decode(parts[1]),
            let signatureBytes = Base64URL.decode(parts[2])
        else {
            return .failure(Self.invalid("a part is not base64url"))
        }
        let decoder = JSONDecoder()
        guard let header = try? decoder.decode(Header.self, from: Data(headerBytes)) else {
            return .failure(Self.invalid("header is not a JSON object with string alg and kid"))
        }
        guard header.alg == "ES256" else { return .failure(Self.invalid("alg is not ES256")) }
        guard let body = try? decoder.decode(Body.self, from: Data(claimsBytes)) else {
            return .failure(Self.invalid("claims are not a JSON object with string iss and integer iat"))
        }
        let keyID = header.kid
        let issuer = body.iss
        guard let issuedAt = body.iat.seconds(lenient: self.lenient) else {
            return .failure(Self.invalid("iat is a string"))
        }

        if self.otherEnvironmentKeyIDs.contains(keyID) {
            return .failure(Failure(rejection: self.environmentRejection, detail: "key is for the other environment"))
        }
        guard let key = self.keys[keyID] else { return .failure(Self.invalid("unknown kid")) }

        let signature: P256.Signing.ECDSASignature
        if signatureBytes.count == 64, let raw = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes) {
            signature = raw
        } else if self.lenient, let der = try? P256.Signing.ECDSASignature(derRepresentation: signatureBytes) {
            signature = der
        } else {
            return .failure(Self.invalid("signature is not a raw 64-byte r||s"))
        }
        let signedPart = token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)
        guard key.isValidSignature(signature, for: Data(signedPart)) else {
            return .failure(Self.invalid("bad signature"))
        }
        if let teamID = self.teamID, issuer != teamID {
            return .failure(Self.invalid("iss is not the configured team"))
        }
        return .success(Claims(keyID: keyID, teamID: issuer, issuedAt: issuedAt))
    }

    private struct Header: Decodable {
        var alg: String
        var kid: String
    }

    private struct Body: Decodable {
        var iss: String
        var iat: IssuedAt
    }

    /// `iat` as an integer, or as a string of digits (which only lenient mode accepts).
    private enum IssuedAt: Decodable {
        case number(Int64)
        case text(Int64)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let seconds = try? container.decode(Int64.self) {
                self = .number(seconds)
            } else if let seconds = Int64(try container.decode(String.self)) {
                self = .text(seconds)
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "iat is not an integer")
            }
        }

        func seconds(lenient: Bool) -> Int64? {
            switch self {
            case .number(let seconds): seconds
            case .text(let seconds): lenient ? seconds : nil
            }
        }
    }

    private static func invalid(_ detail: String) -> Failure {
        Failure(rejection: .invalidProviderToken, detail: detail)
    }
}
