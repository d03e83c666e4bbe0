import Foundation
import PushgateStore
import PushgateTestSupport
import Testing

@Suite("SQLite store benchmark", .timeLimit(.minutes(5)))
struct SQLiteStoreBenchmarkTests {
    /// Runs the `pushgate bench store` helper at a small size, so it stays working. The figures
    /// are printed, not asserted (they depend on the machine, the disk and the build mode).
    /// `PUSHGATE_STORE_BENCH_SUBMISSIONS` raises the size for a real measurement.
    @Test func benchmarkRuns() async throws {
        let environment = ProcessInfo.processInfo.environment
        let submissions = environment["PUSHGATE_STORE_BENCH_SUBMISSIONS"].flatMap(Int.init) ?? 2_000
        let targets = environment["PUSHGATE_STORE_BENCH_TARGETS"].flatMap(Int.init) ?? 1
        let concurrency = environment["PUSHGATE_STORE_BENCH_CONCURRENCY"].flatMap(Int.init) ?? 64
        try await TemporaryDirectory.with { directory in
            let result = try await SQLiteStoreBenchmark.run(
                path: directory.path("bench.sqlite"),
                submissions: submissions,
                targetsPerSubmission: targets,
                concurrency: concurrency
            )
            print(
                "store benchmark: \(submissions) submissions × \(targets) targets, concurrency \(concurrency): "
                    + "\(Int(result.acceptedPerSecond)) accepted/s, "
                    + "\(Int(result.leasedAndRecordedPerSecond)) leased+recorded deliveries/s"
            )
            #expect(result.acceptedPerSecond > 0)
            #expect(result.leasedAndRecordedPerSecond > 0)
        }
    }
}
