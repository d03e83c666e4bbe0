import ArgumentParser
import Atomics
import Foundation
import NIOCore
import NIOPosix
import PushgateCore
import PushgateHuawei

struct BenchHuaweiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "huawei",
        abstract: "Send COUNT notifications through the Huawei adapter, CONCURRENCY requests at a time.",
        discussion: """
            Each request carries --batch tokens (one notification to K devices, as the gateway batches \
            them); notifications_per_sec counts tokens. Point it at `pushgate simulate huawei`, never at \
            Huawei.
            """
    )

    @OptionGroup var huawei: HuaweiOptions
    @OptionGroup var notification: NotificationOptions

    @Option(name: .customShort("n"), help: "How many notifications (tokens) to send.") var count: Int = 10_000
    @Option(name: .customShort("c"), help: "How many requests in flight at once.") var concurrency: Int = 64
    @Option(help: "Tokens per request, 1…1000.") var batch: Int = 1
    @Option(help: "The prefix of the bench's device tokens.") var token: String = "BENCHTOKEN"

    func validate() throws {
        guard (1...10_000_000).contains(self.count) else { throw ValidationError("-n must be 1…10000000") }
        guard (1...10_000).contains(self.concurrency) else { throw ValidationError("-c must be 1…10000") }
        guard (1...HuaweiConfiguration.maxTokensPerRequest).contains(self.batch) else {
            throw ValidationError("--batch must be 1…1000")
        }
    }

    func run() async throws {
        if self.notification.payload != nil { throw CLIError("--payload is APNs-only; Huawei takes --title/--body") }
        let logger = CLILogging.logger("pushgate.bench")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let adapter = try HuaweiAdapter(
            configuration: try self.huawei.makeConfiguration(category: self.notification.category),
            eventLoopGroup: group, logger: logger)
        let bench = BatchBench(
            count: self.count, concurrency: self.concurrency, batch: self.batch, vendor: .huawei,
            tokenPrefix: self.token, notification: self.notification.makeNotification(),
            connections: self.huawei.connections)
        do {
            try await bench.run(adapter: adapter, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try? await group.shutdownGracefully()
    }
}
