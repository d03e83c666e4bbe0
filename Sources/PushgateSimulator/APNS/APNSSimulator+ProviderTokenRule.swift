extension APNSSimulator {
    /// Where `TooManyProviderTokenUpdates` is counted. Field reports disagree (VENDORS.md "Points that refine the
    /// issues"): some see APNs apply its 20-minute rule to each connection, others to each signing key.
    package enum ProviderTokenRule: String, Sendable, CaseIterable {
        /// A connection may not switch to a token issued less than `tokenMinRefreshInterval` after its current one.
        case perConnection = "per-connection"
        /// The same, and besides: a signing key may not issue two tokens less than `tokenMinRefreshInterval` apart,
        /// whichever connections carry them. The strict reading, under which a token per connection fails.
        case perConnectionAndKey = "per-key"
    }
}
