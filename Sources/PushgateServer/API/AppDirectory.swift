import PushgateCore

/// The configured apps and the hashes of their API keys: turns an `Authorization` header into
/// the app it authenticates. Keys themselves are never stored, compared in clear or logged.
package struct AppDirectory: Sendable {
    private struct Entry: Sendable {
        var settings: AppSettings
        var keys: [APIKeyHash]
    }

    private let entries: [Entry]

    /// Builds the directory from the configuration's apps. Keys that are not `sha256:<hex>`
    /// are skipped: configuration validation reports them, and a key that cannot match
    /// fails closed.
    package init(apps: [GatewayConfiguration.App]) {
        self.entries = apps.map { app in
            Entry(
                settings: AppSettings(id: app.id, defaultTTL: app.defaultTTL.duration, vendors: Set(app.vendors.keys)),
                keys: app.apiKeys.compactMap { APIKeyHash(stored: $0) }
            )
        }
    }

    /// The apps, in configuration order.
    package var apps: [AppSettings] { self.entries.map(\.settings) }

    /// The app whose key the header carries (`Bearer <key>`, scheme case-insensitive as RFC 9110
    /// §11.1 says), or nil when the header is missing, malformed or the key is unknown.
    ///
    /// Every configured key is compared, each in constant time, so the time taken does not
    /// reveal which app (if any) a key belongs to.
    package func authenticate(authorizationHeader: String?) -> AppSettings? {
        guard let key = Self.bearerToken(authorizationHeader) else { return nil }
        var found: AppSettings?
        for entry in self.entries {
            for hash in entry.keys where hash.matches(key: key) {
                if found == nil { found = entry.settings }
            }
        }
        return found
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
