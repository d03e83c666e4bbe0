import Crypto
import Foundation
import NIOConcurrencyHelpers
import PushgateTestSupport

@testable import PushgateSimulator

/// A vivo simulator on an ephemeral port with fresh certificates, driven with the real curl over TLS.
struct VivoHarness: VendorHarness {
    static let vendor = "vivo"
    static let appID = "10001"
    static let appKey = "demo-app-key"
    static let appSecret = "demo-app-secret"

    let simulator: VivoSimulator
    let caFile: String
    /// The simulator's wall clock, for auth timestamps that it accepts.
    let now: @Sendable () -> Date

    init(simulator: VivoSimulator, caFile: String, configuration: VivoSimulator.Configuration) {
        self.simulator = simulator
        self.caFile = caFile
        self.now = configuration.now
    }

    /// The simulator's clock in milliseconds since the epoch.
    func timestamp() -> Int64 {
        Int64((self.now().timeIntervalSince1970 * 1000).rounded())
    }

    /// Lowercase hex md5 of the concatenation, computed here independently of the simulator.
    static func sign(appID: String, appKey: String, timestamp: String, appSecret: String) -> String {
        Insecure.MD5.hash(data: Data((appID + appKey + timestamp + appSecret).utf8))
            .map { String(format: "%02x", $0) }.joined()
    }

    /// POSTs an auth body made of `members` (name → raw JSON text; nil leaves the member out).
    func auth(_ members: [String: String?]) async throws -> PushgateTestSupport.Curl.Result {
        try await self.post("/message/auth", VivoBody.object(members), authToken: nil)
    }

    /// The members of a correctly signed auth request.
    func authMembers(
        appID: String = VivoHarness.appID,
        appKey: String = VivoHarness.appKey,
        appSecret: String = VivoHarness.appSecret
    ) -> [String: String?] {
        let timestamp = String(self.timestamp())
        return [
            "appId": appID,
            "appKey": JSONText.quoted(appKey),
            "timestamp": timestamp,
            "sign": JSONText.quoted(
                Self.sign(appID: appID, appKey: appKey, timestamp: timestamp, appSecret: appSecret)),
        ]
    }

    /// A fresh authToken.
    func authToken(
        appID: String = VivoHarness.appID,
        appKey: String = VivoHarness.appKey,
        appSecret: String = VivoHarness.appSecret
    ) async throws -> String {
        let result = try await self.auth(self.authMembers(appID: appID, appKey: appKey, appSecret: appSecret))
        guard result.vivoResult == 0, let token = result.json?["authToken"] as? String else {
            throw HarnessError("auth failed: \(result.httpCode) \(result.body) \(result.stderr)")
        }
        return token
    }

    /// POSTs JSON `body` to `path` with the `authToken` header when given.
    func post(
        _ path: String,
        _ body: String,
        authToken: String?,
        timeoutSeconds: Int = 10
    ) async throws -> PushgateTestSupport.Curl.Result {
        var arguments = ["-H", "Content-Type: application/json", "--data-binary", body]
        if let authToken { arguments += ["-H", "authToken: \(authToken)"] }
        return try await self.curl(arguments + [self.url(path)], timeoutSeconds: timeoutSeconds)
    }

    /// Gets a token, then POSTs `body` to `/message/send`.
    func send(_ body: String) async throws -> PushgateTestSupport.Curl.Result {
        try await self.post("/message/send", body, authToken: try await self.authToken())
    }

    /// Saves a list payload and returns its taskId.
    func saveListPayload(_ members: [String: String?] = [:], authToken: String) async throws -> String {
        let result = try await self.post("/message/saveListPayload", VivoBody.payload(members), authToken: authToken)
        guard result.vivoResult == 0, let taskID = result.json?["taskId"] as? String else {
            throw HarnessError("saveListPayload failed: \(result.httpCode) \(result.body)")
        }
        return taskID
    }
}

extension PushgateTestSupport.Curl.Result {
    /// The `result` of a vivo answer.
    var vivoResult: Int? {
        self.json?["result"] as? Int
    }

    /// The `desc` of a vivo answer.
    var vivoDesc: String {
        self.json?["desc"] as? String ?? ""
    }
}

/// Builders for request bodies: members are name → raw JSON text, and nil removes a default member.
enum VivoBody {
    /// A JSON object of `members`, keys sorted.
    static func object(_ members: [String: String?]) -> String {
        let parts = members.sorted { $0.key < $1.key }.compactMap { key, value in
            value.map { JSONText.quoted(key) + ":" + $0 }
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// A unique requestId.
    static func requestID() -> String {
        UUID().uuidString
    }

    /// The content members of a valid system message (classification 1, so the operation window does not apply).
    static func contentMembers() -> [String: String?] {
        [
            "appId": VivoHarness.appID,
            "notifyType": "1",
            "title": #""Hi""#,
            "content": #""There""#,
            "skipType": "1",
            "classification": "1",
            "requestId": JSONText.quoted(self.requestID()),
        ]
    }

    /// A single send to `regID` with `members` merged over the defaults.
    static func single(regID: String = "regA", _ members: [String: String?] = [:]) -> String {
        var all = self.contentMembers()
        all["regId"] = JSONText.quoted(regID)
        all.merge(members) { _, new in new }
        return self.object(all)
    }

    /// A saveListPayload body with `members` merged over the defaults.
    static func payload(_ members: [String: String?] = [:]) -> String {
        var all = self.contentMembers()
        all.merge(members) { _, new in new }
        return self.object(all)
    }

    /// A pushToList body.
    static func pushToList(
        regIDs: [String],
        taskID: String,
        requestID: String = VivoBody.requestID(),
        _ members: [String: String?] = [:]
    ) -> String {
        var all: [String: String?] = [
            "appId": VivoHarness.appID,
            "regIds": JSONText.array(regIDs),
            "taskId": JSONText.quoted(taskID),
            "requestId": JSONText.quoted(requestID),
        ]
        all.merge(members) { _, new in new }
        return self.object(all)
    }
}

/// A wall clock tests can set.
final class TestWallClock: Sendable {
    private let date: NIOLockedValueBox<Date>

    init(_ date: Date) {
        self.date = NIOLockedValueBox(date)
    }

    var now: @Sendable () -> Date {
        { [date] in date.withLockedValue { $0 } }
    }

    func set(_ date: Date) {
        self.date.withLockedValue { $0 = date }
    }

    /// `hour:minute:second` Beijing time on 2025-01-02.
    static func beijing(_ hour: Int, _ minute: Int = 0, _ second: Int = 0, day: Int = 2) -> Date {
        // 2025-01-01T00:00:00+08:00 is 1735660800 seconds after the epoch.
        let seconds: Int = (day - 1) * 86400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: TimeInterval(1_735_660_800 + seconds))
    }
}
