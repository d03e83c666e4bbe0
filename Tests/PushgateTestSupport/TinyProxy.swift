import Foundation
import NIOCore
import NIOPosix

/// tinyproxy (Debian's package) as a standard third-party CONNECT proxy, in the foreground
/// on a free loopback port. `scripts/test.sh` installs it.
///
/// `@unchecked Sendable`: its stored properties are set in `init` and never change; `Process`
/// is thread-safe for `terminate`/`waitUntilExit`.
package final class TinyProxy: @unchecked Sendable {
    package let port: Int
    private let process: Process
    private let directory: URL

    /// - Parameters:
    ///   - allowedPort: the only CONNECT port tinyproxy allows (others get 403).
    ///   - basicAuth: user and password tinyproxy demands (others get 407).
    package init(allowedPort: Int, basicAuth: (String, String)? = nil) async throws {
        self.port = try await Self.freePort()
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("tinyproxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        var config = """
            Port \(self.port)
            Listen 127.0.0.1
            Timeout 60
            MaxClients 200
            Allow 127.0.0.1
            ConnectPort \(allowedPort)
            LogLevel Error
            DisableViaHeader Yes

            """
        if getuid() == 0 { config += "User nobody\nGroup nogroup\n" }
        if let (user, password) = basicAuth { config += "BasicAuth \(user) \(password)\n" }
        let configFile = self.directory.appendingPathComponent("tinyproxy.conf")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        self.process = Process()
        self.process.executableURL = URL(fileURLWithPath: "/usr/bin/tinyproxy")
        self.process.arguments = ["-d", "-c", configFile.path]
        self.process.standardOutput = FileHandle.nullDevice
        self.process.standardError = FileHandle.nullDevice
        try await ChildProcess.start(self.process)
        try await Self.waitUntilListening(port: self.port)
    }

    package func stop() {
        if self.process.isRunning {
            // SIGKILL: on SIGTERM tinyproxy waits for its open tunnels to time out.
            kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: self.directory)
    }

    package static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tinyproxy") }

    /// A port nothing listens on right now.
    package static func freePort() async throws -> Int { try await freeLoopbackPort() }

    private static func waitUntilListening(port: Int) async throws {
        for _ in 0..<100 {
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            {
                try? await channel.close()
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CancellationError()
    }
}
