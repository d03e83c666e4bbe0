import Foundation
import Testing

@testable import PushgateCore

@Suite("time-ordered ids")
struct TimeOrderedUUIDTests {
    @Test("version 7 with the RFC variant, the time in the first 60 bits, the rest random")
    func layout() {
        let date = Date(timeIntervalSince1970: 1_733_300_000.500_25)
        let id = UUID.timeOrdered(at: date)
        let text = id.uuidString.lowercased()
        // 1,733,300,000,500 ms = 0x0193_90bb_16f4, then version 7, then a quarter of a
        // millisecond in 12 bits (0x400, give or take the last bit of a Double).
        #expect(text.hasPrefix("019390bb-16f4-73f") || text.hasPrefix("019390bb-16f4-740"))
        #expect(["8", "9", "a", "b"].contains(text[text.index(text.startIndex, offsetBy: 19)]))
        #expect(UUID.timeOrdered(at: date) != id, "74 random bits")
    }

    @Test("ids made in later milliseconds sort later, byte by byte, as the stores compare them")
    func order() {
        let start = Date(timeIntervalSince1970: 1_733_300_000)
        // Half a millisecond in, so that no floating-point step lands just below a boundary.
        let ids = (0..<1_000).map { UUID.timeOrdered(at: start.addingTimeInterval(0.0005 + Double($0) / 1000)) }
        let bytes = ids.map { withUnsafeBytes(of: $0.uuid) { Array($0) } }
        let sorted = zip(bytes, bytes.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) }
        #expect(sorted)
    }

    @Test("the random bits stay distinct across the generator's bulk refills, from any thread")
    func distinctAcrossRefills() async {
        let date = Date(timeIntervalSince1970: 1_733_300_000)
        // 4 tasks × 1,000 ids: several refills of 512 words, taken concurrently.
        let ids = await withTaskGroup(of: [UUID].self) { group in
            for _ in 0..<4 { group.addTask { (0..<1_000).map { _ in UUID.timeOrdered(at: date) } } }
            return await group.reduce(into: [UUID]()) { $0 += $1 }
        }
        #expect(Set(ids).count == 4_000)
    }
}
