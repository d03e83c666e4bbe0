/// Why a delivery ended as it did, as a stable code (an open set: vendors' own reasons pass
/// through unchanged) so that callers can act on it without parsing prose.
package struct OutcomeReason: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    package var rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
    package init(_ rawValue: String) { self.rawValue = rawValue }

    package var description: String { self.rawValue }

    /// The device token was rejected before sending: it cannot be a token of this vendor.
    package static let malformedToken = OutcomeReason("MalformedToken")
    /// The vendor rejected a well-formed token that it may accept in its other environment
    /// (APNs sandbox vs production): the target's environment is the likely fault, not the
    /// token, so the token is not reported dead.
    package static let environmentMismatch = OutcomeReason("EnvironmentMismatch")
    /// The payload exceeds the vendor's limit; checked before sending.
    package static let payloadTooLarge = OutcomeReason("PayloadTooLarge")
    /// The collapse key is longer than, or otherwise not what, the vendor allows; checked before sending.
    package static let invalidCollapseKey = OutcomeReason("InvalidCollapseKey")
    /// The priority is not allowed for this kind of push by the vendor; checked before sending.
    package static let invalidPriority = OutcomeReason("InvalidPriority")
    /// A header value the vendor would reject; checked before sending.
    package static let invalidRequest = OutcomeReason("InvalidRequest")
    /// The notification expired before it could be sent.
    package static let expired = OutcomeReason("Expired")
    /// An adapter returned a different number of reports than deliveries it was given (a bug
    /// in the adapter); the delivery is not retried blindly.
    package static let adapterReportMismatch = OutcomeReason("AdapterReportMismatch")
    /// The app has no adapter for the target's vendor (its configuration changed since the
    /// delivery was accepted).
    package static let vendorNotConfigured = OutcomeReason("VendorNotConfigured")

    package init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }
}
