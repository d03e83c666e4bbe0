import Foundation
import Logging
import PushgateTestSupport

@testable import PushgateSimulator

/// A Huawei simulator on an ephemeral port with fresh certificates, driven with the real curl over TLS.
struct HuaweiHarness: Sendable {
    static let appID = "10000001"
    static let secret = "demo+secret/="

    let simulator: HuaweiSimulator
    let caFile: String

    /// Starts a simulator, runs `body`, and always shuts the simulator down.
    static func with<T: Sendable>(
        _ customize: (inout HuaweiSimulator.Configuration) throws -> Void = { _ in },
        _ body: (HuaweiHarness) async throws -> T
    ) async throws -> T {
        let certificates = try DevelopmentCertificates.make()
        var configuration = HuaweiSimulator.Configuration(certificates: certificates)
        try customize(&configuration)
        let logger = Logger(label: "test.huawei-simulator", factory: { _ in SwiftLogNoOpLogHandler() })
        let simulator = try await HuaweiSimulator.start(configuration: configuration, logger: logger)
        let caFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("pushgate-huawei-ca-\(UUID().uuidString).pem").path
        let harness = HuaweiHarness(simulator: simulator, caFile: caFile)
        do {
            try certificates.caCertificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
            let result = try await body(harness)
            try? FileManager.default.removeItem(atPath: caFile)
            try await simulator.shutdown()
            return result
        } catch {
            try? FileManager.default.removeItem(atPath: caFile)
            try? await simulator.shutdown()
            throw error
        }
    }

    func url(_ path: String) -> String {
        "https://localhost:\(self.simulator.port)\(path)"
    }

    /// curl trusting the simulator's CA.
    func curl(_ arguments: [String], timeoutSeconds: Int = 10) async throws -> PushgateTestSupport.Curl.Result {
        try await PushgateTestSupport.Curl.run(["--cacert", self.caFile] + arguments, timeoutSeconds: timeoutSeconds)
    }

    /// A token request with every field form-encoded by curl (`--data-urlencode`); nil fields are left out.
    func requestToken(
        grantType: String? = "client_credentials",
        clientID: String? = HuaweiHarness.appID,
        secret: String? = HuaweiHarness.secret,
        contentType: String? = nil
    ) async throws -> PushgateTestSupport.Curl.Result {
        var arguments: [String] = []
        for (name, value) in [("grant_type", grantType), ("client_id", clientID), ("client_secret", secret)] {
            if let value { arguments += ["--data-urlencode", "\(name)=\(value)"] }
        }
        if let contentType { arguments += ["-H", "Content-Type: \(contentType)"] }
        return try await self.curl(arguments + [self.url("/oauth2/v3/token")])
    }

    /// A fresh access token for the default app.
    func accessToken(clientID: String = HuaweiHarness.appID, secret: String = HuaweiHarness.secret) async throws
        -> String
    {
        let result = try await self.requestToken(clientID: clientID, secret: secret)
        guard result.httpCode == 200, let token = result.json?["access_token"] as? String else {
            throw HarnessError("token request failed: \(result.httpCode) \(result.body) \(result.stderr)")
        }
        return token
    }

    /// POSTs `body` to the send endpoint of `appID`; `authorization` is the whole header value.
    func send(
        _ body: String,
        authorization: String?,
        appID: String = HuaweiHarness.appID,
        timeoutSeconds: Int = 10
    ) async throws -> PushgateTestSupport.Curl.Result {
        var arguments = ["-H", "Content-Type: application/json;charset=UTF-8", "--data-binary", body]
        if let authorization { arguments += ["-H", "Authorization: \(authorization)"] }
        return try await self.curl(arguments + [self.url("/v1/\(appID)/messages:send")], timeoutSeconds: timeoutSeconds)
    }

    /// Gets a token, then sends `body` with it.
    func send(_ body: String) async throws -> PushgateTestSupport.Curl.Result {
        try await self.send(body, authorization: "Bearer " + (try await self.accessToken()))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension PushgateTestSupport.Curl.Result {
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(self.body.utf8))) as? [String: Any]
    }

    /// The `code` of a Push Kit answer.
    var code: String? {
        self.json?["code"] as? String
    }
}

/// Builders for send request bodies.
enum HuaweiBody {
    /// A notification message (click_action type 3) with `androidFields` and `notificationFields` (JSON members,
    /// without braces) added to `android` and `android.notification`.
    static func notification(
        tokens: [String],
        androidFields: String = "",
        notificationFields: String = "",
        validateOnly: Bool? = nil
    ) -> String {
        let extraAndroid = androidFields.isEmpty ? "" : androidFields + ","
        let extraNotification = notificationFields.isEmpty ? "" : "," + notificationFields
        let notification = #"{"title":"Hi","body":"There","click_action":{"type":3}\#(extraNotification)}"#
        let android = #"{\#(extraAndroid)"notification":\#(notification)}"#
        return self.message(tokens: tokens, members: #""android":\#(android)"#, validateOnly: validateOnly)
    }

    /// A message with `members` (JSON members, without braces) next to `token`.
    static func message(tokens: [String], members: String, validateOnly: Bool? = nil) -> String {
        let tokenList = "[" + tokens.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let prefix = validateOnly.map { #""validate_only":\#($0),"# } ?? ""
        return #"{\#(prefix)"message":{"token":\#(tokenList)\#(members.isEmpty ? "" : "," + members)}}"#
    }
}
