import Foundation
import PushgateTestSupport
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

    @Test func benchRetentionMeasuresBothPhasesAndPurgesTheFill() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("retention.sqlite")
            let result = try await CLIRunner.run(
                ["bench", "retention", "--path", path, "--fill", "300", "--rate", "100", "--seconds", "2"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let lastLine = try #require(result.stdout.split(separator: "\n").last)
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
            #expect(summary["filled"] as? Int == 300)
            let without = try #require(summary["without_retention"] as? [String: Any])
            let with = try #require(summary["with_retention"] as? [String: Any])
            #expect(without["accepted"] as? Int == 200)
            #expect(without["purged"] as? Int == 0)
            #expect(with["accepted"] as? Int == 200)
            #expect((with["purged"] as? Int ?? 0) >= 300, "the fill and the first phase are finished and old")
            #expect((with["file_mib"] as? [Double])?.isEmpty == false)

            let again = try await CLIRunner.run(["bench", "retention", "--path", path])
            #expect(again.status != 0)
            #expect(again.stderr.contains("exists"))
        }
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
