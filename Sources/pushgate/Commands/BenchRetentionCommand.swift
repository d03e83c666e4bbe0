import ArgumentParser
import Foundation
import PushgateServer

struct BenchRetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Measure what retention costs ingest on a large SQLite queue.",
        discussion: """
            Fills a new file with --fill delivered notifications, then accepts --rate single-device \
            notifications per second for --seconds twice: without retention, then while retention \
            deletes the old rows. Prints accept p50/p99 and the file size each second, as one JSON line.
            """
    )

    @Option(help: "The database file to create (must not exist).") var path: String
    @Option(help: "Finished notifications to start with.") var fill: Int = 1_000_000
    @Option(help: "Accepts per second in each phase.") var rate: Int = 2_000
    @Option(help: "Length of each phase.") var seconds: Int = 20

    func validate() throws {
        guard !FileManager.default.fileExists(atPath: self.path) else {
            throw ValidationError("--path \(self.path) exists; give a new file")
        }
        guard (0...20_000_000).contains(self.fill) else { throw ValidationError("--fill must be 0…20000000") }
        guard (1...100_000).contains(self.rate) else { throw ValidationError("--rate must be 1…100000") }
        guard (1...3_600).contains(self.seconds) else { throw ValidationError("--seconds must be 1…3600") }
    }

    func run() async throws {
        let logger = CLILogging.logger("pushgate.bench")
        let result: RetentionBenchmark.Result
        do {
            result = try await RetentionBenchmark.run(
                path: self.path, fill: self.fill, ratePerSecond: self.rate, seconds: self.seconds, logger: logger)
        } catch {
            throw CLIError("\(error)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}
