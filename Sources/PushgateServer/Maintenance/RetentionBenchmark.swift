import Foundation
import Logging
import PushgateCore
import PushgateStore

/// `pushgate bench retention`: what retention costs ingest on a large SQLite file.
///
/// Fills a new file with `fill` finished (delivered) notifications, then runs the same steady
/// ingest twice — `ratePerSecond` single-device accepts for `seconds`, each delivered as it
/// arrives — first without retention, then with `StoreRetention` deleting the old rows.
/// Reports each phase's accept latency (p50, p99) and the file's size every second.
package enum RetentionBenchmark {
    package struct Phase: Sendable, Encodable {
        package var accepted: Int
        package var refused: Int
        package var p50Milliseconds: Double
        package var p99Milliseconds: Double
        package var maxMilliseconds: Double
        /// Database + WAL size, MiB, once a second.
        package var fileMiB: [Double]
        package var purged: Int

        enum CodingKeys: String, CodingKey {
            case accepted, refused, purged
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
            case maxMilliseconds = "max_ms"
            case fileMiB = "file_mib"
        }
    }

    package struct Result: Sendable, Encodable {
        package var filled: Int
        package var fillSeconds: Double
        package var fileMiBAfterFill: Double
        package var withoutRetention: Phase
        package var withRetention: Phase

        enum CodingKeys: String, CodingKey {
            case filled
            case fillSeconds = "fill_seconds"
            case fileMiBAfterFill = "file_mib_after_fill"
            case withoutRetention = "without_retention"
            case withRetention = "with_retention"
        }
    }

    private static let wallClock = WallClock.system

    package static func run(
        path: String, fill: Int, ratePerSecond: Int, seconds: Int, logger: Logger
    ) async throws -> Result {
        guard fill >= 0, ratePerSecond > 0, seconds > 0 else {
            throw PushgateError.invalidConfiguration("bench retention: fill ≥ 0, rate and seconds > 0")
        }
        let store = try await SQLiteDeliveryStore.open(path: path, clock: Self.wallClock, logger: logger)
        do {
            let clock = ContinuousClock()
            let start = clock.now
            if fill > 0 {
                _ = try await SQLiteStoreBenchmark.accept(
                    into: store, submissions: fill, targets: 1, concurrency: 256)
                _ = try await SQLiteStoreBenchmark.leaseAndRecord(from: store)
            }
            let fillSeconds = Self.seconds(clock.now - start)
            let afterFill = Self.fileMiB(path)
            let without = try await self.phase(
                store: store, path: path, rate: ratePerSecond, seconds: seconds, keyPrefix: "a", retention: nil)
            let retention = StoreRetention(
                store: store,
                settings: .init(
                    idempotencyWindow: .seconds(86_400), notifications: .zero, invalidTokens: .seconds(86_400),
                    every: .seconds(1)),
                clock: Self.wallClock,
                logger: logger)
            let with = try await self.phase(
                store: store, path: path, rate: ratePerSecond, seconds: seconds, keyPrefix: "b", retention: retention)
            try await store.close()
            return Result(
                filled: fill, fillSeconds: fillSeconds, fileMiBAfterFill: afterFill, withoutRetention: without,
                withRetention: with)
        } catch {
            try? await store.close()
            throw error
        }
    }

    private static func phase(
        store: SQLiteDeliveryStore, path: String, rate: Int, seconds: Int, keyPrefix: String,
        retention: StoreRetention?
    ) async throws -> Phase {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .seconds(seconds)
        let total = rate * seconds
        return try await withThrowingTaskGroup(of: PhasePart.self) { group in
            // Open-loop ingest: each accept starts at its own time, whether earlier ones are done.
            group.addTask {
                try await withThrowingTaskGroup(of: Duration?.self) { accepts in
                    for index in 0..<total {
                        try await clock.sleep(until: start + .seconds(Double(index) / Double(rate)))
                        accepts.addTask {
                            let submission = SQLiteStoreBenchmark.submission(
                                index, targets: 1, acceptedAt: Self.wallClock.now(), keyPrefix: keyPrefix)
                            let sent = clock.now
                            do {
                                _ = try await store.accept(submission)
                                return clock.now - sent
                            } catch {
                                return nil
                            }
                        }
                    }
                    var latencies: [Duration] = []
                    var refused = 0
                    for try await latency in accepts {
                        if let latency { latencies.append(latency) } else { refused += 1 }
                    }
                    return .latencies(latencies, refused: refused)
                }
            }
            // Delivery keeps pace, so the new rows finish too.
            group.addTask {
                while clock.now < end + .seconds(1) {
                    _ = try await SQLiteStoreBenchmark.leaseAndRecord(from: store)
                    try await clock.sleep(for: .milliseconds(100))
                }
                return .none
            }
            group.addTask {
                var sizes: [Double] = []
                while clock.now < end {
                    sizes.append(Self.fileMiB(path))
                    try await clock.sleep(for: .seconds(1))
                }
                sizes.append(Self.fileMiB(path))
                return .sizes(sizes)
            }
            if let retention {
                group.addTask {
                    var purged = 0
                    while clock.now < end {
                        purged += try await retention.pass().notifications
                        try await clock.sleep(for: .milliseconds(200))
                    }
                    return .purged(purged)
                }
            }
            var phase = Phase(
                accepted: 0, refused: 0, p50Milliseconds: 0, p99Milliseconds: 0, maxMilliseconds: 0, fileMiB: [],
                purged: 0)
            for try await part in group {
                switch part {
                case .latencies(let latencies, let refused):
                    let sorted = latencies.map { Self.seconds($0) * 1000 }.sorted()
                    phase.accepted = sorted.count
                    phase.refused = refused
                    phase.p50Milliseconds = Self.percentile(sorted, 0.50)
                    phase.p99Milliseconds = Self.percentile(sorted, 0.99)
                    phase.maxMilliseconds = sorted.last ?? 0
                case .sizes(let sizes): phase.fileMiB = sizes
                case .purged(let purged): phase.purged = purged
                case .none: break
                }
            }
            return phase
        }
    }

    private enum PhasePart: Sendable {
        case latencies([Duration], refused: Int)
        case sizes([Double])
        case purged(Int)
        case none
    }

    private static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((Double(sorted.count - 1) * fraction).rounded())
        return (sorted[rank] * 100).rounded() / 100
    }

    private static func fileMiB(_ path: String) -> Double {
        let bytes = [path, path + "-wal"].reduce(0) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
            return total + size
        }
        return (Double(bytes) / 1_048_576 * 10).rounded() / 10
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
