/// A parsed HTTP/1.x request head, as the proxy sees it before deciding anything.
struct ConnectRequestHead: Sendable, Equatable {
    var method: String
    /// The request-target, raw (for CONNECT: the authority).
    var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    var minorVersion: Int
    var headers: [(name: String, value: String)]

    /// Values of every field named `name` (case-insensitive), in order.
    func values(_ name: String) -> [String] {
        self.headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    static func == (lhs: ConnectRequestHead, rhs: ConnectRequestHead) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.minorVersion == rhs.minorVersion
            && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}
