import Foundation
import PushgateTestSupport

/// What one curl run gave back.
struct CurlResult: Sendable {
    var exitCode: Int32
    /// The last response's status, 0 when curl got none.
    var status: Int
    /// Response header fields of the last response, names lower-cased.
    var headers: [String: String]
    var body: String
    var stderr: String

    /// The `reason` of an APNs error body.
    var reason: String? {
        self.json?["reason"] as? String
    }

    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(self.body.utf8))) as? [String: Any]
    }
}

/// Drives the simulator with the real curl (HTTP/2 via nghttp2), as an outside client would.
enum Curl {
    struct Request: Sendable {
        var url: String
        var method = "POST"
        var headers: [(String, String)] = []
        var body: String?
    }

    /// Runs curl with `--next` between requests, so they share one connection when curl can reuse it.
    static func run(
        _ requests: [Request],
        caFile: String,
        extraArguments: [String] = [],
        timeoutSeconds: Int = 10
    ) async throws -> CurlResult {
        var arguments: [String] = []
        for (index, request) in requests.enumerated() {
            if index > 0 { arguments.append("--next") }
            arguments += [
                "--http2", "--cacert", caFile, "-sS", "--max-time", String(timeoutSeconds),
                "-D", "-", "-o", "-", "-w", "\n%{http_code}", "-X", request.method,
            ]
            arguments += extraArguments
            for (name, value) in request.headers {
                arguments += ["-H", "\(name): \(value)"]
            }
            if let body = request.body {
                arguments += ["--data-binary", body]
            }
            arguments.append(request.url)
        }
        let (exitCode, output, errorOutput) = try await self.execute(arguments)
        return self.parse(exitCode: exitCode, output: output, errorOutput: errorOutput)
    }

    static func run(_ request: Request, caFile: String, extraArguments: [String] = [], timeoutSeconds: Int = 10)
        async throws -> CurlResult
    {
        try await self.run([request], caFile: caFile, extraArguments: extraArguments, timeoutSeconds: timeoutSeconds)
    }

    private static func execute(_ arguments: [String]) async throws -> (Int32, String, String) {
        let result = try await ChildProcess.run("curl", arguments)
        return (result.status, result.stdout, result.stderr)
    }

    /// Output is, per request: header block, body, "\n", status code. Only the last request is returned.
    private static func parse(exitCode: Int32, output: String, errorOutput: String) -> CurlResult {
        var rest = Substring(output)
        var result = CurlResult(exitCode: exitCode, status: 0, headers: [:], body: "", stderr: errorOutput)
        while let headerEnd = rest.range(of: "\r\n\r\n") {
            var headers: [String: String] = [:]
            for line in rest[..<headerEnd.lowerBound].split(separator: "\r\n").dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].lowercased()
                headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            rest = rest[headerEnd.upperBound...]
            // The body ends at the "\n<code>" curl writes after it; the next header block starts with "HTTP/".
            let nextHeader = rest.range(of: "HTTP/")?.lowerBound ?? rest.endIndex
            let chunk = rest[..<nextHeader]
            if let newline = chunk.lastIndex(of: "\n") {
                result.body = String(chunk[..<newline])
                result.status =
                    Int(chunk[chunk.index(after: newline)...].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
            result.headers = headers
            rest = rest[nextHeader...]
        }
        if result.headers.isEmpty, let code = Int(output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(3)) {
            result.status = code
        }
        return result
    }
}
