import Crypto
import Foundation
import Logging
import PushgateSimulator
import PushgateTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `pushgate serve` as a child process on a real SQLite file (or a given store), sending to a simulator that runs
/// in the test (so the test reads its counters), as an operator would run it.
final class GatewayProcess: @unchecked Sendable {
    // @unchecked: `process` is replaced only by start/stop, which the test calls in sequence.
    let directory: URL
    let configFile: URL
    let apiKey = "pg_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
    let port: Int
    private var process: Process?

    /// Writes the configuration; `extraAppYAML` adds keys to the app (indented 4 spaces); `store`
    /// replaces the SQLite file in the process's folder.
    init(
        simulator: APNSSimulator, caPEM: String, keyPEM: String, keyID: String, teamID: String,
        extraAppYAML: String = "", store: String? = nil
    ) async throws {
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pushgate-gw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        let caFile = self.directory.appendingPathComponent("ca.pem")
        let keyFile = self.directory.appendingPathComponent("AuthKey.p8")
        try caPEM.write(to: caFile, atomically: true, encoding: .utf8)
        try keyPEM.write(to: keyFile, atomically: true, encoding: .utf8)
        self.port = try await Self.freePort()
        let hash = "sha256:" + SHA256.hash(data: Array(self.apiKey.utf8)).map { String(format: "%02x", $0) }.joined()
        let yaml = """
            listen: 127.0.0.1:\(self.port)
            store: \(store ?? "sqlite:" + self.directory.appendingPathComponent("pushgate.db").path)
            dispatcher:
              lease: 5s
            apps:
              - id: test
                api_keys: [\(hash)]
                apns:
                  topic: com.example.cli
                  key: \(keyFile.path)
                  key_id: \(keyID)
                  team_id: \(teamID)
                  endpoint: https://127.0.0.1:\(simulator.port)
                  ca_file: \(caFile.path)
                  request_timeout: 4s
            \(extraAppYAML)
            """
        self.configFile = self.directory.appendingPathComponent("pushgate.yaml")
        try yaml.write(to: self.configFile, atomically: true, encoding: .utf8)
    }

    func start() async throws {
        let process = Process()
        process.executableURL = try CLIRunner.binary()
        process.arguments = ["serve", "--config", self.configFile.path]
        process.standardOutput = FileHandle.nullDevice
        let log = self.directory.appendingPathComponent("serve-\(Date().timeIntervalSince1970).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try await ChildProcess.start(process)
        self.process = process
        for _ in 0..<200 {
            if (try? await self.request("GET", "/healthz").status) == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CLIRunner.CLIError("pushgate serve did not start; see \(log.path)")
    }

    /// SIGKILL: no shutdown handler runs, as in a crash.
    func kill() {
        guard let process = self.process else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// SIGTERM and wait; returns the exit status.
    func terminate() -> Int32 {
        guard let process = self.process else { return -1 }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    func cleanUp() {
        self.kill()
        try? FileManager.default.removeItem(at: self.directory)
    }

    struct Response {
        var status: Int
        var body: Data
        var headers: [String: String] = [:]
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: self.body) as? [String: Any] }
    }

    func request(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws
        -> Response
    {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(self.port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 30
        request.setValue("Bearer \(self.apiKey)", forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        var headers: [String: String] = [:]
        for (name, value) in (response as? HTTPURLResponse)?.allHeaderFields ?? [:] {
            headers["\(name)".lowercased()] = "\(value)"
        }
        return Response(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data, headers: headers)
    }

    static func freePort() async throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
