import Foundation
import PushgateCore
import Testing

@Suite struct JSONWriterTests {
    /// Written JSON parses back (with Foundation) to the same value.
    @Test(arguments: [
        JSONValue.object([:]),
        .object([
            "aps": .object([
                "alert": .object(["title": "Hi \"there\"", "body": "line\nbreak\ttab\\slash"]), "badge": 3,
            ])
        ]),
        .object(["control": .string("\u{01}\u{1F}\r"), "unicode": "日本語 🚀 é", "empty": ""]),
        .object([
            "n": .number(0.5), "big": .number(1e300), "neg": .integer(-42), "whole": .number(3),
            "tiny": .number(-1.25e-7),
        ]),
        .object(["list": .array([.null, .bool(true), .bool(false), .array([]), .object(["k": 1])])]),
    ])
    func roundTripsThroughFoundation(value: JSONValue) throws {
        let bytes = try JSONWriter.bytes(value)
        let parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        let expected = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value), options: [.fragmentsAllowed])
        #expect(
            NSDictionary(dictionary: parsed as? [String: Any] ?? [:])
                == NSDictionary(dictionary: expected as? [String: Any] ?? [:]))
        #expect(
            try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
                == JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value)))
    }

    @Test func escapesAsRFC8259Requires() throws {
        let bytes = try JSONWriter.bytes(.string("a\"b\\c\u{0}\u{7}"))
        #expect(String(decoding: bytes, as: UTF8.self) == #""a\"b\\c\u0000\u0007""#)
        // Escapes at either end, runs of plain bytes between them, and multi-byte characters
        // (copied as they are) in a string long enough to live outside the small-string form.
        let mixed = "\"héllo 😀 wörld\u{1F}\r\n" + String(repeating: "long run ", count: 8) + "\\"
        let written = try JSONWriter.bytes(.string(mixed))
        #expect(try JSONDecoder().decode(String.self, from: Data(written)) == mixed)
        #expect(String(decoding: written, as: UTF8.self).hasPrefix(#""\"héllo 😀 wörld\u001f\r\n"#))
    }

    @Test func refusesNonFiniteNumbers() {
        #expect(throws: JSONWriter.InvalidValue.self) { try JSONWriter.bytes(.object(["x": .number(.infinity)])) }
        #expect(throws: JSONWriter.InvalidValue.self) { try JSONWriter.bytes(.number(.nan)) }
    }

    @Test func lowercaseUUIDsMatchFoundation() {
        for _ in 0..<100 {
            let id = UUID()
            #expect(id.lowercasedString == id.uuidString.lowercased())
            var bytes = Array("x".utf8)
            id.appendLowercased(to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == "x" + id.uuidString.lowercased())
        }
    }

    @Test func idMembersAreWrittenAsStrings() throws {
        let id = UUID()
        var json = JSONOutput()
        json.beginObject()
        json.member("id", id)
        json.member("url", id, prefix: "/v1/n/")
        json.endObject()
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(json.bytes))
        #expect(decoded == ["id": id.uuidString.lowercased(), "url": "/v1/n/" + id.uuidString.lowercased()])
    }
}

@Suite struct JSONSizeBoundTests {
    static let values: [JSONValue] = [
        .null, true, false, .integer(.min), .integer(.max), .number(-2.2250738585072014e-308),
        .number(1.7976931348623157e308), .number(0.1), .number(-123_456_789_012_345.5),
        .string(""), .string("\u{0}\u{1F}\"\\\n"), .string("héllo 😀"),
        .array([]), .array([.null, .string("x"), .array([.integer(1)])]),
        .object(["a\u{1}": .object(["b": .array([.number(3.25), .string(String(repeating: "\"", count: 40))])])]),
    ]

    @Test("the bound is never below what the writer writes", arguments: values)
    func boundsTheWrittenSize(_ value: JSONValue) throws {
        let written = try JSONWriter.bytes(value)
        let bound = try #require(value.encodedSizeBound)
        #expect(bound >= written.count)
    }

    @Test func noBoundForWhatCannotBeWritten() {
        #expect(JSONValue.number(.nan).encodedSizeBound == nil)
        #expect(JSONValue.object(["x": .array([.number(.infinity)])]).encodedSizeBound == nil)
    }
}
