import NIOCore
import PushgateCore

/// One vivo message: the content fields every request of a notification shares (without
/// `appId`, `regId(s)`, `requestId`, `taskId`), already checked.
struct VivoMessage: Sendable {
    var content: [String: JSONValue]

    var isOperation: Bool { self.content["classification"] == .integer(0) }
    var pushMode: Int { self.content["pushMode"] == .integer(1) ? 1 : 0 }

    /// `/message/send`: the content for one regId.
    func single(appID: String, regID: String, requestID: String) -> ByteBuffer {
        var body = self.content
        body["appId"] = .string(appID)
        body["regId"] = .string(regID)
        body["requestId"] = .string(requestID)
        return Self.encode(body)
    }

    /// `/message/saveListPayload`: the content alone, stored by vivo under a taskId.
    func listPayload(appID: String, requestID: String) -> ByteBuffer {
        var body = self.content
        body["appId"] = .string(appID)
        body["requestId"] = .string(requestID)
        return Self.encode(body)
    }

    /// `/message/pushToList`: the stored content to 2…1,000 regIds.
    func pushToList(appID: String, regIDs: [String], taskID: String, requestID: String) -> ByteBuffer {
        Self.encode([
            "appId": .string(appID), "regIds": .array(regIDs.map { .string($0) }), "taskId": .string(taskID),
            "requestId": .string(requestID), "pushMode": .integer(self.pushMode),
        ])
    }

    private static func encode(_ object: [String: JSONValue]) -> ByteBuffer {
        // Every value comes from JSON or our own strings, so the writer cannot fail.
        ByteBuffer(bytes: (try? JSONWriter.bytes(.object(object))) ?? Array("{}".utf8))
    }
}

/// Why a notification cannot be sent to vivo as it stands, found before sending.
struct VivoMessageProblem: Error, Sendable {
    var reason: OutcomeReason
    var detail: String

    var report: DeliveryReport {
        DeliveryReport(outcome: .permanent(reason: self.reason), vendorReason: self.detail)
    }
}
