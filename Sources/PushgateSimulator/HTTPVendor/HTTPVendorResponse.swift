import NIOHTTP1

/// A complete answer: status, header fields and body. `Content-Length` is added when it is written.
package struct HTTPVendorResponse: Sendable {
    package var status: HTTPResponseStatus
    package var headers: HTTPHeaders
    package var body: String

    package init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer; `body` must already be JSON text.
    package static func json(
        _ status: HTTPResponseStatus,
        _ body: String,
        contentType: String = "application/json;charset=UTF-8"
    ) -> HTTPVendorResponse {
        HTTPVendorResponse(status: status, headers: ["content-type": contentType], body: body)
    }

    /// A JSON answer made from an `Encodable` value, keys sorted (for `/_sim/` endpoints; not for hot paths).
    package static func json<Value: Encodable>(_ status: HTTPResponseStatus, encoding value: Value)
        -> HTTPVendorResponse
    {
        .json(status, JSONText.encode(value))
    }
}

/// What the server does with a request once the vendor handler has seen it.
package enum HTTPVendorAction: Sendable {
    /// Answer now.
    case respond(HTTPVendorResponse)
    /// Answer after the delay (if the client is still connected then).
    case respondAfter(Duration, HTTPVendorResponse)
    /// Close the connection without answering.
    case drop
    /// Never answer; the connection stays open until the client or the server closes it.
    case hang
}

/// A vendor's request logic, called for every complete request on the connection's event loop.
package protocol HTTPVendorHandler: Sendable {
    /// Decides the answer; must not block (it runs on an event loop).
    func handle(_ request: HTTPVendorRequest) -> HTTPVendorAction
}
