import NIOCore

/// The request checks that need nothing from the connection: headers and path, the device token, and the payload.
///
/// Each check answers with at most one reason; the simulator runs them in APNs-like order around authentication
/// (headers → authentication → device token → payload), see `APNSStreamHandler`.
struct APNSRequestValidator: Sendable {
    /// What the header checks learnt, for the later checks and the answer.
    struct Request: Sendable {
        var deviceToken: Substring
        /// The parsed `apns-id`, when the request carried one.
        var apnsID: APNSID?
        var pushType: APNSPushType?
        var topic: String
    }

    var deviceTokenHexLength: Int
    var allowedTopics: Set<String>?

    /// Method, path, duplicate fields, `apns-id`, push type, priority, expiration, collapse id, topic: in that order.
    ///
    /// `checksAllowedTopics` is false on certificate-auth connections, where the certificate decides the topic.
    func validateHeaders(_ head: APNSRequestHead, checksAllowedTopics: Bool) -> Result<Request, APNSRejection> {
        guard head.method == "POST" else { return .failure(.methodNotAllowed) }
        guard let deviceToken = head.deviceTokenInPath else { return .failure(.badPath) }
        guard !deviceToken.isEmpty else { return .failure(.missingDeviceToken) }
        guard !head.hasDuplicateHeaders else { return .failure(.duplicateHeaders) }

        var apnsID: APNSID?
        if let text = head.apnsID {
            guard let parsed = APNSID(parsing: text) else { return .failure(.badMessageID) }
            apnsID = parsed
        }

        var pushType: APNSPushType?
        if let text = head.pushType {
            guard let parsed = APNSPushType(rawValue: text) else { return .failure(.invalidPushType) }
            pushType = parsed
        }

        if let priority = head.priority {
            switch priority {
            case "10":
                // Apple: priority 10 with a background push "is an error"; no reason string is documented.
                guard pushType != .background else { return .failure(.badPriority) }
            case "5", "1":
                break
            default:
                return .failure(.badPriority)
            }
        }

        if let expiration = head.expiration {
            guard Self.isNonNegativeInteger(expiration) else { return .failure(.badExpirationDate) }
        }

        if let collapseID = head.collapseID, collapseID.utf8.count > 64 {
            return .failure(.badCollapseID)
        }

        guard let topic = head.topic, !topic.isEmpty else { return .failure(.missingTopic) }
        var bundleID = Substring(topic)
        if let suffix = pushType?.topicSuffix {
            guard topic.hasSuffix(suffix), topic.utf8.count > suffix.utf8.count else { return .failure(.badTopic) }
            bundleID = topic.dropLast(suffix.count)
        }
        if checksAllowedTopics, let allowedTopics = self.allowedTopics, !allowedTopics.contains(String(bundleID)) {
            return .failure(.topicDisallowed)
        }

        return .success(Request(deviceToken: deviceToken, apnsID: apnsID, pushType: pushType, topic: topic))
    }

    /// Certificate authentication: when the client certificate names a bundle ID (subject UID), the topic must be it,
    /// or it plus a push-type suffix.
    func validateCertificateTopic(_ topic: String, certificateUID: String?) -> APNSRejection? {
        guard let uid = certificateUID else { return nil }
        if topic == uid { return nil }
        guard topic.hasPrefix(uid) else { return .badTopic }
        let rest = topic.dropFirst(uid.count)
        return APNSPushType.knownTopicSuffixes.contains(where: { rest == $0 }) ? nil : .badTopic
    }

    /// Exactly `deviceTokenHexLength` hex digits (either case).
    func validateDeviceToken(_ token: Substring) -> APNSRejection? {
        let utf8 = token.utf8
        guard utf8.count == self.deviceTokenHexLength else { return .badDeviceToken }
        for byte in utf8 where hexValue(byte) == nil {
            return .badDeviceToken
        }
        return nil
    }

    /// Size limits by push type, then the JSON shape.
    ///
    /// A body that is not a JSON object, or whose `aps` is not an object, gets 400 `PayloadEmpty`: Apple documents no
    /// reason for malformed JSON (VENDORS.md A8 is unsure) and `PayloadEmpty` is the only payload reason in its table.
    /// An object without `aps` is accepted: Wallet pass updates send `{}` and MDM pushes carry `{"mdm": …}`.
    /// `length` is the size of the whole body, which may be longer than `body` when the reader stopped keeping bytes.
    func validatePayload(_ body: ByteBuffer?, length: Int, pushType: APNSPushType?) -> APNSRejection? {
        guard length > 0, let body else { return .payloadEmpty }
        guard length <= (pushType?.maximumPayloadSize ?? 4096) else { return .payloadTooLarge }
        let shape = body.withUnsafeReadableBytes { JSONSyntaxValidator.inspectPayload($0) }
        switch shape {
        case .invalid, .object(apsIsObject: false):
            return .payloadEmpty
        case .object:
            return nil
        }
    }

    private static func isNonNegativeInteger(_ text: String) -> Bool {
        let utf8 = text.utf8
        // 19 digits always fit in Int64, which is all APNs could mean by UNIX seconds.
        guard !utf8.isEmpty, utf8.count <= 19 else { return false }
        return utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
