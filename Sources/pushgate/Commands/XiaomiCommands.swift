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
            Each request carries --batch regids (one notification to K devices, as the gateway batches them); \
            notifications_per_sec counts regids. Point it at `pushgate simulate xiaomi`, never at Xiaomi.
            """
    )

    @OptionGroup var xiaomi: XiaomiOptions
    @OptionGroup var notification: NotificationOptions

    @Option(name: .customShort("n"), help: "How many notifications (regids) to send.") var count: Int = 10_000
    @Option(name: .customShort("c"), help: "How many requests in flight at once.") var concurrency: Int = 64
    @Option(help: "Regids per request, 1…1000.") var batch: Int = 1
    @Option(help: "The prefix of the bench's regids.") var token: String = "BENCHREGID"

    func validate() throws {
        guard (1...10_000_000).contains(self.count) else { throw ValidationError("-n must be 1…10000000") }
        guard (1...10_000).contains(self.concurrency) else { throw ValidationError("-c must be 1…10000") }
        guard (1...XiaomiConfiguration.maxTokensPerRequest).contains(self.batch) else {
            throw ValidationError("--batch must be 1…1000")
        }
    }

    func run() async throws {
        if self.notification.payload != nil { throw CLIError("--payload is APNs-only; Xiaomi takes --title/--body") }
        let logger = CLILogging.logger("pushgate.bench")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let adapter = try XiaomiAdapter(configuration: try self.xiaomi.makeConfiguration(), eventLoopGroup: group)
        let bench = BatchBench(
            count: self.count, concurrency: self.concurrency, batch: self.batch, vendor: .xiaomi,
            tokenPrefix: self.token, notification: self.notification.makeNotification(),
            connections: self.xiaomi.connections)
        do {
            try await bench.run(adapter: adapter, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try? await group.shutdownGracefully()
    }
}
