import Foundation
import PushgateCore

/// The body of `POST /v1/notifications`, checked field by field.
///
/// ```json
/// {"notification": {"title": "Hi", "body": "…", "badge": 1, "sound": "default", "data": {…}},
///  "options": {"priority": "high", "ttl": 3600, "collapse_key": "chat-1", "push_type": "alert"},
///  "overrides": {"apns": {…raw JSON merged over the built payload…}},
///  "targets": [{"vendor": "apns", "token": "…", "environment": "sandbox"}]}
/// ```
///
/// Parsing reports every problem it finds, each with the path of the field at fault, and
/// refuses unknown keys: a misspelt `colapse_key` silently ignored would be a bug report later.
/// What only a vendor knows (token format, payload size) is checked afterwards by its adapter.
struct NotificationRequest: Sendable {
    var notification: PushgateCore.Notification
    var targets: [DeviceTarget]

    /// Longest `ttl` accepted, and furthest `expiration`: no vendor keeps a notification
    /// longer than a few weeks, and a bound keeps date arithmetic far from overflow.
    static let maxTTL = 366 * 86_400

    static let topLevelKeys: Set<String> = ["notification", "options", "overrides", "targets"]
    static let notificationKeys: Set<String> = [
        "title", "subtitle", "body", "badge", "sound", "data", "category", "thread_id", "mutable_content",
        "content_available", "interruption_level", "relevance_score",
    ]
    static let soundKeys: Set<String> = ["name", "critical", "volume"]
    static let optionKeys: Set<String> = ["priority", "ttl", "expiration", "collapse_key", "push_type"]
    static let targetKeys: Set<String> = ["vendor", "token", "environment"]
    static let interruptionLevels = ["passive", "active", "time-sensitive", "critical"]
    static let environments = DeviceTarget.Environment.allCases.map(\.rawValue)
    static let pushTypes = PushgateCore.Notification.PushType.allCases.map(\.rawValue)
    /// Parses the request body. `knownVendors` are what `overrides` may name: the registry's
    /// vendors, configured for the app or not (an override for a vendor not targeted is
    /// harmless; a misspelt vendor is an error). `now` is the acceptance time, for
    /// `expiration` in the past. Throws `validation-failed` listing every field at fault, or
    /// `too-many-targets`.
    static func parse(
        _ body: JSONValue, maxTargets: Int, knownVendors: Set<Vendor>, now: Date
    ) throws(ProblemDocument) -> NotificationRequest {
        var reader = FieldReader()
        guard let root = reader.object(body, at: "", allowed: Self.topLevelKeys) else {
            throw ProblemDocument.validation(reader.errors)
        }

        // Checked first and alone: a thousand per-target errors would bury the real problem.
        if case .array(let targets)? = root["targets"], targets.count > maxTargets {
            throw ProblemDocument(
                .tooManyTargets,
                detail: "at most \(maxTargets) targets per request, got \(targets.count); split the request",
                errors: [.init(field: "targets", detail: "at most \(maxTargets) targets, got \(targets.count)")]
            )
        }

        var notification = PushgateCore.Notification()
        if let value = root["notification"] {
            Self.readNotification(value, into: &notification, reader: &reader)
        } else {
            reader.fail("notification", "required")
        }
        if let value = root["options"] {
            Self.readOptions(value, into: &notification, now: now, reader: &reader)
        }
        if let value = root["overrides"] {
            Self.readOverrides(value, into: &notification, knownVendors: knownVendors, reader: &reader)
        }
        let targets = Self.readTargets(root["targets"], reader: &reader)

        guard reader.errors.isEmpty else { throw ProblemDocument.validation(reader.errors) }
        return NotificationRequest(notification: notification, targets: targets)
    }

    /// When the deliveries stop being worth sending: the caller's `expiration`, else
    /// acceptance plus `ttl` (0 included: now or never) or the app's default TTL.
    func expiresAt(acceptedAt: Date, defaultTTL: Duration) -> Date {
        if let expiration = self.notification.expiration { return expiration }
        if let ttl = self.notification.timeToLive { return acceptedAt.addingTimeInterval(TimeInterval(ttl)) }
        let (seconds, attoseconds) = defaultTTL.components
        return acceptedAt.addingTimeInterval(TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18)
    }

    // MARK: Sections

    private static func readNotification(
        _ value: JSONValue, into notification: inout PushgateCore.Notification, reader: inout FieldReader
    ) {
        let path = "notification"
        guard let fields = reader.object(value, at: path, allowed: Self.notificationKeys) else { return }
        notification.title = reader.string(fields, "title", in: path)
        notification.subtitle = reader.string(fields, "subtitle", in: path)
        notification.body = reader.string(fields, "body", in: path)
        notification.badge = reader.integer(fields, "badge", in: path, range: 0...Int(Int32.max))
        notification.category = reader.string(fields, "category", in: path)
        notification.threadID = reader.string(fields, "thread_id", in: path)
        notification.mutableContent = reader.bool(fields, "mutable_content", in: path) ?? false
        notification.contentAvailable = reader.bool(fields, "content_available", in: path) ?? false
        notification.interruptionLevel = reader.oneOf(
            fields, "interruption_level", in: path, Self.interruptionLevels)
        notification.relevanceScore = reader.number(fields, "relevance_score", in: path, range: 0...1)
        if let data = fields["data"], data != .null {
            if case .object(let members) = data {
                notification.data = members
            } else {
                reader.fail("\(path).data", "must be an object")
            }
        }
        notification.sound = Self.readSound(fields["sound"], path: "\(path).sound", reader: &reader)
    }

    /// `"default"`, or `{"name": "alarm.caf", "critical": true, "volume": 0.8}`. The path is
    /// formatted only for an error, as `FieldReader` does.
    private static func readSound(
        _ value: JSONValue?, path: @autoclosure () -> String, reader: inout FieldReader
    ) -> PushgateCore.Notification.Sound? {
        switch value {
        case nil, .null?:
            return nil
        case .string(let name)?:
            guard !name.isEmpty else {
                reader.fail(path(), "must not be empty")
                return nil
            }
            return .init(name: name)
        case .object?:
            guard let fields = reader.object(value, at: path(), allowed: Self.soundKeys) else { return nil }
            let name = reader.string(fields, "name", in: path(), allowEmpty: false, required: true)
            let critical = reader.bool(fields, "critical", in: path()) ?? false
            let volume = reader.number(fields, "volume", in: path(), range: 0...1)
            return name.map { .init(name: $0, critical: critical, volume: volume) }
        default:
            reader.fail(path(), "must be a string or an object with name, critical and volume")
            return nil
        }
    }

    private static func readOptions(
        _ value: JSONValue, into notification: inout PushgateCore.Notification, now: Date,
        reader: inout FieldReader
    ) {
        let path = "options"
        guard let fields = reader.object(value, at: path, allowed: Self.optionKeys) else { return }
        notification.priority = reader.oneOf(fields, "priority", in: path, ["high", "normal", "low"])
            .flatMap(PushgateCore.Notification.Priority.init(rawValue:))
        notification.timeToLive = reader.integer(fields, "ttl", in: path, range: 0...Self.maxTTL)
        notification.collapseKey = reader.string(fields, "collapse_key", in: path, allowEmpty: false)
        notification.pushType = reader.oneOf(fields, "push_type", in: path, Self.pushTypes)
            .map(PushgateCore.Notification.PushType.init(rawValue:))

        switch fields["expiration"] {
        case nil, .null?:
            break
        case .string(let text)?:
            if let date = RFC3339.parse(text) {
                notification.expiration = date
            } else {
                reader.fail(
                    "\(path).expiration", "must be an RFC 3339 date-time (2025-06-01T12:00:00Z) or unix seconds")
            }
        case .integer(let seconds)? where seconds >= 0:
            notification.expiration = Date(timeIntervalSince1970: TimeInterval(seconds))
        case .number(let seconds)? where seconds >= 0 && seconds == seconds.rounded():
            // 1700000000.0 is an integer written differently (JSON Schema agrees). Clamped: any
            // value that large is refused below as too far away.
            notification.expiration = Date(timeIntervalSince1970: min(seconds, 1e15))
        default:
            reader.fail("\(path).expiration", "must be an RFC 3339 date-time (2025-06-01T12:00:00Z) or unix seconds")
        }
        if let expiration = notification.expiration {
            if notification.timeToLive != nil {
                reader.fail(path, "give ttl or expiration, not both")
            } else if expiration <= now {
                reader.fail("\(path).expiration", "is in the past")
            } else if expiration.timeIntervalSince(now) > TimeInterval(Self.maxTTL) {
                // The same bound as `ttl`; without it a far date (9999, 2^62 s) overflows the
                // store's millisecond arithmetic.
                reader.fail("\(path).expiration", "is more than \(Self.maxTTL / 86_400) days away")
            }
        }
    }

    private static func readOverrides(
        _ value: JSONValue, into notification: inout PushgateCore.Notification, knownVendors: Set<Vendor>,
        reader: inout FieldReader
    ) {
        let path = "overrides"
        let allowed = Set(knownVendors.map(\.rawValue))
        guard let fields = reader.object(value, at: path, allowed: allowed) else { return }
        for (name, override) in fields.sorted(by: { $0.key < $1.key }) where override != .null {
            guard case .object = override else {
                reader.fail("\(path).\(name)", "must be an object (raw \(name) JSON merged over the built payload)")
                continue
            }
            notification.overrides[Vendor(rawValue: name)] = override
        }
    }

    private static func readTargets(_ value: JSONValue?, reader: inout FieldReader) -> [DeviceTarget] {
        guard let value, value != .null else {
            reader.fail("targets", "required: at least one {vendor, token}")
            return []
        }
        guard case .array(let elements) = value else {
            reader.fail("targets", "must be an array of {vendor, token, environment}")
            return []
        }
        guard !elements.isEmpty else {
            reader.fail("targets", "at least one target")
            return []
        }
        var targets: [DeviceTarget] = []
        targets.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let path = { "targets[\(index)]" }
            guard let fields = reader.object(element, at: path(), allowed: Self.targetKeys) else { continue }
            let vendor = reader.string(fields, "vendor", in: path(), allowEmpty: false, required: true)
            let token = reader.string(fields, "token", in: path(), allowEmpty: false, required: true)
            let environment = reader.oneOf(fields, "environment", in: path(), Self.environments)
            if let vendor, let token {
                targets.append(
                    DeviceTarget(
                        vendor: Vendor(rawValue: vendor),
                        token: token,
                        environment: environment.flatMap(DeviceTarget.Environment.init(rawValue:)) ?? .production
                    ))
            }
        }
        return targets
    }
}
