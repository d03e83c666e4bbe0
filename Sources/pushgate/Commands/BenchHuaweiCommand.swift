import ArgumentParser
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
    @OptionGroup var bench: BatchBenchOptions

    func run() async throws {
        try await self.bench.run(vendor: .huawei, notification: self.notification, connections: self.huawei.connections)
        {
            group, logger in
            try HuaweiAdapter(
                configuration: try self.huawei.makeConfiguration(category: self.notification.category),
                eventLoopGroup: group, logger: logger)
        }
    }
}
