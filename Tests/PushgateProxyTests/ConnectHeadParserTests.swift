import Testing

@testable import PushgateProxy

@Suite("CONNECT head parsing")
struct ConnectHeadParserTests {
    private func parse(_ text: String, max: Int = 8192) -> ConnectHeadParser.Outcome {
        var parser = ConnectHeadParser(maxBytes: max)
        return parser.feed(Array(text.utf8))
    }

    @Test("A complete head with fields and trailing bytes")
    func complete() throws {
        let outcome = self.parse(
            "CONNECT api.push.apple.com:443 HTTP/1.1\r\nHost: api.push.apple.com:443\r\n"
                + "Proxy-Authorization:  Basic dTpw \t\r\n\r\n\u{16}\u{03}\u{01}"
        )
        guard case .head(let head, let remainder) = outcome else {
            Issue.record("expected a head, got \(outcome)")
            return
        }
        #expect(head.method == "CONNECT")
        #expect(head.target == "api.push.apple.com:443")
        #expect(head.minorVersion == 1)
        #expect(head.values("proxy-authorization") == ["Basic dTpw"])
        #expect(head.values("HOST") == ["api.push.apple.com:443"])
        #expect(remainder == [0x16, 0x03, 0x01])
    }

    @Test("Bytes may arrive one at a time; LF-only lines and leading empty lines are accepted")
    func incremental() {
        var parser = ConnectHeadParser(maxBytes: 8192)
        let text = Array("\r\n\nCONNECT example.com:443 HTTP/1.0\nHost: x\n\n".utf8)
        for byte in text.dropLast() {
            #expect(parser.feed([byte]) == .needMoreData)
        }
        guard case .head(let head, let remainder) = parser.feed([text.last!]) else {
            Issue.record("expected a head")
            return
        }
        #expect(head.minorVersion == 0)
        #expect(remainder.isEmpty)
    }

    @Test("The byte budget covers the whole head, with or without its end")
    func budget() {
        let head = "CONNECT example.com:443 HTTP/1.1\r\nX: " + String(repeating: "a", count: 200) + "\r\n\r\n"
        #expect(self.parse(head, max: head.utf8.count) != .tooLarge)
        #expect(self.parse(head, max: head.utf8.count - 1) == .tooLarge)
        #expect(self.parse(String(repeating: "a", count: 300), max: 256) == .tooLarge)
        #expect(self.parse(String(repeating: "\r\n", count: 200), max: 256) == .tooLarge)
    }

    @Test(
        "Malformed heads",
        arguments: [
            "CONNECT  example.com:443 HTTP/1.1\r\n\r\n",
            "CONNECT example.com:443\r\n\r\n",
            "CONNECT example.com:443 HTTP/2.0\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1 extra\r\n\r\n",
            "CONN(ECT example.com:443 HTTP/1.1\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\nHost : x\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\nNoColon\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\nX: a\rb\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\nX: a\u{01}b\r\n\r\n",
            "CONNECT exam\u{7F}ple.com:443 HTTP/1.1\r\n\r\n",
        ]
    )
    func malformed(text: String) {
        guard case .malformed = self.parse(text) else {
            Issue.record("expected malformed for \(text.debugDescription), got \(self.parse(text))")
            return
        }
    }
}
