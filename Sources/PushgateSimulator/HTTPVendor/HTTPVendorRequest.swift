import NIOCore
import NIOHTTP1

/// One complete HTTP/1.1 request, as a vendor handler sees it: head and whole body.
package struct HTTPVendorRequest: Sendable {
    package var method: HTTPMethod
    /// The request target up to `?`, not percent-decoded.
    package var path: String
    /// The request target after `?`, without it; nil when there is no `?`.
    package var query: String?
    package var headers: HTTPHeaders
    package var body: ByteBuffer

    package init(method: HTTPMethod, path: String, query: String?, headers: HTTPHeaders, body: ByteBuffer) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Splits `uri` (origin form) into path and query.
    package init(head: HTTPRequestHead, body: ByteBuffer) {
        let uri = head.uri
        if let mark = uri.utf8.firstIndex(of: UInt8(ascii: "?")) {
            self.init(
                method: head.method,
                path: String(uri[..<mark]),
                query: String(uri[uri.index(after: mark)...]),
                headers: head.headers,
                body: body
            )
        } else {
            self.init(method: head.method, path: uri, query: nil, headers: head.headers, body: body)
        }
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    package var bodyString: String {
        String(buffer: self.body)
    }

    /// The media type of `Content-Type`, lower-cased and without parameters (`application/json;charset=UTF-8` →
    /// `application/json`); nil without the header.
    package var mediaType: String? {
        guard let value = self.headers.first(name: "content-type") else { return nil }
        let type = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return type.trimmingSpaces().lowercased()
    }

    /// The form fields of an `application/x-www-form-urlencoded` body (the body is decoded whatever the content type).
    package var formFields: [String: String] {
        FormURLEncoded.decode(self.body.readableBytesView)
    }

    /// The query's fields, form-decoded.
    package var queryFields: [String: String] {
        FormURLEncoded.decode(self.query?.utf8 ?? "".utf8)
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var trimmed = self
        while let first = trimmed.first, first == " " || first == "\t" { trimmed.removeFirst() }
        while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
        return trimmed
    }
}
