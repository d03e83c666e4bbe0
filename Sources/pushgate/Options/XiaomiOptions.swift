import ArgumentParser
import Foundation
import PushgateCore
import PushgateHTTPVendor
import PushgateXiaomi

/// How `send xiaomi` and `bench xiaomi` reach MiPush (or `pushgate simulate xiaomi`).
struct XiaomiOptions: ParsableArguments {
    @Option(
        name: .customLong("app-secret"),
        help: "The app's AppSecret: the value, ${ENV_VAR} or file:PATH (the last two keep it out of ps).")
    var appSecret: String

    @Option(help: "The app's package name (restricted_package_name).") var package: String

    @Option(help: "The devices' region: cn, global, ru, india, europe or singapore.") var region = "cn"

    @Option(help: "Another MiPush base URL (a simulator); wins over --region.") var endpoint: String?

    @Option(name: .customLong("ca-file"), help: "Extra CA certificate(s) to trust (PEM), e.g. a simulator's.")
    var caFile: String?

    @Option(name: .customLong("channel-id"), help: "extra.channel_id: the channel registered with Xiaomi.")
    var channelID: String?

    @Option(name: .long, help: "Keep-alive connections.") var connections: Int = 4

    @Option(name: .customLong("timeout"), help: "Per-request timeout in seconds.") var timeoutSeconds: Double = 10

    func validate() throws {
        if XiaomiConfiguration.Region(rawValue: self.region) == nil {
            let known = XiaomiConfiguration.Region.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--region must be one of \(known)")
        }
        if !(1...64).contains(self.connections) { throw ValidationError("--connections must be between 1 and 64") }
        if !(0.1...600).contains(self.timeoutSeconds) { throw ValidationError("--timeout must be 0.1…600 seconds") }
    }

    func makeConfiguration() throws -> XiaomiConfiguration {
        let secret: String
        do {
            secret = try Secret(reference: self.appSecret).resolve()
        } catch {
            throw CLIError("--app-secret: \(error)")
        }
        var configuration = XiaomiConfiguration(
            appSecret: secret.trimmingCharacters(in: .whitespacesAndNewlines), packageName: self.package)
        configuration.endpoint =
            self.endpoint.map(VendorTransportSettings.trimmed)
            ?? XiaomiConfiguration.Region(rawValue: self.region)?.endpoint ?? configuration.endpoint
        configuration.channelID = self.channelID
        if let caFile {
            configuration.transport.additionalTrustRootsPEM = try readUserFile(caFile, flag: "--ca-file")
        }
        configuration.transport.connections = self.connections
        configuration.transport.requestTimeout = .milliseconds(Int64(self.timeoutSeconds * 1000))
        return configuration
    }
}
