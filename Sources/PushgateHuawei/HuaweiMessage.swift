import NIOCore
import PushgateCore

/// One Huawei message for any number of tokens: the `message` object without `token`, already
/// checked, serialised once per batch.
struct HuaweiMessage: Sendable {
    /// The compact `message` object without `token` (Huawei's 4,096-byte limit applies to this).
    var messageBytes: [UInt8]
    var validateOnly: Bool

    /// `{"validate_only":…,"message":{…,"token":[…]}}`: the tokens are spliced into the
    /// serialised message rather than serialising it once more per batch.
    func body(tokens: [String]) -> ByteBuffer {
        var output: [UInt8] = []
        output.reserveCapacity(self.messageBytes.count + 40 + tokens.reduce(0) { $0 + $1.utf8.count + 3 })
        output.append(contentsOf: #"{"validate_only":"#.utf8)
        output.append(contentsOf: (self.validateOnly ? "true" : "false").utf8)
        output.append(contentsOf: #","message":"#.utf8)
        output.append(contentsOf: self.messageBytes.dropLast())  // the message's closing brace
        if self.messageBytes.count > 2 { output.append(UInt8(ascii: ",")) }
        output.append(contentsOf: #""token":["#.utf8)
        for (index, token) in tokens.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(token, into: &output)
        }
        output.append(contentsOf: "]}}".utf8)
        return ByteBuffer(bytes: output)
    }
}

/// Why a notification cannot be sent to Huawei as it stands, found before sending.
struct HuaweiMessageProblem: Error, Sendable {
    var reason: OutcomeReason
    var detail: String

    var report: DeliveryReport {
        DeliveryReport(outcome: .permanent(reason: self.reason), vendorReason: self.detail)
    }
}
