import Foundation
import Hummingbird
import HummingbirdTesting
import PushgateStore
import Testing

@testable import PushgateServer

@Suite("/healthz, /readyz, /metrics, /openapi.yaml", .timeLimit(.minutes(2)))
struct OperationsRoutesTests {
    @Test("/healthz answers ok without a key")
    func health() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.live) { client in
                let response = try await client.send(.get, "/healthz", key: nil)
                #expect(response.status == .ok)
                #expect(response.text == #"{"status":"ok"}"#)
            }
        }
    }

    @Test("/readyz is 200 when ready and a 503 problem listing what is wrong otherwise")
    func readiness() async throws {
        // Ready while the store answers its ping.
        let readiness: @Sendable (SQLiteDeliveryStore) async -> [String] = { store in
            do {
                try await store.ping()
                return []
            } catch {
                return ["store: \(error)"]
            }
        }
        try await APIHarness.with(readiness: readiness) { harness in
            let app = harness.application()
            try await app.test(.router) { client in
                let ready = try await client.send(.get, "/readyz", key: nil)
                #expect(ready.status == .ok)
                #expect(ready.text == #"{"status":"ready"}"#)

                try await harness.store.close()
                let notReady = try await client.send(.get, "/readyz", key: nil)
                let document = try notReady.expectProblem("not-ready", status: 503)
                let problems = try #require(document["problems"]?.arrayValue)
                #expect(problems.count == 1)
                #expect(problems.first?.stringValue?.hasPrefix("store:") == true)
                #expect(notReady.headers[.retryAfter] != nil)

                // A closed store is an outage for the API as well: 503, not 500.
                try await client.post(APIHarness.body(tokens: [APNSSimulatorFixture.token()]))
                    .expectProblem("store-unavailable", status: 503)
            }
        }
    }

    @Test("/metrics is the Prometheus text exposition, with requests by route and status")
    func metrics() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                try await client.post(APIHarness.body(tokens: ["bad"]))
                try await client.send(.get, "/v1/notifications/\(UUID().uuidString)")
                try await client.send(.get, "/nowhere/\(UUID().uuidString)")
                let response = try await client.send(.get, "/metrics", key: nil)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = response.text
                #expect(text.contains("# TYPE pushgate_http_requests_total counter"))
                #expect(text.contains(#"pushgate_http_requests_total{route="POST /v1/notifications",status="422"} 1"#))
                #expect(
                    text.contains(#"pushgate_http_requests_total{route="GET /v1/notifications/{id}",status="404"} 1"#))
                // Unknown paths are one label, not one per path.
                #expect(text.contains(#"pushgate_http_requests_total{route="NotFound",status="404"} 1"#))
                #expect(!text.contains("nowhere"))
            }
        }
    }

    @Test("/openapi.yaml serves the committed document")
    func openAPIServed() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let response = try await client.send(.get, "/openapi.yaml", key: nil)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/yaml")
                // The compiled-in text is the committed file, byte for byte.
                let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent()
                let committed = try Data(contentsOf: root.appendingPathComponent("openapi.yaml"))
                let servedMatches = response.bytes == Array(committed)
                let compiledMatches = try OpenAPIDocument.load().get() == Array(committed)
                #expect(servedMatches, "the served document differs from openapi.yaml")
                #expect(compiledMatches, "OpenAPIDocument+Text.swift differs from openapi.yaml: edit both together")
            }
        }
    }

    @Test("the OpenAPI document is 3.1, documents every route and problem type, and its $refs resolve")
    func openAPIComplete() throws {
        let bytes = try OpenAPIDocument.load().get()
        let summary = try OpenAPIDocument.summarize(bytes)
        #expect(summary.openAPIVersion == "3.1.0")
        #expect(summary.unresolvedReferences.isEmpty, "\(summary.unresolvedReferences)")
        // The route table is what 405 answers name in `Allow`; MethodNotAllowedTests checks it
        // against the router.
        #expect(summary.operations == APIRouteTable.operations)
        #expect(APIRouteTable.operations.contains("POST /v1/notifications/{id}/cancel"))
        // The vendors the schema allows are the build's (TestVendors mirrors StandardVendors):
        // one more would be refused by the server, one fewer never tried by Schemathesis.
        #expect(Set(summary.vendors) == Set(TestVendors.standard.vendors.map(\.rawValue)))
        let text = String(decoding: bytes, as: UTF8.self)
        for kind in ProblemDocument.Kind.all {
            #expect(text.contains(kind.typeURI), "problem type \(kind.slug) is not documented")
        }
        for header in [
            "Idempotency-Key", "Idempotent-Replayed", "WWW-Authenticate", "bearerAuth", "application/problem+json",
        ] {
            #expect(text.contains(header))
        }
        for state in DeliveryState.allCases {
            #expect(text.contains(state.rawValue))
        }
    }
}
