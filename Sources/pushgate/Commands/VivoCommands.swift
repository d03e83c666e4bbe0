import ArgumentParser
import NIOPosix
import PushgateCore
import PushgateVivo

struct SendVivoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vivo",
        abstract: "Send one push through vivo Push.",
        discussion: """
            Exit status: 0 delivered; 1 bad flags or files; 3 rejected for good (invalid regId, permanent error, an operation message outside 07:00–23:00 Beijing time is 4); \
            4 not delivered but retryable (network, 5xx, rate limit, quota, secret refused); 5 ambiguous (sent, \
            no answer: vivo may have it).
            """
    )

    @OptionGroup var vivo: VivoOptions
    @OptionGroup var notification: NotificationOptions

    @Option(help: "The device's regId.") var token: String
    @Flag(help: "Print the outcome as one JSON object.") var json = false

    func run() async throws {
        if self.notification.payload != nil { throw CLIError("--payload is APNs-only; vivo takes --title/--body") }
        let logger = CLILogging.logger("pushgate.send")
        let adapter = try VivoAdapter(
            configuration: try self.vivo.makeConfiguration(category: self.notification.category),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let delivery = Delivery(
            notification: self.notification.makeNotification(), target: DeviceTarget(vendor: .vivo, token: self.token),
            expiresAt: self.notification.expiresAt())
        try await VendorSend.run(
            adapter: adapter, delivery: delivery, json: self.json, vendorName: "vivo", logger: logger)
    }
}

struct BenchVivoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vivo",
        abstract: "Send COUNT notifications through the vivo adapter, CONCURRENCY requests at a time.",
        discussion: """
            Each request carries --batch regIds (one notification to K devices, as the gateway batches \
            them); notifications_per_sec counts regIds. Point it at `pushgate simulate vivo`, never at \
            vivo.
            """
    )

    @OptionGroup var vivo: VivoOptions
    @OptionGroup var notification: NotificationOptions
    @OptionGroup var bench: BatchBenchOptions

    func run() async throws {
        try await self.bench.run(vendor: .vivo, notification: self.notification, connections: self.vivo.connections) {
            group, logger in
            try VivoAdapter(
                configuration: try self.vivo.makeConfiguration(category: self.notification.category),
                eventLoopGroup: group, logger: logger)
        }
    }
}
