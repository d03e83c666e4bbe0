import Foundation
import Testing

@testable import PushgateServer

@Suite("RFC3339")
struct RFC3339Tests {
    @Test(
        "parses date-times with Z, offsets and fractions",
        arguments: [
            ("1970-01-01T00:00:00Z", 0.0),
            ("2023-11-14T22:13:20Z", 1_700_000_000),
            ("2023-11-14t22:13:20z", 1_700_000_000),
            ("2023-11-15T00:13:20+02:00", 1_700_000_000),
            ("2023-11-14T17:13:20-05:00", 1_700_000_000),
            ("2025-06-15T15:06:40.25Z", 1_750_000_000.25),
            ("2024-02-29T00:00:00Z", 1_709_164_800),
            ("1969-12-31T23:59:59Z", -1),
        ] as [(String, Double)])
    func parses(_ text: String, _ seconds: Double) throws {
        let date = try #require(RFC3339.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.0001)
    }

    @Test(
        "refuses anything else",
        arguments: [
            "", "2023-11-14", "2023-11-14T22:13:20", "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
            "2023-11-14T24:00:00Z",
            "2023-11-14T22:13:20+2:00", "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20Zjunk", "tomorrow", "1700000000",
        ])
    func refuses(_ text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test("formats in UTC with milliseconds and round-trips")
    func formats() throws {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_750_000_000.25)) == "2025-06-15T15:06:40.250Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        for _ in 0..<1000 {
            let date = Date(
                timeIntervalSince1970: Double(Int64.random(in: -2_000_000_000_000...9_000_000_000_000)) / 1000)
            let parsed = try #require(RFC3339.parse(RFC3339.format(date)))
            // Formatting truncates to the millisecond.
            #expect(abs(parsed.timeIntervalSince(date)) < 0.0011)
        }
    }
}
