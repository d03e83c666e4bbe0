import Foundation
import Testing

/// `send` and `bench` for Xiaomi and vivo against their `simulate` commands, as a user runs them.
@Suite("send and bench xiaomi and vivo against their simulators", .timeLimit(.minutes(2)))
struct XiaomiVivoCommandTests {
    static let vendors: [(vendor: String, simulate: [String], flags: [String], dead: String)] = [
        (
            "xiaomi", ["xiaomi", "--app", "cli+secret/=:com.example.cli"],
            ["--app-secret", "cli+secret/=", "--package", "com.example.cli"], "BAD-1"
        ),
        (
            "vivo", ["vivo", "--app", "10077:cli-key:cli-secret"],
            ["--app-id", "10077", "--app-key", "cli-key", "--app-secret", "cli-secret"], "BAD1-x"
        ),
    ]

    @Test("delivered exits 0, a dead token exits 3, bench prints its JSON line", arguments: [0, 1])
    func sendAndBench(index: Int) async throws {
        let vendor = Self.vendors[index]
        try await SimulatorProcess.run(vendor.simulate) { url, caFile in
            let reach = vendor.flags + ["--endpoint", url, "--ca-file", caFile]
            let delivered = try await CLIRunner.run(
                ["send", vendor.vendor, "--token", "CLITOKEN1", "--title", "Hi", "--body", "There"] + reach)
            #expect(delivered.status == 0, "\(delivered.stdout) \(delivered.stderr)")
            #expect(delivered.stdout.hasPrefix("delivered"))

            let dead = try await CLIRunner.run(
                ["send", vendor.vendor, "--token", vendor.dead, "--title", "Hi", "--body", "There"] + reach)
            #expect(dead.status == 3, "\(dead.stdout) \(dead.stderr)")

            let bench = try await CLIRunner.run(
                ["bench", vendor.vendor, "-n", "300", "-c", "3", "--batch", "50", "--title", "B", "--body", "b"] + reach
            )
            #expect(bench.status == 0, "\(bench.stdout) \(bench.stderr)")
            let line = try #require(bench.stdout.split(separator: "\n").last)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["ok"] as? Int == 300)
            #expect(object["requests"] as? Int == 6)
        }
    }
}
