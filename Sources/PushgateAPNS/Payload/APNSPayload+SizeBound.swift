import PushgateCore

extension APNSPayload {
    /// Every key name, quote, colon, comma and brace the payload's own fields can add (about
    /// 300 bytes if all of them are present), with room to spare.
    private static let fixedSizeBound = 1024

    /// The most bytes `APNSRequestBuilder.encodePayload` can write for `notification`,
    /// counted without building it; nil if it could not write it at all. The user's values
    /// count at their worst escaping, and the override counts in full even where it replaces
    /// one of ours.
    static func sizeBound(of notification: PushgateCore.Notification) -> Int? {
        var total = Self.fixedSizeBound
        var finite = true
        // Local functions, not arrays of the fields: this runs for every accepted target.
        func add(_ text: String?) {
            if let text { total += JSONValue.encodedSizeBound(of: text) }
        }
        func add(_ number: Double?) {
            guard let number else { return }
            finite = finite && number.isFinite
            total += JSONValue.numberSizeBound
        }
        add(notification.title)
        add(notification.subtitle)
        add(notification.body)
        add(notification.sound?.name)
        add(notification.threadID)
        add(notification.category)
        add(notification.interruptionLevel)
        add(notification.sound?.volume)
        add(notification.relevanceScore)
        if notification.badge != nil { total += JSONValue.integerSizeBound }
        guard finite else { return nil }
        guard let data = JSONValue.object(notification.data).encodedSizeBound else { return nil }
        total += data
        if let override = notification.overrides[.apns] {
            guard let size = override.encodedSizeBound else { return nil }
            total += size
        }
        return total
    }
}
