/// Collects and parses an HTTP/1.x request head, incrementally and within a byte budget.
///
/// Strict where laxness could confuse the proxy with what the client meant (RFC 9112): one SP between the three parts
/// of the request line, no whitespace before a field's colon, no obs-fold, no bare CR, no control bytes. A line may end
/// in LF alone (§2.2 allows it). Empty lines before the request line are skipped but count towards the budget.
struct ConnectHeadParser: Sendable {
    enum Outcome: Equatable {
        case needMoreData
        /// The head, and the bytes that followed it (a client may send its TLS ClientHello without waiting).
        case head(ConnectRequestHead, remainder: [UInt8])
        case tooLarge
        case malformed(String)
    }

    let maxBytes: Int
    private var buffer: [UInt8] = []
    private var skippedBytes = 0
    private var scanFrom = 0

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Adds bytes; once a result other than `needMoreData` was returned the parser must not be fed again.
    mutating func feed<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Outcome {
        var bytes = bytes[...]
        if self.buffer.isEmpty {
            let leading = bytes.prefix { $0 == .cr || $0 == .lf }
            self.skippedBytes += leading.count
            bytes = bytes.dropFirst(leading.count)
        }
        self.buffer.append(contentsOf: bytes)

        guard let (lastLineEnd, headEnd) = self.findEndOfHead() else {
            self.scanFrom = max(0, self.buffer.count - 2)
            return self.skippedBytes + self.buffer.count > self.maxBytes ? .tooLarge : .needMoreData
        }
        guard self.skippedBytes + headEnd <= self.maxBytes else { return .tooLarge }
        let remainder = Array(self.buffer[headEnd...])
        switch Self.parseHead(self.buffer[..<lastLineEnd]) {
        case .success(let head): return .head(head, remainder: remainder)
        case .failure(let error): return .malformed(error.reason)
        }
    }

    /// (index of the LF that ends the last field line, index just past the empty line).
    private func findEndOfHead() -> (Int, Int)? {
        var index = self.scanFrom
        while index < self.buffer.count {
            if self.buffer[index] == .lf {
                let next = index + 1
                if next < self.buffer.count, self.buffer[next] == .lf { return (index, next + 1) }
                if next + 1 < self.buffer.count, self.buffer[next] == .cr, self.buffer[next + 1] == .lf {
                    return (index, next + 2)
                }
            }
            index += 1
        }
        return nil
    }

    private struct Malformed: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private static func parseHead(_ bytes: ArraySlice<UInt8>) -> Result<ConnectRequestHead, Malformed> {
        var lines: [ArraySlice<UInt8>] = []
        for rawLine in bytes.split(separator: .lf, omittingEmptySubsequences: false) {
            let line = rawLine.last == .cr ? rawLine.dropLast() : rawLine
            if line.contains(.cr) { return .failure(Malformed("bare CR")) }
            lines.append(line)
        }
        guard let requestLine = lines.first else { return .failure(Malformed("no request line")) }
        let parts = requestLine.split(separator: .space, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            return .failure(Malformed("request line is not METHOD SP target SP version"))
        }
        guard parts[0].allSatisfy(Self.isTokenByte) else { return .failure(Malformed("invalid method")) }
        guard parts[1].allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { return .failure(Malformed("invalid target")) }
        let minorVersion: Int
        switch String(decoding: parts[2], as: UTF8.self) {
        case "HTTP/1.1": minorVersion = 1
        case "HTTP/1.0": minorVersion = 0
        default: return .failure(Malformed("unsupported HTTP version"))
        }

        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let first = line.first else { return .failure(Malformed("empty line inside the head")) }
            if first == .space || first == .tab { return .failure(Malformed("obsolete line folding")) }
            guard let colon = line.firstIndex(of: .colon) else { return .failure(Malformed("field without colon")) }
            let name = line[..<colon]
            guard !name.isEmpty, name.allSatisfy(Self.isTokenByte) else {
                return .failure(Malformed("invalid field name"))
            }
            var value = line[line.index(after: colon)...]
            while let byte = value.first, byte == .space || byte == .tab { value = value.dropFirst() }
            while let byte = value.last, byte == .space || byte == .tab { value = value.dropLast() }
            guard value.allSatisfy({ $0 == .tab || ($0 >= 0x20 && $0 != 0x7F) }) else {
                return .failure(Malformed("control character in a field value"))
            }
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return .success(
            ConnectRequestHead(
                method: String(decoding: parts[0], as: UTF8.self),
                target: String(decoding: parts[1], as: UTF8.self),
                minorVersion: minorVersion,
                headers: headers
            )
        )
    }

    /// RFC 9110 tchar.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

extension UInt8 {
    fileprivate static let cr = UInt8(ascii: "\r")
    fileprivate static let lf = UInt8(ascii: "\n")
    fileprivate static let space = UInt8(ascii: " ")
    fileprivate static let tab = UInt8(ascii: "\t")
    fileprivate static let colon = UInt8(ascii: ":")
}
