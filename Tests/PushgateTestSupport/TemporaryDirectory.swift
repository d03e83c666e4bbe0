import Foundation

/// A fresh folder under the system's temporary directory, one per test, so tests run in
/// parallel without sharing a database file, a PEM file or a configuration.
package struct TemporaryDirectory: Sendable {
    package let url: URL

    package init() throws {
        self.url = FileManager.default.temporaryDirectory
            .appendingPathComponent("pushgate-tests", isDirectory: true)
            .appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: self.url, withIntermediateDirectories: true)
    }

    /// Writes `contents` to `name` and returns the path.
    @discardableResult
    package func write(_ name: String, _ contents: String) throws -> String {
        let file = self.url.appendingPathComponent(name)
        try contents.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    package func path(_ name: String) -> String {
        self.url.appendingPathComponent(name).path
    }

    package func remove() {
        try? FileManager.default.removeItem(at: self.url)
    }

    /// Runs `body` with a fresh folder and removes it afterwards, whatever happened.
    package static func with<Result>(_ body: (TemporaryDirectory) async throws -> Result) async throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        return try await body(directory)
    }
}
