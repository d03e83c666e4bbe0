import ArgumentParser
import Foundation
import PushgateCore
import PushgateHTTPVendor
import PushgateHuawei

/// How `send huawei` and `bench huawei` reach Huawei Push Kit (or `pushgate simulate huawei`).
struct HuaweiOptions: ParsableArguments {
    @Option(name: .customLong("app-id"), help: "The app's App ID (OAuth client id), digits.")
    var appID: String

    @Option(
        name: .customLong("client-secret"),
        help: "The app secret: the value, ${ENV_VAR} or file:PATH (the last two keep it out of ps).")
    var clientSecret: String

    @Option(help: "The push API's base URL.") var endpoint = "https://push-api.cloud.huawei.com"

    @Option(name: .customLong("auth-endpoint"), help: "The OAuth server's base URL.")
    var authEndpoint = "https://oauth-login.cloud.huawei.com"

    @Option(name: .customLong("ca-file"), help: "Extra CA certificate(s) to trust (PEM), e.g. a simulator's.")
    var caFile: String?

    @Option(name: .customLong("channel-id"), help: "android.notification.channel_id.") var channelID: String?

    @Flag(name: .customLong("test-message"), help: "Send as a test message (target_user_type 1).")
    var testMessage = false

    @Flag(name: .customLong("validate-only"), help: "Ask Huawei to check the message and deliver nothing.")
    var validateOnly = false

    @Option(name: .long, help: "Keep-alive connections.") var connections: Int = 4

    @Option(name: .customLong("timeout"), help: "Per-request timeout in seconds.") var timeoutSeconds: Double = 10

    func validate() throws {
        if self.appID.isEmpty || !self.appID.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw ValidationError("--app-id must be digits")
        }
        if !(1...64).contains(self.connections) { throw ValidationError("--connections must be between 1 and 64") }
        if !(0.1...600).contains(self.timeoutSeconds) { throw ValidationError("--timeout must be 0.1…600 seconds") }
    }

    /// `category` is the notification options' `--category`, which for Huawei is
    /// `android.category` (self-classification: IM, WORK, MARKETING, …).
    func makeConfiguration(category: String?) throws -> HuaweiConfiguration {
        if let category, !HuaweiConfiguration.categories.contains(category) {
            throw CLIError(
                "--category: Huawei knows \(HuaweiConfiguration.categories.sorted().joined(separator: ", "))")
        }
        let secret: String
        do {
            secret = try Secret(reference: self.clientSecret).resolve()
        } catch {
            throw CLIError("--client-secret: \(error)")
        }
        var configuration = HuaweiConfiguration(
            appID: self.appID, clientSecret: secret.trimmingCharacters(in: .whitespacesAndNewlines))
        configuration.endpoint = VendorTransportSettings.trimmed(self.endpoint)
        configuration.authEndpoint = VendorTransportSettings.trimmed(self.authEndpoint)
        configuration.category = category
        configuration.channelID = self.channelID
        configuration.testMessages = self.testMessage
        configuration.validateOnly = self.validateOnly
        if let caFile {
            configuration.transport.additionalTrustRootsPEM = try readUserFile(caFile, flag: "--ca-file")
        }
        configuration.transport.connections = self.connections
        configuration.transport.requestTimeout = .milliseconds(Int64(self.timeoutSeconds * 1000))
        return configuration
    }
}
