/// The fault rules, prepared for a cheap lookup on every request.
struct APNSFaultTable: Sendable {
    private struct Entry: Sendable {
        var prefix: [UInt8]  // lower-cased ASCII
        var fault: APNSSimulator.Fault
    }

    private let entries: [Entry]
    private let hasRefuseStream: Bool

    init(rules: [APNSSimulator.FaultRule], slowResponseDelay: Duration) {
        self.entries = rules.map { rule in
            let fault: APNSSimulator.Fault = rule.fault == .slow ? .delay(slowResponseDelay) : rule.fault
            return Entry(prefix: rule.tokenPrefix.utf8.map(Self.lowercased), fault: fault)
        }
        self.hasRefuseStream = rules.contains { $0.fault == .refuseStream }
    }

    /// The first rule's fault whose prefix starts the device token; `slow` comes back as `delay`.
    func fault(forDeviceToken token: Substring) -> APNSSimulator.Fault? {
        let utf8 = token.utf8
        for entry in self.entries where Self.hasPrefix(utf8, entry.prefix) {
            return entry.fault
        }
        return nil
    }

    /// Whether the stream must be refused before anything else is looked at.
    func refusesStream(forDeviceToken token: Substring) -> Bool {
        self.hasRefuseStream && self.fault(forDeviceToken: token) == .refuseStream
    }

    private static func hasPrefix(_ token: Substring.UTF8View, _ prefix: [UInt8]) -> Bool {
        guard !prefix.isEmpty else { return false }
        var index = token.startIndex
        for expected in prefix {
            guard index != token.endIndex, Self.lowercased(token[index]) == expected else { return false }
            index = token.index(after: index)
        }
        return true
    }

    @inline(__always)
    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
