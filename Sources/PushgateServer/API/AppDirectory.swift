import PushgateCore

/// The configured apps and the hashes of their API keys: turns an `Authorization` header into
/// the app it authenticates. Keys themselves are never stored, compared in clear or logged.
package struct AppDirectory: Sendable {
    private let settings: [AppSettings]
    /// Each configured key's digest and its app. A digest configured for two apps
    /// authenticates neither: ambiguous credentials fail closed.
    private let appsByDigest: [APIKeyHash: Int]

    /// Builds the directory from the configuration's apps. Keys that are not `sha256:<hex>`
    /// are skipped: configuration validation reports them, and a key that cannot match
    /// fails closed.
    package init(apps: [GatewayConfiguration.App]) {
        self.settings = apps.map { app in
            AppSettings(id: app.id, defaultTTL: app.defaultTTL.duration, vendors: Set(app.vendors.keys))
        }
        var appsByDigest: [APIKeyHash: Int] = [:]
        var shared: Set<APIKeyHash> = []
        for (index, app) in apps.enumerated() {
            for hash in app.apiKeys.compactMap(APIKeyHash.init(stored:)) {
                if let other = appsByDigest[hash], other != index { shared.insert(hash) }
                appsByDigest[hash] = index
            }
        }
        for hash in shared { appsByDigest[hash] = nil }
        self.appsByDigest = appsByDigest
    }

    /// The apps, in configuration order.
    package var apps: [AppSettings] { self.settings }

    /// The app whose key the header carries (`Bearer <key>`, scheme case-insensitive as RFC 9110
    /// §11.1 says), or nil when the header is missing, malformed or the key is unknown.
    ///
    /// One SHA-256 of the presented key, then a look-up by digest: the cost does not grow with
    /// the number of configured keys, and what the look-up's timing could reveal is about the
    /// digest of the key presented, never about a configured key.
    package func authenticate(authorizationHeader: String?) -> AppSettings? {
        guard let key = Self.bearerToken(authorizationHeader) else { return nil }
        return self.appsByDigest[APIKeyHash(key: key)].map { self.settings[$0] }
    }

    /// The credentials of `Bearer <token>`; RFC 6750's token68 forbids spaces, so a value with
    /// one is refused rather than trimmed into a different key.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        // On UTF-8 bytes, not Characters: this runs for every request, and grapheme breaking
        // cost more than the key's hash. The scheme is ASCII, compared case-insensitively.
        let value = Self.trimmingSpaces(header.utf8[...])
        guard value.count > 7, value.prefix(6).elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }),
            value.dropFirst(6).first == UInt8(ascii: " ")
        else { return nil }
        let token = Self.trimmingSpaces(value.dropFirst(7))
        guard !token.isEmpty, !token.contains(UInt8(ascii: " ")) else { return nil }
        return String(Substring(token))
    }

    private static func trimmingSpaces(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var bytes = bytes
        while let first = bytes.first, isSpace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, isSpace(last) { bytes = bytes.dropLast() }
        return bytes
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmingSpaces() -> String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
