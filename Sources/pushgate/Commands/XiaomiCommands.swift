import ArgumentParser
import NIOPosix
import PushgateCore
import PushgateXiaomi

struct SendXiaomiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xiaomi",
        abstract: "Send one push through Xiaomi MiPush.",
        discussion: """
            Exit status: 0 delivered; 1 bad flags or files; 3 rejected for good (invalid regid, permanent error); \
            4 not delivered but retryable (network, 5xx, rate limit, quota, secret refused); 5 ambiguous (sent, \
            no answer: Xiaomi may have it).
            """
    )

    @OptionGroup var xiaomi: XiaomiOptions
    @OptionGroup var notification: NotificationOptions

    @Option(help: "The device's regid.") var token: String
    @Flag(help: "Print the outcome as one JSON object.") var json = false

    func run() async throws {
        if self.notification.payload != nil { throw CLIError("--payload is APNs-only; Xiaomi takes --title/--body") }
        let logger = CLILogging.logger("pushgate.send")
        let adapter = try XiaomiAdapter(
            configuration: try self.xiaomi.makeConfiguration(), eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let delivery = Delivery(
            notification: self.notification.makeNotification(),
            target: DeviceTarget(vendor: .xiaomi, token: self.token),
            expiresAt: self.notification.expiresAt())
        try await VendorSend.run(
            adapter: adapter, delivery: delivery, json: self.json, vendorName: "Xiaomi", logger: logger)
    }
}

struct BenchXiaomiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xiaomi",
        abstract: "Send COUNT notifications through the Xiaomi adapter, CONCURRENCY requests at a time.",
        discussion: """
            Each request carries --batch regids (one notification to K devices, as the gateway batches \
            them); notifications_per_sec counts regids. Point it at `pushgate simulate xiaomi`, never at \
            Xiaomi.
            """
    )

    @OptionGroup var xiaomi: XiaomiOptions
    @OptionGroup var notification: NotificationOptions
    @OptionGroup var bench: BatchBenchOptions

    func run() async throws {
        try await self.bench.run(vendor: .xiaomi, notification: self.notification, connections: self.xiaomi.connections)
        {
            group, logger in
            try XiaomiAdapter(configuration: try self.xiaomi.makeConfiguration(), eventLoopGroup: group)
        }
    }
}
