import ArgumentParser
import Foundation
import NIOPosix
import PushgateAPNS
import PushgateCore

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send one test push and print the vendor's answer.",
        subcommands: [SendAPNSCommand.self, SendHuaweiCommand.self, SendXiaomiCommand.self, SendVivoCommand.self]
    )
}

struct SendAPNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apns",
        abstract: "Send one push through APNs.",
        discussion: """
            Exit status: 0 delivered; 1 bad flags or files; 3 rejected for good (invalid token, \
            permanent error); 4 not delivered but retryable (network, 5xx, 429, auth refresh); \
            5 ambiguous (sent, no answer: APNs may have it).
            """
    )

    @OptionGroup var connection: APNSConnectionOptions
    @OptionGroup var notification: NotificationOptions

    @Option(help: "The device token (hex).") var token: String
    @Flag(help: "Print the outcome as one JSON object.") var json = false

    func run() async throws {
        let logger = CLILogging.logger("pushgate.send")
        let configuration = try self.connection.makeConfiguration()
        let rawPayload = try self.notification.rawPayload()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let adapter: APNSAdapter
        do {
            adapter = try APNSAdapter(configuration: configuration, eventLoopGroup: group, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw CLIError("\(error)")
        }
        let delivery = Delivery(
            notification: self.notification.makeNotification(),
            target: DeviceTarget(vendor: .apns, token: self.token, environment: self.connection.environment),
            expiresAt: self.notification.expiresAt()
        )
        let report = try await adapter.submit(delivery, rawPayload: rawPayload).get()
        await adapter.shutdown()
        try? await group.shutdownGracefully()

        let apnsID = delivery.id.uuidString.lowercased()
        if self.json {
            print(OutcomeText.json(report, identity: ("apns_id", report.vendorMessageID ?? apnsID)))
        } else {
            print(OutcomeText.line(report, identity: ("apns-id", report.vendorMessageID ?? apnsID), vendorName: "APNs"))
        }
        let status = OutcomeText.exitStatus(report.outcome)
        if status != 0 { throw ExitCode(status) }
    }
}

/// How `send` prints an outcome and maps it to an exit status.
enum OutcomeText {
    static func exitStatus(_ outcome: DeliveryOutcome) -> Int32 {
        switch outcome {
        case .delivered: 0
        case .invalidToken, .permanent: 3
        case .retryable, .authRefresh, .quotaExhausted: 4
        case .ambiguous: 5
        }
    }

    /// `identity` is the vendor's id for the push, as the vendor names it (`apns-id`, `request_id`).
    static func line(_ report: DeliveryReport, identity: (name: String, value: String), vendorName: String) -> String {
        var parts: [String] = []
        switch report.outcome {
        case .delivered:
            parts.append("delivered")
        case .invalidToken(let reason, let since):
            parts.append("invalid token: \(reason)")
            if let since { parts.append("since \(ISO8601DateFormatter().string(from: since))") }
        case .retryable(let after, let stage):
            parts.append("not delivered, retryable")
            if let stage { parts.append("stage \(stage.rawValue)") }
            if let after { parts.append("retry after \(after)") }
        case .authRefresh(let reason):
            parts.append("not delivered, credentials need refreshing: \(reason)")
        case .quotaExhausted:
            parts.append("not delivered, quota exhausted")
        case .permanent(let reason):
            parts.append("rejected: \(reason)")
        case .ambiguous(let stage):
            parts.append("ambiguous: sent but no answer (stage \(stage.rawValue)); \(vendorName) may have it")
        }
        if let status = report.vendorStatus { parts.append("status \(status)") }
        if let reason = report.vendorReason, report.outcome != .delivered { parts.append("(\(reason))") }
        parts.append("\(identity.name) \(identity.value)")
        return parts.joined(separator: " ")
    }

    static func json(_ report: DeliveryReport, identity: (name: String, value: String)) -> String {
        var object: [String: Any] = [
            "outcome": report.outcome.kind.rawValue,
            identity.name: identity.value,
        ]
        if let status = report.vendorStatus { object["status"] = status }
        if let reason = report.vendorReason { object["reason"] = reason }
        switch report.outcome {
        case .invalidToken(_, let since?):
            object["since"] = ISO8601DateFormatter().string(from: since)
        case .retryable(_, let stage?):
            object["stage"] = stage.rawValue
        case .ambiguous(let stage):
            object["stage"] = stage.rawValue
        default:
            break
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
