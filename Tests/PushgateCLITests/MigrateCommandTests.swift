import Foundation
import PushgateTestSupport
import Testing

@Suite("pushgate migrate")
struct MigrateCommandTests {
    @Test func migratesAStoreAndExits() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("queue.sqlite")
            let result = try await CLIRunner.run(["migrate", "--store", "sqlite:\(path)"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("ok: sqlite:\(path)"))
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    /// On the test cluster's own database (the store tests use databases of their own): twice, as
    /// a rollout that runs it on every node would.
    @Test func migratesPostgreSQLTwice() async throws {
        guard let url = ProcessInfo.processInfo.environment["PUSHGATE_TEST_POSTGRES_URL"], !url.isEmpty else {
            Issue.record(
                "PUSHGATE_TEST_POSTGRES_URL is not set: run scripts/test.sh or scripts/postgres-test-cluster.sh")
            return
        }
        for _ in 0..<2 {
            let result = try await CLIRunner.run(["migrate", "--store", url])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("ok: postgres://"))
            #expect(result.stdout.contains("<secret>"), "the password is never printed")
        }
    }

    @Test func aBadURLIsOneLineWithoutThePassword() async throws {
        let result = try await CLIRunner.run(["migrate", "--store", "postgres://u:hunter2@db/queue?pool=0"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("pool must be a number of connections"), "\(result.stderr)")
        #expect(!result.stderr.contains("hunter2"))
    }
}
