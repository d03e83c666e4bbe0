/// A reason string from an APNs error response (VENDORS.md A4): an open set that keeps
/// reasons Apple adds later.
package struct APNSReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package var rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
    package var description: String { self.rawValue }

    package static let badCollapseID = APNSReason(rawValue: "BadCollapseId")
    package static let badDeviceToken = APNSReason(rawValue: "BadDeviceToken")
    package static let badExpirationDate = APNSReason(rawValue: "BadExpirationDate")
    package static let badMessageID = APNSReason(rawValue: "BadMessageId")
    package static let badPriority = APNSReason(rawValue: "BadPriority")
    package static let badTopic = APNSReason(rawValue: "BadTopic")
    package static let deviceTokenNotForTopic = APNSReason(rawValue: "DeviceTokenNotForTopic")
    package static let duplicateHeaders = APNSReason(rawValue: "DuplicateHeaders")
    package static let idleTimeout = APNSReason(rawValue: "IdleTimeout")
    package static let invalidPushType = APNSReason(rawValue: "InvalidPushType")
    package static let missingDeviceToken = APNSReason(rawValue: "MissingDeviceToken")
    package static let missingTopic = APNSReason(rawValue: "MissingTopic")
    package static let payloadEmpty = APNSReason(rawValue: "PayloadEmpty")
    package static let topicDisallowed = APNSReason(rawValue: "TopicDisallowed")
    package static let badCertificate = APNSReason(rawValue: "BadCertificate")
    package static let badCertificateEnvironment = APNSReason(rawValue: "BadCertificateEnvironment")
    package static let expiredProviderToken = APNSReason(rawValue: "ExpiredProviderToken")
    package static let forbidden = APNSReason(rawValue: "Forbidden")
    package static let invalidProviderToken = APNSReason(rawValue: "InvalidProviderToken")
    package static let missingProviderToken = APNSReason(rawValue: "MissingProviderToken")
    package static let unrelatedKeyIDInToken = APNSReason(rawValue: "UnrelatedKeyIdInToken")
    /// Apple's table spells it with "Id"; field reports show the other spelling. Both map alike.
    package static let badEnvironmentKeyIDInToken = APNSReason(rawValue: "BadEnvironmentKeyIdInToken")
    package static let badEnvironmentKeyInToken = APNSReason(rawValue: "BadEnvironmentKeyInToken")
    package static let badPath = APNSReason(rawValue: "BadPath")
    package static let methodNotAllowed = APNSReason(rawValue: "MethodNotAllowed")
    package static let expiredToken = APNSReason(rawValue: "ExpiredToken")
    package static let unregistered = APNSReason(rawValue: "Unregistered")
    package static let payloadTooLarge = APNSReason(rawValue: "PayloadTooLarge")
    package static let tooManyProviderTokenUpdates = APNSReason(rawValue: "TooManyProviderTokenUpdates")
    package static let tooManyRequests = APNSReason(rawValue: "TooManyRequests")
    package static let internalServerError = APNSReason(rawValue: "InternalServerError")
    package static let serviceUnavailable = APNSReason(rawValue: "ServiceUnavailable")
    package static let shutdown = APNSReason(rawValue: "Shutdown")
}
