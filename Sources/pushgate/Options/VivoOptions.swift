import ArgumentParser
import Foundation
import PushgateCore
import PushgateHTTPVendor
import PushgateVivo

/// How `send vivo` and `bench vivo` reach vivo Push (or `pushgate simulate vivo`).
struct VivoOptions: ParsableArguments {
    @Option(name: .customLong("app-id"), help: "The app's App ID (digits).") var appID: String
    @Option(name: .customLong("app-key"), help: "The app's AppKey.") var appKey: String

    @Option(
        name: .customLong("app-secret"),
        help: "The app's AppSecret: the value, ${ENV_VAR} or file:PATH (the last two keep it out of ps).")
    var appSecret: String

    @Option(help: "1 system message (default) or 0 operation message (07:00–23:00 Beijing only).")
    var classification = 1

    @Flag(name: .customLong("test-mode"), help: "pushMode 1: only the app's registered test devices receive it.")
    var testMode = false

    @Option(help: "vivo's base URL.") var endpoint = "https://api-push.vivo.com.cn"

    @Option(name: .customLong("ca-file"), help: "Extra CA certificate(s) to trust (PEM), e.g. a simulator's.")
    var caFile: String?

    @Option(name: .long, help: "Keep-alive connections.") var connections: Int = 4

    @Option(name: .customLong("timeout"), help: "Per-request timeout in seconds.") var timeoutSeconds: Double = 10

    func validate() throws {
        if self.appID.isEmpty || !self.appID.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw ValidationError("--app-id must be digits")
        }
        if self.classification != 0 && self.classification != 1 {
            throw ValidationError("--classification must be 0 or 1")
        }
        if !(1...64).contains(self.connections) { throw ValidationError("--connections must be between 1 and 64") }
        if !(0.1...600).contains(self.timeoutSeconds) { throw ValidationError("--timeout must be 0.1…600 seconds") }
    }

    /// `category` is the notification options' `--category`, which for vivo is its second-level
    /// category (IM, ORDER, … for system messages; NEWS, MARKETING, … for operation ones).
    func makeConfiguration(category: String?) throws -> VivoConfiguration {
        let secret: String
        do {
            secret = try Secret(reference: self.appSecret).resolve()
        } catch {
            throw CLIError("--app-secret: \(error)")
        }
        var configuration = VivoConfiguration(
            appID: self.appID, appKey: self.appKey, appSecret: secret.trimmingCharacters(in: .whitespacesAndNewlines))
        configuration.endpoint = VendorTransportSettings.trimmed(self.endpoint)
        configuration.classification = self.classification
        configuration.category = category
        configuration.testMode = self.testMode
        if let caFile {
            configuration.transport.additionalTrustRootsPEM = try readUserFile(caFile, flag: "--ca-file")
        }
        configuration.transport.connections = self.connections
        configuration.transport.requestTimeout = .milliseconds(Int64(self.timeoutSeconds * 1000))
        return configuration
    }
}
