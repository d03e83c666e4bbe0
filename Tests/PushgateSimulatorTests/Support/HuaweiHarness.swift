import Foundation
import PushgateTestSupport

@testable import PushgateSimulator

/// A Huawei simulator on an ephemeral port with fresh certificates, driven with the real curl over TLS.
struct HuaweiHarness: VendorHarness {
    static let vendor = "huawei"
    static let appID = "10000001"
    static let secret = "demo+secret/="

    let simulator: HuaweiSimulator
    let caFile: String

    init(simulator: HuaweiSimulator, caFile: String, configuration: HuaweiSimulator.Configuration) {
        self.simulator = simulator
        self.caFile = caFile
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

extension PushgateTestSupport.Curl.Result {
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
