import Foundation

/// A small tmpfs mounted on a fresh folder: a disk that really fills up (ENOSPC), for the
/// full-disk tests. Mounting needs root and a kernel that allows it (the test script runs as
/// root); `isAvailable` says whether this machine can.
package struct SmallDisk: Sendable {
    package let directory: TemporaryDirectory

    package static var isAvailable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/mount")
    }

    package static func mount(megabytes: Int) async throws -> SmallDisk {
        let directory = try TemporaryDirectory()
        let result = try await ChildProcess.run(
            "mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", directory.url.path])
        guard result.status == 0 else {
            directory.remove()
            throw SmallDiskError(message: "mount tmpfs failed: \(result.stderr)")
        }
        return SmallDisk(directory: directory)
    }

    package func path(_ name: String) -> String { self.directory.path(name) }

    /// Fills the disk with a file of `megabytes`, to take space away and give it back later.
    package func fill(_ name: String, megabytes: Int) throws {
        let chunk = Data(repeating: 0xAB, count: 1 << 20)
        _ = FileManager.default.createFile(atPath: self.path(name), contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: self.path(name)))
        defer { try? handle.close() }
        for _ in 0..<megabytes { try handle.write(contentsOf: chunk) }
    }

    package func unmount() async {
        _ = try? await ChildProcess.run("umount", ["-l", self.directory.url.path])
        self.directory.remove()
    }
}

package struct SmallDiskError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { self.message }
}
