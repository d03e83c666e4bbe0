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
        let trimmed = header.trimmingSpaces()
        guard trimmed.utf8.count > 7 else { return nil }
        let scheme = trimmed.prefix(6)
        guard scheme.lowercased() == "bearer", trimmed.dropFirst(6).first == " " else { return nil }
        let token = String(trimmed.dropFirst(7)).trimmingSpaces()
        guard !token.isEmpty, !token.contains(" ") else { return nil }
        return token
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
