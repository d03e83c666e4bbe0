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
            Each request carries --batch regIds (one notification to K devices, as the gateway batches them); \
            notifications_per_sec counts regIds. Point it at `pushgate simulate vivo`, never at vivo.
            """
    )

    @OptionGroup var vivo: VivoOptions
    @OptionGroup var notification: NotificationOptions

    @Option(name: .customShort("n"), help: "How many notifications (regIds) to send.") var count: Int = 10_000
    @Option(name: .customShort("c"), help: "How many requests in flight at once.") var concurrency: Int = 64
    @Option(help: "Regids per request, 1…1000.") var batch: Int = 1
    @Option(help: "The prefix of the bench's regIds.") var token: String = "BENCHREGIDV"

    func validate() throws {
        guard (1...10_000_000).contains(self.count) else { throw ValidationError("-n must be 1…10000000") }
        guard (1...10_000).contains(self.concurrency) else { throw ValidationError("-c must be 1…10000") }
        guard (1...VivoConfiguration.maxTokensPerRequest).contains(self.batch) else {
            throw ValidationError("--batch must be 1…1000")
        }
    }

    func run() async throws {
        if self.notification.payload != nil { throw CLIError("--payload is APNs-only; vivo takes --title/--body") }
        let logger = CLILogging.logger("pushgate.bench")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let adapter = try VivoAdapter(
            configuration: try self.vivo.makeConfiguration(category: self.notification.category), eventLoopGroup: group,
            logger: logger)
        let bench = BatchBench(
            count: self.count, concurrency: self.concurrency, batch: self.batch, vendor: .vivo,
            tokenPrefix: self.token, notification: self.notification.makeNotification(),
            connections: self.vivo.connections)
        do {
            try await bench.run(adapter: adapter, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try? await group.shutdownGracefully()
    }
}
