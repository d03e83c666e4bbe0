import Foundation
import NIOConcurrencyHelpers

/// Runs a command found on `PATH` to its end, as a user would from a shell (curl, openssl, …).
package enum ChildProcess {
    /// Foundation's `Process.run()` on Linux is not safe to call from many threads at once (a
    /// parallel test run crashed inside it): every test that starts a process starts it
    /// here, one at a time; the children still run side by side.
    private static let startLock = NIOLock()

    /// Starts `process` on a thread of its own: waiting for the lock must not block one of the
    /// few threads Swift concurrency runs every test on.
    package static func start(_ process: Process) async throws {
        let box = ProcessBox(process)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                do {
                    try Self.startLock.withLock { try box.process.run() }
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// The exit status and what the command wrote. `environment` replaces the inherited one
    /// when given (curl, say, must not see proxy variables).
    package static func run(
        _ command: String, _ arguments: [String], environment: [String: String]? = nil
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        if let environment { process.environment = environment }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let (status, output, errorOutput) = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<(Int32, Data, Data), any Error>) in
            process.terminationHandler = { process in
                let output = stdout.fileHandleForReading.readDataToEndOfFile()
                let errorOutput = stderr.fileHandleForReading.readDataToEndOfFile()
                continuation.resume(returning: (process.terminationStatus, output, errorOutput))
            }
            let box = ProcessBox(process)
            Thread.detachNewThread {
                do {
                    try Self.startLock.withLock { try box.process.run() }
                } catch {
                    box.process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        }
        return (status, String(decoding: output, as: UTF8.self), String(decoding: errorOutput, as: UTF8.self))
    }
}

/// `Process` handed to the thread that starts it; only that thread touches it until it runs.
private final class ProcessBox: @unchecked Sendable {
    let process: Process
    init(_ process: Process) { self.process = process }
}
