import Foundation

/// Runs the real curl, with an environment free of proxy variables.
package enum Curl {
    package struct Result: Sendable, CustomStringConvertible {
        package var exitCode: Int32
        /// The final response's status; 0 when there was none.
        package var httpCode: Int
        /// The proxy's answer to CONNECT; 0 when there was none.
        package var connectCode: Int
        package var body: String
        package var stderr: String

        package var description: String {
            "curl exit \(self.exitCode), http \(self.httpCode), connect \(self.connectCode), stderr: \(self.stderr)"
        }
    }

    package static func run(_ arguments: [String], timeoutSeconds: Int = 15) async throws -> Result {
        // NO_PROXY and friends would otherwise change what curl does with -x.
        let (status, output, errorOutput) = try await ChildProcess.run(
            "curl",
            ["-sS", "--max-time", String(timeoutSeconds), "-o", "-", "-w", "\n%{http_code} %{http_connect}"]
                + arguments,
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        )
        var body = output
        var codes: [Int] = []
        if let newline = output.lastIndex(of: "\n") {
            body = String(output[..<newline])
            codes = output[output.index(after: newline)...].split(separator: " ").map { Int($0) ?? 0 }
        }
        return Result(
            exitCode: status,
            httpCode: codes.first ?? 0,
            connectCode: codes.count > 1 ? codes[1] : 0,
            body: body,
            stderr: errorOutput
        )
    }
}
