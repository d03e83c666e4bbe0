/// A send request that passed validation, reduced to what the simulator acts on.
struct XiaomiMessage: Sendable, Equatable {
    /// The regids of `registration_id`, in order.
    var regids: [String]
    /// `notify_id`, when given: with the regid, what would replace an earlier notification on the device.
    var notifyID: Int64?
}

/// The form checks of Xiaomi's `/v{2,3,4}/message/regid` after authentication, in the simulator's order
/// (VENDORS.md §2.2): package name (22022), regids (10016 / 10017), then the message fields (10016, 10017, 65009,
/// 27001, 65014, 65015).
///
/// Pure: no I/O, no shared state. Unknown top-level fields are reported by `unknownFields(in:)`, never rejected.
struct XiaomiMessageValidator: Sendable {
    static let maximumRegids = 1000
    /// `title` must be shorter than this (every Character counts 1).
    static let titleLimit = 50
    /// `description` must be shorter than this.
    static let descriptionLimit = 128
    static let maximumCustomExtras = 10
    static let maximumCustomExtraLength = 1024
    /// `time_to_send` may be at most this far ahead.
    static let maximumScheduleMilliseconds: Int64 = 7 * 86_400_000

    /// The top-level fields of a regid send besides `extra.*`.
    static let knownFields: Set<String> = [
        "registration_id", "restricted_package_name", "pass_through", "title", "description", "payload",
        "notify_type", "time_to_live", "time_to_send", "notify_id",
    ]

    /// The `extra.` keys Xiaomi documents; every other `extra.` key is a custom one (limited in number and length).
    static let documentedExtras: Set<String> = [
        "channel_id", "notify_effect", "intent_uri", "web_uri", "notify_foreground", "sound_uri", "ticker", "badge",
        "only_send_once", "jobkey", "callback", "callback.param", "callback.type", "locale", "locale_not_in", "model",
        "model_not_in", "app_version", "app_version_not_in", "connpt", "flow_control",
    ]

    /// When set, a notification's `extra.channel_id` must be one of these (27001 otherwise).
    var channels: Set<String>?
    /// The largest `time_to_live` accepted, in milliseconds.
    var maximumTimeToLiveMilliseconds: Int64

    /// The top-level field names that are neither known nor `extra.*`, sorted.
    static func unknownFields(in fields: [String: String]) -> [String] {
        fields.keys.filter { !Self.knownFields.contains($0) && !$0.hasPrefix("extra.") }.sorted()
    }

    /// Validates `fields` for an app owning `packages`; `allowsPackageList` is true on v3 and v4, where
    /// `restricted_package_name` may list several packages; `nowMilliseconds` bounds `time_to_send`.
    func validate(
        _ fields: [String: String],
        packages: Set<String>,
        allowsPackageList: Bool,
        nowMilliseconds: Int64
    ) -> Result<XiaomiMessage, XiaomiRejection> {
        // 2. Package name.
        guard let packageField = fields["restricted_package_name"], !packageField.isEmpty else {
            return .failure(.invalidPackageName("(missing)"))
        }
        let requested = packageField.split(separator: ",", omittingEmptySubsequences: false)
        if requested.count > 1 && !allowsPackageList {
            return .failure(.invalidPackageName(packageField))
        }
        for package in requested where !packages.contains(String(package)) {
            return .failure(.invalidPackageName(String(package)))
        }

        // 3. Regids.
        let regids = (fields["registration_id"] ?? "").split(separator: ",").map(String.init)
        guard !regids.isEmpty else { return .failure(.missingParameter("registration_id")) }
        // 10017 for more than 1000 is assumed: Xiaomi documents the batch size, not the code for exceeding it.
        guard regids.count <= Self.maximumRegids else {
            return .failure(.invalidParameter("registration_id", "more than \(Self.maximumRegids) regids"))
        }

        // 4. Message fields.
        let isNotification: Bool
        switch fields["pass_through"] {
        case nil, "0"?: isNotification = true
        case "1"?: isNotification = false
        default: return .failure(.invalidParameter("pass_through", "must be 0 or 1"))
        }
        if let rejection = self.checkFields(fields, isNotification: isNotification, nowMilliseconds: nowMilliseconds) {
            return .failure(rejection)
        }
        let notifyID = fields["notify_id"].flatMap { Int64($0) }
        return .success(XiaomiMessage(regids: regids, notifyID: notifyID))
    }

    private func checkFields(
        _ fields: [String: String],
        isNotification: Bool,
        nowMilliseconds: Int64
    ) -> XiaomiRejection? {
        if isNotification {
            // A blank title counting as missing (10016) is assumed; Xiaomi only says "not all blank".
            guard let title = fields["title"], !Self.isBlank(title) else { return .missingParameter("title") }
            if title.count >= Self.titleLimit { return .contentTooLong("title", limit: Self.titleLimit) }
            if let description = fields["description"], description.count >= Self.descriptionLimit {
                return .contentTooLong("description", limit: Self.descriptionLimit)
            }
        }
        if let text = fields["notify_type"] {
            guard let value = Int64(text), (-1...7).contains(value) else {
                return .invalidParameter("notify_type", "must be an integer from -1 to 7")
            }
        }
        if let text = fields["time_to_live"] {
            guard let value = Int64(text), value > 0, value <= self.maximumTimeToLiveMilliseconds else {
                return .invalidParameter(
                    "time_to_live",
                    "must be milliseconds from 1 to \(self.maximumTimeToLiveMilliseconds)"
                )
            }
        }
        if let text = fields["time_to_send"] {
            guard let value = Int64(text), value >= 0, value <= nowMilliseconds + Self.maximumScheduleMilliseconds
            else {
                return .invalidParameter("time_to_send", "must be epoch milliseconds at most 7 days ahead")
            }
        }
        if let text = fields["notify_id"] {
            guard let value = Int64(text), (0...Int64(Int32.max)).contains(value) else {
                return .invalidParameter("notify_id", "must be an integer from 0 to 2147483647")
            }
        }
        if let rejection = Self.checkNotifyEffect(fields) { return rejection }
        if isNotification, let channels = self.channels {
            let channelID = fields["extra.channel_id"]
            guard let channelID, channels.contains(channelID) else { return .channelMismatch(channelID) }
        }
        return Self.checkCustomExtras(fields)
    }

    private static func checkNotifyEffect(_ fields: [String: String]) -> XiaomiRejection? {
        guard let effect = fields["extra.notify_effect"] else { return nil }
        switch effect {
        case "1":
            return nil
        case "2":
            if fields["extra.intent_uri"]?.isEmpty ?? true {
                return .invalidParameter("extra.notify_effect", "2 needs extra.intent_uri")
            }
            return nil
        case "3":
            if fields["extra.web_uri"]?.isEmpty ?? true {
                return .invalidParameter("extra.notify_effect", "3 needs extra.web_uri")
            }
            return nil
        default:
            return .invalidParameter("extra.notify_effect", "must be 1, 2 or 3")
        }
    }

    private static func checkCustomExtras(_ fields: [String: String]) -> XiaomiRejection? {
        var custom: [(key: Substring, value: String)] = []
        for (name, value) in fields where name.hasPrefix("extra.") {
            let key = name.dropFirst("extra.".count)
            if !Self.documentedExtras.contains(String(key)) { custom.append((key, value)) }
        }
        if custom.count > Self.maximumCustomExtras { return .tooManyCustomExtras }
        // Sorted, so the key named does not depend on dictionary order.
        for extra in custom.sorted(by: { $0.key < $1.key })
        where extra.key.count + extra.value.count > Self.maximumCustomExtraLength {
            return .customExtraTooLong(String(extra.key))
        }
        return nil
    }

    private static func isBlank(_ text: String) -> Bool {
        text.allSatisfy(\.isWhitespace)
    }
}
