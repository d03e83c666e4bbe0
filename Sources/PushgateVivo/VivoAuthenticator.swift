import Crypto
import Foundation
import Logging
import NIOCore
import PushgateCore
import PushgateHTTPVendor

/// vivo's auth call (VENDORS.md §3.1): `POST /message/auth` with the app id, key, a millisecond
/// timestamp and `sign` = lower-case hex MD5 of appId + appKey + timestamp + appSecret, answered
/// `{"result":0,"authToken":"…"}`. The token lives 24 hours; vivo asks for a renewal every 1–2
/// hours, so it is treated as living 2.
enum VivoAuthenticator {
    static let renewal: Duration = .seconds(7200)

    static func sign(appID: String, appKey: String, timestamp: Int64, appSecret: String) -> String {
        let text = (appID + appKey + String(timestamp) + appSecret).trimmingCharacters(in: .whitespaces)
        return Insecure.MD5.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func fetch(
        configuration: VivoConfiguration, transport: VendorHTTPTransport, now: Date, logger: Logger
    ) async -> Result<AccessTokenCache.Grant, AccessTokenCache.Failure> {
        let timestamp = Int64(now.timeIntervalSince1970 * 1000)
        let body: JSONValue = .object([
            "appId": .string(configuration.appID), "appKey": .string(configuration.appKey),
            "timestamp": .integer(Int(timestamp)),
            "sign": .string(
                Self.sign(
                    appID: configuration.appID, appKey: configuration.appKey, timestamp: timestamp,
                    appSecret: configuration.appSecret)),
        ])
        let request = VendorHTTPRequest.json(
            url: configuration.endpoint + "/message/auth",
            body: ByteBuffer(bytes: (try? JSONWriter.bytes(body)) ?? []))
        switch await transport.send(request, logger: logger) {
        case .failed(let stage, let detail):
            return .failure(.init(.unavailable, "auth: \(stage.rawValue): \(detail)"))
        case .answered(let response):
            let answer = VivoAnswer(response)
            if answer.result == 0, let token = answer.object?["authToken"] as? String, !token.isEmpty {
                return .success(.init(token: token, lifetime: Self.renewal))
            }
            let detail =
                "auth refused: result \(answer.result.map(String.init) ?? "HTTP \(response.status.code)") \(answer.description ?? "")"
            // 10072 is vivo's rate limit, 5xx its trouble; anything else is the app's id, key or secret (or the clock).
            let unavailable = answer.result == 10072 || response.status.code >= 500
            return .failure(.init(unavailable ? .unavailable : .rejected, detail))
        }
    }
}

/// vivo's answers: `{"result":N,"desc":"…",…}` (HTTP 200 for its business errors).
struct VivoAnswer {
    var object: [String: Any]?
    var result: Int?
    var description: String?

    init(_ response: VendorHTTPResponse) {
        self.object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any]
        switch self.object?["result"] {
        case let number as NSNumber: self.result = number.intValue
        case let text as String: self.result = Int(text)
        default: self.result = nil
        }
        self.description = self.object?["desc"] as? String
    }

    var taskID: String? {
        switch self.object?["taskId"] {
        case let text as String: text
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    /// `invalidUser` (single send) and `invalidUsers` (list send): regId → status.
    var invalidUsers: [String: Int] {
        var users: [String: Int] = [:]
        var entries = self.object?["invalidUsers"] as? [[String: Any]] ?? []
        if let single = self.object?["invalidUser"] as? [String: Any] { entries.append(single) }
        for entry in entries {
            guard let user = entry["userid"] as? String else { continue }
            users[user] = (entry["status"] as? NSNumber)?.intValue ?? 1
        }
        return users
    }
}
