/// Why a delivery ended as it did, as a stable code (an open set: vendors' own reasons pass
/// through unchanged) so that callers can act on it without parsing prose.
public struct OutcomeReason: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { self.rawValue }

    /// The device token was rejected before sending: it cannot be a token of this vendor.
    public static let malformedToken = OutcomeReason("MalformedToken")
    /// The vendor rejected a well-formed token that it may accept in its other environment
    /// (APNs sandbox vs production): the target's environment is the likely fault, not the
    /// token, so the token is not reported dead.
    public static let environmentMismatch = OutcomeReason("EnvironmentMismatch")
    /// The payload exceeds the vendor's limit; checked before sending.
    public static let payloadTooLarge = OutcomeReason("PayloadTooLarge")
    /// A header value the vendor would reject; checked before sending.
    public static let invalidRequest = OutcomeReason("InvalidRequest")
    /// The notification expired before it could be sent.
    public static let expired = OutcomeReason("Expired")

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }
}
