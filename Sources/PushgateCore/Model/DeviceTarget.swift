/// One device to deliver to: which vendor, the vendor's token for the app on that device, and
/// which of the vendor's environments issued the token.
package struct DeviceTarget: Hashable, Sendable, Codable {
    /// Vendor environments. Only APNs distinguishes them today; the others always use `.production`.
    package enum Environment: String, Hashable, Sendable, Codable, CaseIterable {
        case production
        case sandbox
    }

    package var vendor: Vendor
    package var token: String
    package var environment: Environment

    package init(vendor: Vendor, token: String, environment: Environment = .production) {
        self.vendor = vendor
        self.token = token
        self.environment = environment
    }

    /// The token shortened for logs and error messages: device tokens are personal data and
    /// never appear in full outside the store.
    package var redactedToken: String {
        guard self.token.count > 8 else { return "…" }
        return "…" + self.token.suffix(6)
    }
}
