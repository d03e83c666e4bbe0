/// What the simulator acts on in a `/message/send` or `/message/saveListPayload` body that passed validation.
struct VivoContent: Sendable, Equatable {
    /// 0 operation (the default), 1 system.
    var classification: Int
    /// 0 formal (the default), 1 test.
    var pushMode: Int
    var requestID: String
}

/// A `/message/send` body that passed validation.
struct VivoSingleMessage: Sendable, Equatable {
    /// The regId, else the alias (regId wins when both are given).
    var target: String
    var content: VivoContent
}

/// A `/message/pushToList` body that passed validation.
struct VivoListPush: Sendable, Equatable {
    /// The regIds, else the aliases.
    var targets: [String]
    var taskID: String
    var requestID: String
    /// nil: the saved payload's.
    var pushMode: Int?
}

/// The body checks of vivo's send, saveListPayload and pushToList calls (VENDORS.md §3.2–3.3), field by field in the
/// documented order. Parameter errors are 10055 naming the field; `category` has its own codes (10096, 10097).
///
/// Pure: no I/O, no shared state. Fields it does not know are collected in `unknownFields`, never rejected; `null`
/// counts as absent, as vivo's Java server reads it.
struct VivoMessageValidator {
    static let maximumIDLength = 64
    static let maximumAliasLength = 70
    static let maximumSkipContentLength = 1024
    static let maximumClientCustomMapLength = 1024
    static let maximumCallbackLength = 128
    static let maximumCallbackParamLength = 64
    static let listSize = 2...1000
    static let systemCategories: Set<String> = ["IM", "ACCOUNT", "TODO", "DEVICE_REMINDER", "ORDER", "SUBSCRIPTION"]
    static let operationCategories: Set<String> = ["NEWS", "CONTENT", "MARKETING", "SOCIAL"]

    static let contentFields: Set<String> = [
        "appId", "notifyType", "title", "content", "timeToLive", "skipType", "skipContent", "networkType",
        "classification", "category", "requestId", "pushMode", "notifyId", "clientCustomMap", "extra", "profileId",
        "sendOnline", "foregroundShow",
    ]
    static let sendFields = contentFields.union(["regId", "alias"])
    static let pushToListFields: Set<String> = ["appId", "regIds", "aliases", "taskId", "requestId", "pushMode"]
    static let extraFields: Set<String> = ["callback", "callback.param", "callback.id"]

    var titleLimit = 40
    var contentLimit = 100
    var maxTimeToLive = 86400

    /// Names of fields not known, in the order met (`foo`, `extra.bar`).
    private(set) var unknownFields: [String] = []

    init(configuration: VivoSimulator.Configuration) {
        self.titleLimit = configuration.titleLimit
        self.contentLimit = configuration.contentLimit
        self.maxTimeToLive = configuration.maxTimeToLive
    }

    // MARK: Calls

    /// `/message/send`: the target (regId or alias), then the content fields.
    mutating func validateSingle(_ body: [String: VendorJSON]) throws(VivoRejection) -> VivoSingleMessage {
        self.collectUnknown(body, known: Self.sendFields)
        let target: String
        if let regID = try Self.string(body, "regId") {
            guard (1...Self.maximumIDLength).contains(regID.count) else {
                throw .invalidParameter("regId", "must be 1 to \(Self.maximumIDLength) characters")
            }
            target = regID
        } else if let alias = try Self.string(body, "alias") {
            guard (1...Self.maximumAliasLength).contains(alias.count) else {
                throw .invalidParameter("alias", "must be 1 to \(Self.maximumAliasLength) characters")
            }
            target = alias
        } else {
            throw .invalidParameter("regId", "is required (or alias)")
        }
        return VivoSingleMessage(target: target, content: try self.validateContent(body))
    }

    /// `/message/saveListPayload`: the content fields (a `regId` there is an unknown field).
    mutating func validateListPayload(_ body: [String: VendorJSON]) throws(VivoRejection) -> VivoContent {
        self.collectUnknown(body, known: Self.contentFields)
        return try self.validateContent(body)
    }

    /// `/message/pushToList`: 2 to 1000 regIds (or aliases), the saved payload's taskId, requestId, pushMode.
    mutating func validateListPush(_ body: [String: VendorJSON]) throws(VivoRejection) -> VivoListPush {
        self.collectUnknown(body, known: Self.pushToListFields)
        let targets: [String]
        if let regIDs = try Self.stringArray(body, "regIds", maximumLength: Self.maximumIDLength) {
            targets = regIDs
        } else if let aliases = try Self.stringArray(body, "aliases", maximumLength: Self.maximumAliasLength) {
            targets = aliases
        } else {
            throw .invalidParameter("regIds", "is required (or aliases)")
        }
        let taskID: String
        switch body["taskId"] {
        case .string(let text)? where !text.isEmpty && text.utf8.allSatisfy(Self.isDigit):
            taskID = text
        case .integer(let value)? where value >= 0:
            taskID = String(value)
        case nil, .null?:
            throw .invalidParameter("taskId", "is required")
        default:
            throw .invalidParameter("taskId", "must be the taskId of saveListPayload")
        }
        let requestID = try Self.requestID(body)
        let pushMode = try Self.integer(body, "pushMode", in: 0...1).map(Int.init)
        return VivoListPush(targets: targets, taskID: taskID, requestID: requestID, pushMode: pushMode)
    }

    // MARK: Content fields

    private mutating func validateContent(_ body: [String: VendorJSON]) throws(VivoRejection) -> VivoContent {
        guard try Self.integer(body, "notifyType", in: 1...4) != nil else {
            throw .invalidParameter("notifyType", "is required (1 to 4)")
        }
        try Self.requiredText(body, "title", limit: self.titleLimit)
        try Self.requiredText(body, "content", limit: self.contentLimit)
        _ = try Self.integer(body, "timeToLive", in: 60...Int64(self.maxTimeToLive))
        guard let skipType = try Self.integer(body, "skipType", in: 1...4) else {
            throw .invalidParameter("skipType", "is required (1 to 4)")
        }
        let skipContent = try Self.string(body, "skipContent")
        if let skipContent, skipContent.count > Self.maximumSkipContentLength {
            throw .invalidParameter("skipContent", "must be at most \(Self.maximumSkipContentLength) characters")
        }
        if skipType != 1, skipContent?.isEmpty ?? true {
            throw .invalidParameter("skipContent", "is required when skipType is \(skipType)")
        }
        if let networkType = try Self.integer(body, "networkType", in: -1...1), networkType == 0 {
            throw .invalidParameter("networkType", "must be -1 or 1")
        }
        let classification = Int(try Self.integer(body, "classification", in: 0...1) ?? 0)
        if let category = try Self.string(body, "category"), !category.isEmpty {
            let isSystem = Self.systemCategories.contains(category)
            guard isSystem || Self.operationCategories.contains(category) else { throw .categoryInvalid }
            guard isSystem == (classification == 1) else { throw .categoryMismatch }
        }
        let requestID = try Self.requestID(body)
        let pushMode = Int(try Self.integer(body, "pushMode", in: 0...1) ?? 0)
        _ = try Self.integer(body, "notifyId", in: 1...Int64(Int32.max))
        try Self.checkClientCustomMap(body["clientCustomMap"])
        try self.checkExtra(body["extra"])
        if let profileID = try Self.string(body, "profileId"), profileID.count > Self.maximumIDLength {
            throw .invalidParameter("profileId", "must be at most \(Self.maximumIDLength) characters")
        }
        for field in ["sendOnline", "foregroundShow"] {
            switch body[field] {
            case nil, .null?, .bool?: break
            default: throw .invalidParameter(field, "must be true or false")
            }
        }
        return VivoContent(classification: classification, pushMode: pushMode, requestID: requestID)
    }

    private static func checkClientCustomMap(_ value: VendorJSON?) throws(VivoRejection) {
        switch value {
        case nil, .null?:
            return
        case .object(let map)?:
            var length = 0
            for (key, value) in map {
                guard let text = value.stringValue else {
                    throw .invalidParameter("clientCustomMap", "values must be strings")
                }
                length += key.count + text.count
            }
            guard length <= Self.maximumClientCustomMapLength else {
                throw .invalidParameter(
                    "clientCustomMap",
                    "keys and values must total at most \(Self.maximumClientCustomMapLength) characters"
                )
            }
        default:
            throw .invalidParameter("clientCustomMap", "must be an object of strings")
        }
    }

    private mutating func checkExtra(_ value: VendorJSON?) throws(VivoRejection) {
        switch value {
        case nil, .null?:
            return
        case .object(let extra)?:
            for key in extra.keys.sorted() where !Self.extraFields.contains(key) {
                self.unknownFields.append("extra." + key)
            }
            let limits = [
                ("callback", Self.maximumCallbackLength), ("callback.param", Self.maximumCallbackParamLength),
                ("callback.id", Self.maximumIDLength),
            ]
            for (key, limit) in limits {
                guard let text = try Self.string(extra, key, path: "extra." + key) else { continue }
                guard text.count <= limit else {
                    throw .invalidParameter("extra." + key, "must be at most \(limit) characters")
                }
            }
        default:
            throw .invalidParameter("extra", "must be an object")
        }
    }

    // MARK: Field readers

    private mutating func collectUnknown(_ body: [String: VendorJSON], known: Set<String>) {
        for key in body.keys.sorted() where !known.contains(key) {
            self.unknownFields.append(key)
        }
    }

    private static func requestID(_ body: [String: VendorJSON]) throws(VivoRejection) -> String {
        guard let requestID = try Self.string(body, "requestId"), !requestID.isEmpty else {
            throw .invalidParameter("requestId", "is required")
        }
        guard requestID.count <= Self.maximumIDLength else {
            throw .invalidParameter("requestId", "must be at most \(Self.maximumIDLength) characters")
        }
        return requestID
    }

    /// A required string of 1 to `limit` characters, counted in UTF-16 code units as Java's `String.length()`.
    private static func requiredText(_ body: [String: VendorJSON], _ key: String, limit: Int) throws(VivoRejection) {
        guard let text = try Self.string(body, key), !text.isEmpty else {
            throw .invalidParameter(key, "is required")
        }
        guard text.utf16.count <= limit else {
            throw .invalidParameter(key, "must be at most \(limit) characters")
        }
    }

    /// The string at `key`; nil when absent or null; 10055 for another type.
    private static func string(
        _ object: [String: VendorJSON],
        _ key: String,
        path: String? = nil
    ) throws(VivoRejection) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw .invalidParameter(path ?? key, "must be a string")
        }
    }

    /// The integer at `key` within `range`; nil when absent or null; 10055 for another type or out of range.
    private static func integer(
        _ object: [String: VendorJSON],
        _ key: String,
        in range: ClosedRange<Int64>
    ) throws(VivoRejection) -> Int64? {
        switch object[key] {
        case nil, .null?:
            return nil
        case .integer(let value)? where range.contains(value):
            return value
        default:
            throw .invalidParameter(key, "must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
    }

    /// An array of `listSize` non-empty strings of at most `maximumLength` characters; nil when absent or null.
    private static func stringArray(
        _ object: [String: VendorJSON],
        _ key: String,
        maximumLength: Int
    ) throws(VivoRejection) -> [String]? {
        switch object[key] {
        case nil, .null?:
            return nil
        case .array(let elements)?:
            guard Self.listSize.contains(elements.count) else {
                throw .invalidParameter(
                    key,
                    "must hold \(Self.listSize.lowerBound) to \(Self.listSize.upperBound) entries, not \(elements.count)"
                )
            }
            var strings: [String] = []
            strings.reserveCapacity(elements.count)
            for element in elements {
                guard case .string(let text) = element, (1...maximumLength).contains(text.count) else {
                    throw .invalidParameter(key, "entries must be strings of 1 to \(maximumLength) characters")
                }
                strings.append(text)
            }
            return strings
        default:
            throw .invalidParameter(key, "must be an array of strings")
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
