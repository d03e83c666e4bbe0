import PushgateCore
import Testing

@testable import PushgateServer

@Suite("JSONParser")
struct JSONParserTests {
    @Test(
        "parses every JSON type",
        arguments: [
            (
                #"{"a":[1,-2.5,true,false,null,"x"],"b":{}}"#,
                JSONValue.object([
                    "a": .array([.integer(1), .number(-2.5), .bool(true), .bool(false), .null, .string("x")]),
                    "b": .object([:]),
                ])
            ),
            (" [ ] ", .array([])),
            ("0", .integer(0)),
            ("-0.5e2", .number(-50)),
            ("1E3", .number(1000)),
            ("9223372036854775807", .integer(Int.max)),
            ("9223372036854775808", .number(9_223_372_036_854_775_808)),
            (#""\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#, .string("\"\\/\u{08}\u{0C}\n\r\té😀")),
            (#""héllo""#, .string("héllo")),
            ("\u{FEFF}{}", .object([:])),
        ] as [(String, JSONValue)])
    func valid(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONParser.parse(Array(text.utf8)) == expected)
    }

    @Test(
        "rejects what RFC 8259 does not allow",
        arguments: [
            "", " ", "{", "}", "[1,]", #"{"a":1,}"#, #"{"a" 1}"#, "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "tru",
            "nul",
            "NaN", "Infinity", #""\x""#, #""\u12""#, #""\udc00""#, #""\ud800x""#, "\"tab\there\"", #"{"k":1,"k":2}"#,
            "1 2", "'a'", "1e999",
        ])
    func invalid(_ text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("rejects invalid UTF-8 and deep nesting")
    func limits() {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse([0x22, 0xF0, 0x9F, 0x98, 0x22]) }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(Array(fine.utf8)) }
    }
}
