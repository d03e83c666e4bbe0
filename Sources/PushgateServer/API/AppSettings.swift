import PushgateCore

/// What the API needs to know about an authenticated app. Carries no key material.
public struct AppSettings: Sendable, Hashable {
    public var id: String
    /// Lifetime of a notification that gives neither `ttl` nor `expiration`.
    public var defaultTTL: Duration
    /// The vendors the app has credentials for.
    public var vendors: Set<Vendor>

    public init(id: String, defaultTTL: Duration, vendors: Set<Vendor>) {
        self.id = id
        self.defaultTTL = defaultTTL
        self.vendors = vendors
    }
}
