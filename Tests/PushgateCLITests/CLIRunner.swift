import Foundation
import PushgateTestSupport
import Testing

/// Runs the built `pushgate` executable as a user would.
enum CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `PUSHGATE_BIN`, or `pushgate` next to the test bundle in the build folder.
    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["PUSHGATE_BIN"] {
            return URL(fileURLWithPath: path)
        }
        var candidates: [URL] = []
        for start in [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])] {
            var directory = start
            for _ in 0..<4 {
                directory = directory.deletingLastPathComponent()
                candidates.append(directory.appendingPathComponent("pushgate"))
            }
        }
        // A file, not a folder: a clone named `pushgate` is a searchable folder, and it sits
        // four levels above the build folder.
        func isExecutableFile(_ url: URL) -> Bool {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && FileManager.default.isExecutableFile(atPath: url.path)
        }
        guard let found = candidates.first(where: isExecutableFile) else {
            throw CLIError("pushgate binary not found; run `swift build` first or set PUSHGATE_BIN")
        }
        return found
    }

    struct CLIError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Result {
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try await ChildProcess.start(process)
        // Read both pipes while the process runs so a full pipe cannot block it.
        async let out = Task.detached { stdout.fileHandleForReading.readDataToEndOfFile() }.value
        async let err = Task.detached { stderr.fileHandleForReading.readDataToEndOfFile() }.value
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                Issue.record("pushgate \(arguments.first ?? "") timed out")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: await out, as: UTF8.self),
            stderr: String(decoding: await err, as: UTF8.self)
        )
    }
}
