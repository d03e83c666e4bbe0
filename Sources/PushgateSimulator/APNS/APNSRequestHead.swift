import NIOHPACK

/// The request header fields the simulator looks at, read in one pass over the HPACK block.
///
/// Repeats of `authorization` or any `apns-*` field are noted rather than rejected here, so the validator can answer
/// `DuplicateHeaders` in its place in the order of checks.
struct APNSRequestHead: Sendable {
    var method: String?
    var path: String?
    var authorization: String?
    var apnsID: String?
    var pushType: String?
    var priority: String?
    var expiration: String?
    var collapseID: String?
    var topic: String?
    var hasDuplicateHeaders = false

    init() {}

    init(headers: HPACKHeaders) {
        // Names of unfamiliar apns-* fields, kept only when one appears (rare), to spot their repeats too.
        var otherAPNSFields: [String] = []
        for (name, value, _) in headers {
            switch name {
            case ":method": self.method = value
            case ":path": self.path = value
            case "authorization": Self.set(&self.authorization, value, &self.hasDuplicateHeaders)
            case "apns-id": Self.set(&self.apnsID, value, &self.hasDuplicateHeaders)
            case "apns-push-type": Self.set(&self.pushType, value, &self.hasDuplicateHeaders)
            case "apns-priority": Self.set(&self.priority, value, &self.hasDuplicateHeaders)
            case "apns-expiration": Self.set(&self.expiration, value, &self.hasDuplicateHeaders)
            case "apns-collapse-id": Self.set(&self.collapseID, value, &self.hasDuplicateHeaders)
            case "apns-topic": Self.set(&self.topic, value, &self.hasDuplicateHeaders)
            default:
                if name.utf8.starts(with: "apns-".utf8) {
                    if otherAPNSFields.contains(name) {
                        self.hasDuplicateHeaders = true
                    } else {
                        otherAPNSFields.append(name)
                    }
                }
            }
        }
    }

    /// The simulator's own control endpoints (`/_sim/...`), which need no authentication and are not counted.
    var isSimulatorEndpoint: Bool {
        self.path?.utf8.starts(with: "/_sim/".utf8) ?? false
    }

    /// The device token part of a `/3/device/<token>` path, if the path has that shape (the token may be empty).
    var deviceTokenInPath: Substring? {
        guard let path = self.path, path.utf8.starts(with: Self.devicePathPrefix.utf8) else { return nil }
        return path[path.utf8.index(path.startIndex, offsetBy: Self.devicePathPrefix.utf8.count)...]
    }

    static let devicePathPrefix = "/3/device/"

    @inline(__always)
    private static func set(_ field: inout String?, _ value: String, _ duplicate: inout Bool) {
        if field != nil { duplicate = true }
        field = value
    }
}
