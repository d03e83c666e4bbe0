/// One APNs error answer: an HTTP status and the `reason` string of the JSON body (VENDORS.md A4).
struct APNSRejection: Error, Sendable, Hashable {
    var status: Int
    var reason: String

    init(_ status: Int, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    static let badCollapseID = APNSRejection(400, "BadCollapseId")
    static let badDeviceToken = APNSRejection(400, "BadDeviceToken")
    static let badExpirationDate = APNSRejection(400, "BadExpirationDate")
    static let badMessageID = APNSRejection(400, "BadMessageId")
    static let badPriority = APNSRejection(400, "BadPriority")
    static let badTopic = APNSRejection(400, "BadTopic")
    static let duplicateHeaders = APNSRejection(400, "DuplicateHeaders")
    static let invalidPushType = APNSRejection(400, "InvalidPushType")
    static let missingDeviceToken = APNSRejection(400, "MissingDeviceToken")
    static let missingTopic = APNSRejection(400, "MissingTopic")
    static let payloadEmpty = APNSRejection(400, "PayloadEmpty")
    static let topicDisallowed = APNSRejection(400, "TopicDisallowed")
    static let expiredProviderToken = APNSRejection(403, "ExpiredProviderToken")
    static let invalidProviderToken = APNSRejection(403, "InvalidProviderToken")
    static let missingProviderToken = APNSRejection(403, "MissingProviderToken")
    static let badPath = APNSRejection(404, "BadPath")
    static let methodNotAllowed = APNSRejection(405, "MethodNotAllowed")
    static let payloadTooLarge = APNSRejection(413, "PayloadTooLarge")
    static let tooManyProviderTokenUpdates = APNSRejection(429, "TooManyProviderTokenUpdates")
}
