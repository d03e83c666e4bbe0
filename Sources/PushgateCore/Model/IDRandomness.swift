import Foundation

/// The random bits of ids, read from the kernel's generator 4 KiB at a time.
///
/// A `getrandom` system call per id (`SystemRandomNumberGenerator`) was 3 % of batch ingest,
/// which makes two ids per notification. The bits are the same kernel randomness, handed out
/// once each; ids are not secrets (every client sees its own).
final class IDRandomness: @unchecked Sendable {
    static let shared = IDRandomness()

    private static let wordsPerRefill = 512
    // Guarded by `lock`.
    private let lock = NSLock()
    private var words: [UInt64] = []
    private var nextIndex = 0

    func next() -> UInt64 {
        self.lock.lock()
        defer { self.lock.unlock() }
        if self.nextIndex == self.words.count {
            self.words = Self.read(count: Self.wordsPerRefill)
            self.nextIndex = 0
        }
        defer { self.nextIndex += 1 }
        return self.words[self.nextIndex]
    }

    private static func read(count: Int) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: count)
        let byteCount = count * MemoryLayout<UInt64>.size
        // /dev/urandom is the kernel's generator (what getrandom reads), on Linux and macOS.
        if let file = FileHandle(forReadingAtPath: "/dev/urandom") {
            defer { try? file.close() }
            if let data = try? file.read(upToCount: byteCount), data.count == byteCount {
                words.withUnsafeMutableBytes { _ = data.copyBytes(to: $0) }
                return words
            }
        }
        // If it cannot be read: the standard library's generator, one call a word.
        var generator = SystemRandomNumberGenerator()
        for index in words.indices { words[index] = generator.next() }
        return words
    }
}
