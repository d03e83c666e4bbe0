import Foundation
import Testing

@Suite struct BenchCommandTests {
    @Test func benchSendsEveryNotificationOnceAndPrintsJSONLast() async throws {
        let fixture = try await CLIFixture.start()
        let result = try await CLIRunner.run(
            ["bench", "apns", "-n", "500", "-c", "50", "--connections", "2"] + fixture.connectionArguments)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lastLine = try #require(result.stdout.split(separator: "\n").last)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
        #expect(summary["ok"] as? Int == 500)
        #expect(summary["errors"] as? Int == 0)
        #expect(summary["connections"] as? Int == 2)
        for key in ["notifications_per_sec", "cpu_seconds", "p50_ms", "p99_ms"] {
            #expect(summary[key] is Double || summary[key] is Int, "\(key) missing")
        }
        let counters = fixture.simulator.counters()
        #expect(counters.accepted == 500)
        #expect(counters.duplicateAPNSIDs == 0, "each notification has its own apns-id")
        try await fixture.stop()
    }

    @Test func benchReportsFailuresAndExitsNonZero() async throws {
        let fixture = try await CLIFixture.start()
        let result = try await CLIRunner.run(
            ["bench", "apns", "-n", "20", "-c", "5", "--token", CLIFixture.token(prefix: "50300000")]
                + fixture.connectionArguments)
        #expect(result.status == 4)
        let lastLine = try #require(result.stdout.split(separator: "\n").last)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
        #expect(summary["errors"] as? Int == 20)
        #expect((summary["error_outcomes"] as? [String: Int])?["retryable"] == 20)
        try await fixture.stop()
    }
}
