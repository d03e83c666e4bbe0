import ArgumentParser
import Atomics
import Foundation
import Logging
import NIOCore
import NIOPosix
import PushgateCore

/// The flags every batching vendor's `bench` takes.
struct BatchBenchOptions: ParsableArguments {
    @Option(name: .customShort("n"), help: "How many notifications (tokens) to send.") var count: Int = 10_000
    @Option(name: .customShort("c"), help: "How many requests in flight at once.") var concurrency: Int = 64
    @Option(help: "Tokens per request, 1…1000.") var batch: Int = 1
    @Option(help: "The prefix of the bench's device tokens.") var token: String = "BENCHTOKEN"

    func validate() throws {
        guard (1...10_000_000).contains(self.count) else { throw ValidationError("-n must be 1…10000000") }
        guard (1...10_000).contains(self.concurrency) else { throw ValidationError("-c must be 1…10000") }
        guard (1...1000).contains(self.batch) else { throw ValidationError("--batch must be 1…1000") }
    }

    /// Builds the adapter on its own event loops, runs the bench, and shuts both down.
    func run(
        vendor: Vendor, notification: NotificationOptions, connections: Int,
        makeAdapter: (any EventLoopGroup, Logger) throws -> any ProviderAdapter
    ) async throws {
        if notification.payload != nil { throw CLIError("--payload is APNs-only; \(vendor) takes --title/--body") }
        let logger = CLILogging.logger("pushgate.bench")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let bench = BatchBench(
            count: self.count, concurrency: self.concurrency, batch: self.batch, vendor: vendor,
            tokenPrefix: self.token, notification: notification.makeNotification(), connections: connections)
        do {
            try await bench.run(adapter: try makeAdapter(group, logger), logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try? await group.shutdownGracefully()
    }
}

/// `bench <vendor>` for adapters that send batches: COUNT notifications as requests of `batch`
/// tokens, `concurrency` requests in flight, the same summary line as `bench apns`.
struct BatchBench {
    var count: Int
    var concurrency: Int
    var batch: Int
    var vendor: Vendor
    var tokenPrefix: String
    var notification: PushgateCore.Notification
    var connections: Int

    /// Runs the bench on `adapter`; throws exit status 4 when any send failed.
    func run(adapter: any ProviderAdapter, logger: Logger) async throws {
        let requests = (self.count + self.batch - 1) / self.batch
        // Made before the clock starts, as the gateway mints them at acceptance.
        let batches: [[Delivery]] = (0..<requests).map { request in
            let notificationID = UUID()
            let first = request * self.batch
            return (first..<min(self.count, first + self.batch)).map { index in
                Delivery(
                    notification: self.notification, notificationID: notificationID,
                    target: DeviceTarget(vendor: self.vendor, token: "\(self.tokenPrefix)\(index % self.batch)"))
            }
        }
        let latencies = LatencyBuffer(count: requests)
        let outcomes = NIOLockedValueBoxOutcomeCounts()
        let claimed = ManagedAtomic(0)
        let completed = ManagedAtomic(0)
        let errors = ManagedAtomic(0)

        let cpuStart = ProcessCPU.seconds()
        let wallStart = ContinuousClock.now
        let count = self.count
        let progress = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                let done = completed.load(ordering: .relaxed)
                let seconds = (ContinuousClock.now - wallStart).timeInterval
                let line = String(
                    format: "bench: %d/%d done, %.0f/s, errors %d\n", done, count, Double(done) / max(seconds, 0.001),
                    errors.load(ordering: .relaxed))
                FileHandle.standardError.write(Data(line.utf8))
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
        print(
            BenchSummary.json(
                count: self.count, errors: errors.load(ordering: .relaxed), wallSeconds: wall, cpuSeconds: cpu,
                latencies: latencies, failures: outcomes.snapshot(),
                extra: [
                    "concurrency": self.concurrency, "connections": self.connections, "batch": self.batch,
                    "requests": requests, "requests_per_sec": (Double(requests) / wall).rounded(),
                ]))
        if errors.load(ordering: .relaxed) > 0 { throw ExitCode(4) }
    }
}

/// `send <vendor>` for the HTTP vendors: validate, send once, print the outcome, exit by it.
enum VendorSend {
    static func run(
        adapter: any ProviderAdapter, delivery: Delivery, json: Bool, vendorName: String, logger: Logger
    ) async throws {
        if let refusal = adapter.validate(delivery) {
            await adapter.shutdown()
            throw CLIError("not sent: \(refusal.vendorReason ?? refusal.outcome.kind.rawValue)")
        }
        let report = await adapter.send(delivery, logger: logger)
        await adapter.shutdown()
        let identity = ("message_id", report.vendorMessageID ?? "none")
        if json {
            print(OutcomeText.json(report, identity: identity))
        } else {
            print(OutcomeText.line(report, identity: identity, vendorName: vendorName))
        }
        let status = OutcomeText.exitStatus(report.outcome)
        if status != 0 { throw ExitCode(status) }
    }
}
