import ArgumentParser
import Foundation
import NIOPosix
import PushgateCore
import PushgateHuawei

struct SendHuaweiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "huawei",
        abstract: "Send one push through Huawei Push Kit.",
        discussion: """
            Exit status: 0 delivered (or, with --validate-only, accepted as valid); 1 bad flags or files; \
            3 rejected for good (invalid token, permanent error); 4 not delivered but retryable (network, \
            5xx, flow control, credentials refused); 5 ambiguous (sent, no answer: Huawei may have it).
            """
    )

    @OptionGroup var huawei: HuaweiOptions
    @OptionGroup var notification: NotificationOptions

    @Option(help: "The device's push token.") var token: String
    @Flag(help: "Print the outcome as one JSON object.") var json = false

    func run() async throws {
        if self.notification.payload != nil { throw CLIError("--payload is APNs-only; Huawei takes --title/--body") }
        let logger = CLILogging.logger("pushgate.send")
        let adapter = try HuaweiAdapter(
            configuration: try self.huawei.makeConfiguration(category: self.notification.category),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let delivery = Delivery(
            notification: self.notification.makeNotification(),
            target: DeviceTarget(vendor: .huawei, token: self.token),
            expiresAt: self.notification.expiresAt()
        )
        try await VendorSend.run(
            adapter: adapter, delivery: delivery, json: self.json, vendorName: "Huawei", logger: logger)
    }
}
