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
        let notification = self.notification.makeNotification()
        let requests = (self.count + self.batch - 1) / self.batch
        // Made before the clock starts, as the gateway mints them at acceptance.
        let batches: [[Delivery]] = (0..<requests).map { request in
            let notificationID = UUID()
            let first = request * self.batch
            return (first..<min(self.count, first + self.batch)).map { index in
                Delivery(
                    notification: notification, notificationID: notificationID,
                    target: DeviceTarget(vendor: .huawei, token: "\(self.token)\(index % self.batch)"))
            }
        }
        let latencies = LatencyBuffer(count: requests)
        let outcomes = NIOLockedValueBoxOutcomeCounts()
        let claimed = ManagedAtomic(0)
        let completed = ManagedAtomic(0)
        let errors = ManagedAtomic(0)

        let cpuStart = ProcessCPU.seconds()
        let wallStart = ContinuousClock.now
        let progress = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                let done = completed.load(ordering: .relaxed)
                let seconds = (ContinuousClock.now - wallStart).timeInterval
                FileHandle.standardError.write(
                    Data(
                        String(
                            format: "bench: %d/%d done, %.0f/s, errors %d\n", done, self.count,
                            Double(done) / max(seconds, 0.001), errors.load(ordering: .relaxed)
                        ).utf8))
            }
        }
        await withTaskGroup(of: Void.self) { workers in
            for _ in 0..<min(self.concurrency, requests) {
                workers.addTask {
                    while true {
                        let index = claimed.loadThenWrappingIncrement(ordering: .relaxed)
                        guard index < requests else { return }
                        let start = NIODeadline.now()
                        let reports = await adapter.send(batches[index], logger: logger)
                        latencies.record(index: index, microseconds: (NIODeadline.now() - start).nanoseconds / 1000)
                        for report in reports where report.outcome != .delivered {
                            errors.wrappingIncrement(ordering: .relaxed)
                            outcomes.add(report.outcome.kind)
                        }
                        completed.wrappingIncrement(by: reports.count, ordering: .relaxed)
                    }
                }
            }
        }
        let wall = (ContinuousClock.now - wallStart).timeInterval
        let cpu = ProcessCPU.seconds() - cpuStart
        progress.cancel()
        await adapter.shutdown()
        try? await group.shutdownGracefully()
        print(
            BenchSummary.json(
                count: self.count, errors: errors.load(ordering: .relaxed), wallSeconds: wall, cpuSeconds: cpu,
                latencies: latencies, failures: outcomes.snapshot(),
                extra: [
                    "concurrency": self.concurrency, "connections": self.huawei.connections, "batch": self.batch,
                    "requests": requests, "requests_per_sec": (Double(requests) / wall).rounded(),
                ]))
        if errors.load(ordering: .relaxed) > 0 { throw ExitCode(4) }
    }
}
