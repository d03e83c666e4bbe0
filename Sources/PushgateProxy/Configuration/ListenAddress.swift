/// A `host:port` to bind (`0.0.0.0:8443`, `[::]:8443`, `127.0.0.1:9090`); port 0 picks a free port.
struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    var host: String
    var port: Int

    /// Fails with the reason when `text` is not `host:port`.
    static func parse(_ text: String) -> Result<ListenAddress, ParseError> {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                text[text.index(after: close)...].hasPrefix(":")
            else { return .failure(ParseError("write [IPv6]:port")) }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(ParseError("missing :port (write host:port, like 0.0.0.0:8443)"))
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return .failure(ParseError("put an IPv6 address in brackets: [::]:8443")) }
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace }) else {
            return .failure(ParseError("missing host (use 0.0.0.0 or [::] for all addresses)"))
        }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(portText), port <= 65535
        else { return .failure(ParseError("port must be 0...65535")) }
        return .success(ListenAddress(host: String(host), port: port))
    }

    var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    struct ParseError: Error, Equatable {
        var message: String
        init(_ message: String) { self.message = message }
    }
}
