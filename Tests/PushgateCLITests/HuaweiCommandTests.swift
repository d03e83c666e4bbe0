import Foundation
import PushgateTestSupport
import Testing

/// `pushgate send huawei` and `bench huawei` against `pushgate simulate huawei`, all three as
/// the executable a user runs.
@Suite("send and bench huawei against simulate huawei", .timeLimit(.minutes(2)))
struct HuaweiCommandTests {
    static let app = "10000077"
    static let secret = "cli+secret/=="

    /// Runs `simulate huawei` on a free port until `body` returns, with the flags that reach it.
    static func withSimulator(_ body: (_ arguments: [String]) async throws -> Void) async throws {
        try await SimulatorProcess.run(["huawei", "--app", "\(Self.app):\(Self.secret)"]) { url, caFile in
            try await body([
                "--app-id", Self.app, "--client-secret", Self.secret, "--endpoint", url, "--auth-endpoint", url,
                "--ca-file", caFile,
            ])
        }
    }

    @Test("delivered: exit 0 and Huawei's requestId; a dead token exits 3; a bad secret exits 4 without a send")
    func send() async throws {
        try await Self.withSimulator { arguments in
            let delivered = try await CLIRunner.run(
                ["send", "huawei", "--token", "CLITOKEN1", "--title", "Hi", "--body", "There"] + arguments)
            #expect(delivered.status == 0, "\(delivered.stdout) \(delivered.stderr)")
            #expect(delivered.stdout.hasPrefix("delivered"))
            #expect(delivered.stdout.contains("message_id "))

            let dead = try await CLIRunner.run(["send", "huawei", "--token", "DEADTOKEN", "--title", "Hi"] + arguments)
            #expect(dead.status == 3, "\(dead.stdout) \(dead.stderr)")

            let json = try await CLIRunner.run(
                ["send", "huawei", "--token", "CLITOKEN2", "--title", "Hi", "--json", "--validate-only"] + arguments)
            #expect(json.status == 0, "\(json.stdout) \(json.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["outcome"] as? String == "delivered")

            var wrong = arguments
            wrong[wrong.firstIndex(of: Self.secret)!] = "not-the-secret"
            let refused = try await CLIRunner.run(["send", "huawei", "--token", "CLITOKEN3", "--title", "Hi"] + wrong)
            #expect(refused.status == 4, "\(refused.stdout) \(refused.stderr)")
            #expect(refused.stdout.contains("authentication"))
            #expect(!refused.stdout.contains("not-the-secret") && !refused.stderr.contains("not-the-secret"))
        }
    }

    @Test("bad input: a one-line error and a non-zero exit, nothing sent")
    func badInput() async throws {
        try await Self.withSimulator { arguments in
            let tooBig = try await CLIRunner.run(
                ["send", "huawei", "--token", "T", "--body", String(repeating: "x", count: 5000)] + arguments)
            #expect(tooBig.status == 1, "\(tooBig.stdout) \(tooBig.stderr)")
            #expect(tooBig.stderr.contains("4096"))
            let badApp = try await CLIRunner.run(
                ["send", "huawei", "--token", "T", "--title", "x", "--app-id", "abc"] + arguments.dropFirst(2))
            #expect(badApp.status != 0)
            #expect(badApp.stderr.contains("--app-id"))
        }
    }

    @Test("bench prints one JSON line with the agreed keys, single and batched")
    func bench() async throws {
        try await Self.withSimulator { arguments in
            for batch in ["1", "100"] {
                let result = try await CLIRunner.run(
                    ["bench", "huawei", "-n", "400", "-c", "4", "--batch", batch, "--title", "B"] + arguments)
                #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
                let line = try #require(result.stdout.split(separator: "\n").last)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(object["ok"] as? Int == 400)
                #expect(object["errors"] as? Int == 0)
                for key in ["notifications_per_sec", "cpu_seconds", "cpu_us_per_notification", "p50_ms", "p99_ms"] {
                    #expect(object[key] != nil, "\(key)")
                }
                #expect(object["requests"] as? Int == 400 / Int(batch)!)
            }
        }
    }
}

/// `pushgate simulate <vendor> --port 0 --ca-out …` as a child process, until `body` returns.
enum SimulatorProcess {
    static func run(_ arguments: [String], _ body: (_ url: String, _ caFile: String) async throws -> Void) async throws
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pg-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let caFile = directory.appendingPathComponent("ca.pem")
        let output = directory.appendingPathComponent("sim.out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = try CLIRunner.binary()
        process.arguments = ["simulate", arguments[0], "--port", "0", "--ca-out", caFile.path] + arguments.dropFirst()
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try await ChildProcess.start(process)
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var endpoint: String?
        for _ in 0..<200 where endpoint == nil {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            endpoint = text.split(separator: " ").first { $0.hasPrefix("https://") }.map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if endpoint == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let url = try #require(endpoint, "simulate \(arguments[0]) did not say where it listens")
        try await body(url, caFile.path)
    }
}
