import Foundation
import Logging
import PushgateTestSupport

@testable import PushgateSimulator

/// A Xiaomi simulator on an ephemeral port with fresh certificates, driven with the real curl over TLS.
struct XiaomiHarness: Sendable {
    static let secret = "demo-app-secret"
    static let package = "com.example.demo"
    static let authorization = "key=" + XiaomiHarness.secret

    let simulator: XiaomiSimulator
    let caFile: String

    /// Starts a simulator, runs `body`, and always shuts the simulator down.
    static func with<T: Sendable>(
        _ customize: (inout XiaomiSimulator.Configuration) throws -> Void = { _ in },
        _ body: (XiaomiHarness) async throws -> T
    ) async throws -> T {
        let certificates = try DevelopmentCertificates.make()
        var configuration = XiaomiSimulator.Configuration(certificates: certificates)
        try customize(&configuration)
        let logger = Logger(label: "test.xiaomi-simulator", factory: { _ in SwiftLogNoOpLogHandler() })
        let simulator = try await XiaomiSimulator.start(configuration: configuration, logger: logger)
        let caFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("pushgate-xiaomi-ca-\(UUID().uuidString).pem").path
        let harness = XiaomiHarness(simulator: simulator, caFile: caFile)
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
