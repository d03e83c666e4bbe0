/// A send request body that passed validation, reduced to what the simulator acts on.
struct HuaweiMessage: Sendable, Equatable {
    var validateOnly: Bool
    /// The device tokens; nil for topic and condition messages.
    var tokens: [String]?
    /// What would replace an earlier notification on the device: `tag:<android.notification.tag>`, else
    /// `notify_id:<android.notification.notify_id>`; nil when neither is set.
    var identity: String?
}

/// The body checks of Huawei's v1 send endpoint, in Huawei's order (VENDORS.md §1.2–1.4): structure (80100003),
/// token count (80300010), size without tokens (80300008), field values (80100001, collapse_key 80100013).
///
/// Pure: no I/O, no shared state. Field names it does not know are collected in `unknownFields`, never rejected.
struct HuaweiMessageValidator {
    static let maximumTokens = 1000
    static let maximumBodyBytesWithoutTokens = 4096
    static let maximumTTLSeconds = 1_296_000
    static let urgencies: Set<String> = ["HIGH", "NORMAL"]
    static let categories: Set<String> = [
        "IM", "VOIP", "SUBSCRIPTION", "TRAVEL", "HEALTH", "WORK", "ACCOUNT", "EXPRESS", "FINANCE", "DEVICE_REMINDER",
        "MAIL", "PLAY_VOICE", "MARKETING",
    ]
    static let importances: Set<String> = ["LOW", "NORMAL", "HIGH"]

    /// Paths of fields not in `HuaweiMessageSchema`, in the order met (`message.android.foo`, `…buttons[].bar`).
    private(set) var unknownFields: [String] = []

    mutating func validate(_ body: some Collection<UInt8>) -> Result<HuaweiMessage, HuaweiRejection> {
        // 3. Structure.
        guard let root = VendorJSON.parse(body), case .object(let top) = root,
            case .object(let message)? = top["message"]
        else { return .failure(.messageStructure) }
        let targets = ["token", "topic", "condition"].filter { message[$0] != nil && message[$0] != .null }
        guard targets.count == 1 else { return .failure(.messageStructure) }
        var validateOnly = false
        switch top["validate_only"] {
        case nil, .null?: break
        case .bool(let value)?: validateOnly = value
        default: return .failure(.messageStructure)
        }
        if let topic = message["topic"], topic != .null, topic.stringValue == nil { return .failure(.messageStructure) }
        if let condition = message["condition"], condition != .null, condition.stringValue == nil {
            return .failure(.messageStructure)
        }
        let android: [String: VendorJSON]
        switch message["android"] {
        case nil, .null?: android = [:]
        case .object(let value)?: android = value
        default: return .failure(.messageStructure)
        }
        let androidNotification: [String: VendorJSON]?
        switch android["notification"] {
        case nil, .null?: androidNotification = nil
        case .object(let value)?: androidNotification = value
        default: return .failure(.messageStructure)
        }
        switch message["notification"] {
        case nil, .null?, .object?: break
        default: return .failure(.messageStructure)
        }

        // 4. Tokens.
        var tokens: [String]?
        if let tokenValue = message["token"], tokenValue != .null {
            guard case .array(let array) = tokenValue, (1...Self.maximumTokens).contains(array.count) else {
                return .failure(.tokenCount)
            }
            var strings: [String] = []
            strings.reserveCapacity(array.count)
            for element in array {
                guard case .string(let token) = element, !token.isEmpty else { return .failure(.tokenCount) }
                strings.append(token)
            }
            tokens = strings
        }

        // 5. Size without the tokens. Re-encoding compactly never makes a body longer than it came (bar exotic number
        // spellings), so bodies within the limit are not re-encoded.
        if body.count > Self.maximumBodyBytesWithoutTokens {
            var withoutTokens = message
            withoutTokens["token"] = nil
            var trimmed = top
            trimmed["message"] = .object(withoutTokens)
            if VendorJSON.object(trimmed).compactText.utf8.count > Self.maximumBodyBytesWithoutTokens {
                return .failure(.bodyTooLarge)
            }
        }

        // 6. Field values.
        HuaweiMessageSchema.request.collectUnknown(in: root, path: "", into: &self.unknownFields)
        if let rejection = Self.checkFields(
            android: android,
            notification: androidNotification,
            isNotification: androidNotification != nil || (message["notification"].map { $0 != .null } ?? false)
        ) {
            return .failure(rejection)
        }

        var identity: String?
        if let tag = androidNotification?["tag"]?.stringValue, !tag.isEmpty {
            identity = "tag:" + tag
        } else if let notifyID = androidNotification?["notify_id"]?.integerValue {
            identity = "notify_id:\(notifyID)"
        }
        return .success(HuaweiMessage(validateOnly: validateOnly, tokens: tokens, identity: identity))
    }

    private static func checkFields(
        android: [String: VendorJSON],
        notification: [String: VendorJSON]?,
        isNotification: Bool
    ) -> HuaweiRejection? {
        if let ttl = android["ttl"], ttl != .null {
            guard let text = ttl.stringValue, Self.isValidTTL(text) else {
                return .illegalPayload("android.ttl must be a string of at most 1296000 seconds such as \"86400s\"")
            }
        }
        if let urgency = android["urgency"], urgency != .null {
            guard let text = urgency.stringValue, Self.urgencies.contains(text) else {
                return .illegalPayload("android.urgency must be HIGH or NORMAL")
            }
        }
        if let category = android["category"], category != .null {
            guard let text = category.stringValue, Self.categories.contains(text) else {
                return .illegalPayload("android.category is not a known category")
            }
        }
        if let targetUserType = android["target_user_type"], targetUserType != .null {
            guard case .integer(let value) = targetUserType, value == 0 || value == 1 else {
                return .illegalPayload("android.target_user_type must be 0 or 1")
            }
        }
        if let importance = notification?["importance"], importance != .null {
            guard let text = importance.stringValue, Self.importances.contains(text) else {
                return .illegalPayload("android.notification.importance must be LOW, NORMAL or HIGH")
            }
        }
        if let notifyID = notification?["notify_id"], notifyID != .null {
            guard case .integer(let value) = notifyID, Int64(Int32.min)...Int64(Int32.max) ~= value else {
                return .illegalPayload("android.notification.notify_id must be a 32-bit integer")
            }
        }
        if isNotification {
            if let rejection = self.checkClickAction(notification?["click_action"]) { return rejection }
        }
        if let collapseKey = android["collapse_key"], collapseKey != .null {
            guard case .integer(let value) = collapseKey, (-1...100) ~= value else { return .collapseKey }
        }
        return nil
    }

    private static func checkClickAction(_ value: VendorJSON?) -> HuaweiRejection? {
        guard case .object(let clickAction)? = value else {
            return .illegalPayload("android.notification.click_action is mandatory for notification messages")
        }
        guard case .integer(let type)? = clickAction["type"] else {
            return .illegalPayload("android.notification.click_action.type must be 1, 2 or 3")
        }
        switch type {
        case 1:
            let intent = clickAction["intent"]?.stringValue ?? ""
            let action = clickAction["action"]?.stringValue ?? ""
            if intent.isEmpty && action.isEmpty {
                return .illegalPayload("android.notification.click_action: type 1 needs intent or action")
            }
        case 2:
            guard let url = clickAction["url"]?.stringValue, url.hasPrefix("https") else {
                return .illegalPayload("android.notification.click_action: type 2 needs a url starting with https")
            }
        case 3:
            break
        default:
            return .illegalPayload("android.notification.click_action.type must be 1, 2 or 3")
        }
        return nil
    }

    /// `^\d+(\.\d{1,9})?[sS]?$` (the Java demo's pattern) and at most `maximumTTLSeconds`.
    static func isValidTTL(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if let last = bytes.last, last == UInt8(ascii: "s") || last == UInt8(ascii: "S") { bytes = bytes.dropLast() }
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        var whole = bytes
        var fraction = bytes[bytes.endIndex...]
        if let dot = bytes.firstIndex(of: UInt8(ascii: ".")) {
            whole = bytes[..<dot]
            fraction = bytes[bytes.index(after: dot)...]
            guard (1...9).contains(fraction.count), fraction.allSatisfy(isDigit) else { return false }
        }
        guard !whole.isEmpty, whole.allSatisfy(isDigit) else { return false }
        let significant = whole.drop { $0 == UInt8(ascii: "0") }
        guard significant.count <= 7 else { return false }
        let seconds = significant.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        if seconds < Self.maximumTTLSeconds { return true }
        return seconds == Self.maximumTTLSeconds && fraction.allSatisfy { $0 == UInt8(ascii: "0") }
    }
}
