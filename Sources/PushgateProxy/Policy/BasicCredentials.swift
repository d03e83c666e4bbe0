import Foundation

/// `Proxy-Authorization: Basic <base64(user:password)>` (RFC 7617). Never logged; `description` is redacted.
struct BasicCredentials: Sendable, Equatable, CustomStringConvertible {
    var username: String
    var password: String

    /// nil when the field is not well-formed Basic credentials.
    init?(proxyAuthorization value: String) {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " "),
            trimmed[..<space].lowercased() == "basic"
        else { return nil }
        let token = trimmed[trimmed.index(after: space)...].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, token.utf8.count <= 1024, let data = Data(base64Encoded: token),
            let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else { return nil }
        let username = String(decoded[..<colon])
        guard !username.isEmpty else { return nil }
        self.username = username
        self.password = String(decoded[decoded.index(after: colon)...])
    }

    init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    var description: String { "BasicCredentials(username: \(self.username), password: <redacted>)" }
}
