import ArgumentParser
import Atomics
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PushgateAPNS
import PushgateCore

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure delivery throughput, latency and CPU; prints one JSON line last.",
        subcommands: [
            BenchAPNSCommand.self, BenchHuaweiCommand.self, BenchXiaomiCommand.self, BenchVivoCommand.self,
            BenchRetentionCommand.self,
        ]
    )
}

struct BenchAPNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apns",
        abstract: "Send COUNT pushes through the APNs adapter, CONCURRENCY at a time.",
        discussion: """
            Every notification gets its own apns-id and its payload is built and its answer \
            classified as in production. Point it at `pushgate simulate apns`, never at Apple.
            """
    )

    @OptionGroup var connection: APNSConnectionOptions
    @OptionGroup var notification: NotificationOptions

    @Option(name: .customShort("n"), help: "How many notifications to send.") var count: Int = 10_000
    @Option(name: .customShort("c"), help: "How many in flight at once.") var concurrency: Int = 100
    @Option(help: "The device token every notification goes to (hex).")
    var token: String = String(repeating: "ab", count: 32)

    func validate() throws {
        guard (1...10_000_000).contains(self.count) else { throw ValidationError("-n must be 1…10000000") }
        guard (1...10_000).contains(self.concurrency) else { throw ValidationError("-c must be 1…10000") }
    }

    func run() async throws {
        let logger = CLILogging.logger("pushgate.bench")
        let configuration = try self.connection.makeConfiguration()
        let rawPayload = try self.notification.rawPayload()
        // One event loop per connection (NIO-HTTP2-NOTES.md).
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.connection.connections)
        let adapter: APNSAdapter
        do {
            adapter = try APNSAdapter(configuration: configuration, eventLoopGroup: group, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw CLIError("\(error)")
        }
        let run = BenchRun(
            count: self.count,
            notification: self.notification.makeNotification(),
            target: DeviceTarget(vendor: .apns, token: self.token, environment: self.connection.environment),
            rawPayload: rawPayload,
            adapter: adapter,
            finished: group.next().makePromise()
        )

        let cpuStart = ProcessCPU.seconds()
        let wallStart = ContinuousClock.now
        for _ in 0..<min(self.concurrency, self.count) { run.sendNext() }
        let progress = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                let done = run.completed.load(ordering: .relaxed)
                let seconds = (ContinuousClock.now - wallStart).timeInterval
                let line = String(
                    format: "bench: %d/%d done, %.0f/s, errors %d\n",
                    done, self.count, Double(done) / max(seconds, 0.001), run.errors.load(ordering: .relaxed)
                )
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
        try await run.finished.futureResult.get()
        let wall = (ContinuousClock.now - wallStart).timeInterval
        let cpu = ProcessCPU.seconds() - cpuStart
        progress.cancel()
        await adapter.shutdown()
        try? await group.shutdownGracefully()
        print(
            run.summary(
                wallSeconds: wall, cpuSeconds: cpu, connections: self.connection.connections,
                concurrency: self.concurrency))
        if run.errors.load(ordering: .relaxed) > 0 { throw ExitCode(4) }
    }
}

/// One bench run's shared state. Workers are callback chains on the adapter's event loops:
/// each completion starts the next send, so no task hop sits between requests.
final class BenchRun: Sendable {
    let count: Int
    let notification: PushgateCore.Notification
    let target: DeviceTarget
    let rawPayload: ByteBuffer?
    let adapter: APNSAdapter
    let finished: EventLoopPromise<Void>
    let claimed = ManagedAtomic(0)
    let completed = ManagedAtomic(0)
    let errors = ManagedAtomic(0)
    /// Made before the clock starts: in the gateway, ids are minted when a request is
    /// accepted, not on the send path this measures.
    private let deliveryIDs: [UUID]
    private let latencies: LatencyBuffer
    private let outcomes = NIOLockedValueBoxOutcomeCounts()

    init(
        count: Int,
        notification: PushgateCore.Notification,
        target: DeviceTarget,
        rawPayload: ByteBuffer?,
        adapter: APNSAdapter,
        finished: EventLoopPromise<Void>
    ) {
        self.count = count
        self.notification = notification
        self.target = target
        self.rawPayload = rawPayload
        self.adapter = adapter
        self.finished = finished
        self.latencies = LatencyBuffer(count: count)
        self.deliveryIDs = (0..<count).map { _ in UUID() }
    }

    func sendNext() {
        let index = self.claimed.loadThenWrappingIncrement(ordering: .relaxed)
        guard index < self.count else { return }
        let delivery = Delivery(id: self.deliveryIDs[index], notification: self.notification, target: self.target)
        let start = NIODeadline.now()
        self.adapter.submit(delivery, rawPayload: self.rawPayload).whenSuccess { report in
            self.latencies.record(index: index, microseconds: (NIODeadline.now() - start).nanoseconds / 1000)
            if report.outcome != .delivered {
                self.errors.wrappingIncrement(ordering: .relaxed)
                self.outcomes.add(report.outcome.kind)
            }
            if self.completed.wrappingIncrementThenLoad(ordering: .relaxed) == self.count {
                self.finished.succeed()
            } else {
                self.sendNext()
            }
        }
    }

    func summary(wallSeconds: Double, cpuSeconds: Double, connections: Int, concurrency: Int) -> String {
        BenchSummary.json(
            count: self.count, errors: self.errors.load(ordering: .relaxed), wallSeconds: wallSeconds,
            cpuSeconds: cpuSeconds, latencies: self.latencies, failures: self.outcomes.snapshot(),
            extra: ["concurrency": concurrency, "connections": connections])
    }
}

/// The last line of every `bench`: one JSON object with the same keys whatever the vendor.
enum BenchSummary {
    /// `latencies` holds one figure per send (per request when a request carries a batch).
    static func json(
        count: Int, errors: Int, wallSeconds: Double, cpuSeconds: Double, latencies: LatencyBuffer,
        failures: [String: Int], extra: [String: Any]
    ) -> String {
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
            return Double(sorted[max(0, index)]) / 1000
        }
        var object: [String: Any] = [
            "notifications": count,
            "ok": count - errors,
            "errors": errors,
            "wall_seconds": (wallSeconds * 1000).rounded() / 1000,
            "notifications_per_sec": (Double(count) / wallSeconds).rounded(),
            "cpu_seconds": (cpuSeconds * 1000).rounded() / 1000,
            "cpu_us_per_notification": (cpuSeconds / Double(count) * 1e7).rounded() / 10,
            "p50_ms": (percentile(0.50) * 1000).rounded() / 1000,
            "p99_ms": (percentile(0.99) * 1000).rounded() / 1000,
        ]
        object.merge(extra) { _, new in new }
        if !failures.isEmpty { object["error_outcomes"] = failures }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Per-notification latencies. Each index is written by exactly one completion and read only
/// after all completed (ordered by the `finished` promise), so no lock is needed: that is
/// the invariant behind `@unchecked Sendable`.
final class LatencyBuffer: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Int64>

    init(count: Int) {
        self.storage = .allocate(capacity: count)
        self.storage.initialize(repeating: 0)
    }

    deinit { self.storage.deallocate() }

    func record(index: Int, microseconds: Int64) { self.storage[index] = microseconds }

    func sorted() -> [Int64] { Array(self.storage).sorted() }
}

/// Counts of failed outcomes by class, for the summary.
final class NIOLockedValueBoxOutcomeCounts: Sendable {
    private let box = NIOLockedValueBox<[String: Int]>([:])
    func add(_ kind: DeliveryOutcome.Kind) { self.box.withLockedValue { $0[kind.rawValue, default: 0] += 1 } }
    func snapshot() -> [String: Int] { self.box.withLockedValue { $0 } }
}

/// CPU time this process has used (user + system).
enum ProcessCPU {
    static func seconds() -> Double {
        var usage = rusage()
        #if os(Linux)
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }
}
