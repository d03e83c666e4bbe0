import PushgateCore

/// What the API needs to know about an authenticated app. Carries no key material.
package struct AppSettings: Sendable, Hashable {
    package var id: String
    /// Lifetime of a notification that gives neither `ttl` nor `expiration`.
    package var defaultTTL: Duration
    /// The vendors the app has credentials for.
    package var vendors: Set<Vendor>

    package init(id: String, defaultTTL: Duration, vendors: Set<Vendor>) {
        self.id = id
        self.defaultTTL = defaultTTL
        self.vendors = vendors
    }
}
