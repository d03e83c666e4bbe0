import Foundation
import PushgateTestSupport

@testable import PushgateSimulator

/// A Xiaomi simulator on an ephemeral port with fresh certificates, driven with the real curl over TLS.
struct XiaomiHarness: VendorHarness {
    static let vendor = "xiaomi"
    static let secret = "demo-app-secret"
    static let package = "com.example.demo"
    static let authorization = "key=" + XiaomiHarness.secret

    let simulator: XiaomiSimulator
    let caFile: String

    init(simulator: XiaomiSimulator, caFile: String, configuration: XiaomiSimulator.Configuration) {
        self.simulator = simulator
        self.caFile = caFile
    }

    /// POSTs `fields`, each form-encoded by curl (`--data-urlencode`, which also sets the form content type), to
    /// `path`; `authorization` is the whole header value.
    func send(
        _ fields: [(String, String)],
        authorization: String? = XiaomiHarness.authorization,
        path: String = "/v3/message/regid",
        contentType: String? = nil,
        timeoutSeconds: Int = 10
    ) async throws -> PushgateTestSupport.Curl.Result {
        var arguments: [String] = []
        for (name, value) in fields {
            arguments += ["--data-urlencode", "\(name)=\(value)"]
        }
        if let authorization { arguments += ["-H", "Authorization: \(authorization)"] }
        if let contentType { arguments += ["-H", "Content-Type: \(contentType)"] }
        return try await self.curl(arguments + [self.url(path)], timeoutSeconds: timeoutSeconds)
    }

    /// POSTs `body` exactly as given (no encoding by curl).
    func sendRaw(
        _ body: String,
        authorization: String? = XiaomiHarness.authorization,
        contentType: String = "application/x-www-form-urlencoded;charset=UTF-8",
        path: String = "/v3/message/regid"
    ) async throws -> PushgateTestSupport.Curl.Result {
        var arguments = ["-H", "Content-Type: \(contentType)", "--data-binary", body]
        if let authorization { arguments += ["-H", "Authorization: \(authorization)"] }
        return try await self.curl(arguments + [self.url(path)])
    }
}

extension PushgateTestSupport.Curl.Result {
    /// The `code` of a MiPush answer.
    var xiaomiCode: Int? {
        self.json?["code"] as? Int
    }

    /// The `data` object of a MiPush success.
    var xiaomiData: [String: Any]? {
        self.json?["data"] as? [String: Any]
    }
}

/// Builders for send request fields.
enum XiaomiForm {
    /// A notification to `regids` for the demo package, with `extra` fields added (or replacing those of the same
    /// name); a nil value removes the field.
    static func notification(regids: [String], _ extra: [(String, String?)] = []) -> [(String, String)] {
        var fields: [(String, String)] = [
            ("restricted_package_name", XiaomiHarness.package),
            ("registration_id", regids.joined(separator: ",")),
            ("title", "Hi"),
            ("description", "There"),
            ("notify_type", "-1"),
        ]
        for (name, value) in extra {
            fields.removeAll { $0.0 == name }
            if let value { fields.append((name, value)) }
        }
        return fields
    }
}
