import Foundation
import Testing

@testable import PushgateSimulator

@Suite("Payload JSON check")
struct JSONSyntaxValidatorTests {
    static let cases: [(String, JSONSyntaxValidator.PayloadShape)] = [
        (#"{"aps":{"alert":"hi"}}"#, .object(apsIsObject: true)),
        (#" { "aps" : { } , "x" : [1, -2.5e3, true, false, null, "\u00e9\n"] } "#, .object(apsIsObject: true)),
        ("{}", .object(apsIsObject: nil)),
        (#"{"mdm":"abc"}"#, .object(apsIsObject: nil)),
        (#"{"aps":"alert"}"#, .object(apsIsObject: false)),
        (#"{"nested":{"aps":"not top level"}}"#, .object(apsIsObject: nil)),
        (#"{"é":"ü日本"}"#, .object(apsIsObject: nil)),
        ("", .invalid),
        ("[]", .invalid),
        (#""aps""#, .invalid),
        (#"{"aps":{}"#, .invalid),
        (#"{"aps":{}}}"#, .invalid),
        (#"{"a":01}"#, .invalid),
        (#"{"a":1.}"#, .invalid),
        (#"{"a":tru}"#, .invalid),
        (#"{"a":"\x"}"#, .invalid),
        ("{\"a\":\"\u{01}\"}", .invalid),
        (#"{'a':1}"#, .invalid),
        (#"{"a":1,}"#, .invalid),
        (#"{"a" 1}"#, .invalid),
        (String(repeating: "[", count: 100) + String(repeating: "]", count: 100), .invalid),
    ]

    @Test("Shapes", arguments: cases)
    func shape(_ json: String, _ expected: JSONSyntaxValidator.PayloadShape) {
        let shape = Array(json.utf8).withUnsafeBytes { JSONSyntaxValidator.inspectPayload($0) }
        #expect(shape == expected)
    }

    @Test("Invalid UTF-8 in a string is rejected")
    func invalidUTF8() {
        let bytes: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(bytes.withUnsafeBytes { JSONSyntaxValidator.inspectPayload($0) } == .invalid)
    }

    @Test("Agrees with JSONSerialization on what is a JSON object")
    func agreesWithFoundation() throws {
        let samples = [
            #"{"aps":{"alert":{"title":"T","body":"B"},"badge":0,"sound":"default"},"custom":{"k":[1,2,{"z":null}]}}"#,
            #"{"x":-0}"#, #"{"x":"\ud83d\ude00"}"#, #"{"x":[]}"#, #"{"x":{}}"#,
        ]
        for sample in samples {
            let foundation = (try? JSONSerialization.jsonObject(with: Data(sample.utf8))) is [String: Any]
            let ours = Array(sample.utf8).withUnsafeBytes { JSONSyntaxValidator.inspectPayload($0) } != .invalid
            #expect(ours == foundation, "\(sample)")
        }
    }
}

@Suite("apns-id, base64url and fault table")
struct IdentifierAndFaultTests {
    @Test("apns-id parses either case and formats upper case")
    func apnsID() throws {
        let lower = try #require(APNSID(parsing: "123e4567-e89b-12d3-a456-426614174000"))
        let upper = try #require(APNSID(parsing: "123E4567-E89B-12D3-A456-426614174000"))
        #expect(lower == upper)
        #expect(lower.uppercaseString == "123E4567-E89B-12D3-A456-426614174000")
        for bad in [
            "", "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g",
            "123e4567-e89b-12d3-a456-4266141740000", "123e4567-e89b-12d3-a456_426614174000",
        ] {
            #expect(APNSID(parsing: bad) == nil, "\(bad)")
        }
        let random = APNSID.random()
        let text = random.uppercaseString
        #expect(UUID(uuidString: text) != nil)
        #expect(APNSID(parsing: text) == random)
        #expect(text.dropFirst(14).first == "4")  // version 4

        var generator = SplitMix64()
        let ids = (0..<1000).map { _ in APNSID.random(using: &generator) }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { UUID(uuidString: $0.uppercaseString) != nil })
    }

    @Test("base64url round trip and strictness")
    func base64URL() {
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
            let encoded = Base64URL.encode(bytes)
            #expect(encoded == TestJWT.base64URL(Data(bytes)))
            #expect(Base64URL.decode(encoded) == bytes)
        }
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("ab=") == nil)
        #expect(Base64URL.decode("a+b/") == nil)
    }

    @Test("Fault rules match device-token prefixes case-insensitively; slow becomes the configured delay")
    func faultTable() {
        let table = APNSFaultTable(rules: APNSSimulator.FaultRule.defaults, slowResponseDelay: .milliseconds(250))
        #expect(
            table.fault(forDeviceToken: Substring("41000000" + String(repeating: "a", count: 56)))
                == .respond(status: 410, reason: "Unregistered")
        )
        #expect(
            table.fault(forDeviceToken: Substring("DE1A0000" + String(repeating: "a", count: 56)))
                == .delay(.milliseconds(250))
        )
        #expect(table.fault(forDeviceToken: "4100000") == nil)
        #expect(table.fault(forDeviceToken: Substring(String(repeating: "1", count: 64))) == nil)
        #expect(table.refusesStream(forDeviceToken: "ef000000abc"))
        #expect(!table.refusesStream(forDeviceToken: "51100000abc"))
        // No two default rules share a prefix (a second one would never match).
        let prefixes = APNSSimulator.FaultRule.defaults.map(\.tokenPrefix)
        #expect(Set(prefixes).count == prefixes.count)
    }
}
