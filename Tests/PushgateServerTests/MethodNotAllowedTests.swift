import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import PushgateServer

@Suite("405 with Allow for a known path asked with a method it does not have", .timeLimit(.minutes(2)))
struct MethodNotAllowedTests {
    /// Methods a client may send; `PROPFIND` stands for the ones the API never names (NIO's HTTP/1
    /// parser itself refuses a method it does not know with 400, before any route).
    static let methods: [HTTPRequest.Method] = [
        .get, .head, .post, .put, .patch, .delete, .options, .trace, .init("PROPFIND")!,
    ]

    /// A concrete path for a route pattern (a fresh notification id for `{id}`).
    static func path(for route: APIRouteTable.Route) -> String {
        route.path.replacingOccurrences(of: "{id}", with: UUID().uuidString.lowercased())
    }

    @Test("every route answers 405 with Allow for each method it lacks, and something else for its own")
    func everyRouteAndMethod() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.live) { client in
                for route in APIRouteTable.routes {
                    let path = Self.path(for: route)
                    let allow = route.methods.map(\.rawValue).joined(separator: ", ")
                    for method in Self.methods {
                        let response = try await client.send(method, path)
                        if route.methods.contains(method) {
                            // The table's methods are routed: whatever they answer, it is not a 405.
                            #expect(response.status != .methodNotAllowed, "\(method) \(route.path)")
                            #expect(response.headers[.allow] == nil, "\(method) \(route.path)")
                            continue
                        }
                        #expect(response.status == .methodNotAllowed, "\(method) \(route.path)")
                        #expect(response.headers[.allow] == allow, "\(method) \(route.path)")
                        if method != .head {  // A HEAD answer has no body.
                            try response.expectProblem("method-not-allowed", status: 405)
                        }
                    }
                }
            }
        }
    }

    @Test("an unknown path is still 404, whatever the method; a trailing slash is the same path")
    func unknownPaths() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.live) { client in
                for method in [HTTPRequest.Method.get, .post, .trace] {
                    try await client.send(method, "/v1/nowhere").expectProblem("not-found", status: 404)
                    try await client.send(method, "/v1/notifications/a/b/c").expectProblem("not-found", status: 404)
                }
                let slash = try await client.send(.put, "/v1/notifications/")
                #expect(slash.status == .methodNotAllowed)
                #expect(slash.headers[.allow] == "POST")
            }
        }
    }

    @Test("a 405 needs no API key, changes nothing, and is counted under one route label")
    func noKeyNoChangeOneLabel() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.live) { client in
                let body = APIHarness.body(tokens: [APNSSimulatorFixture.token()])
                let put = try await client.send(.put, "/v1/notifications", key: nil, body: body)
                try put.expectProblem("method-not-allowed", status: 405)
                #expect(put.headers[.allow] == "POST")
                try await client.send(.patch, "/v1/notifications/\(UUID().uuidString)", key: nil)
                    .expectProblem("method-not-allowed", status: 405)
                #expect(try await harness.storedDeliveries() == 0)

                let metrics = try await client.send(.get, "/metrics", key: nil).text
                #expect(metrics.contains(#"pushgate_http_requests_total{route="MethodNotAllowed",status="405"} 2"#))
                #expect(!metrics.contains("PUT"))
                #expect(!metrics.contains("PATCH"))
            }
        }
    }
}
