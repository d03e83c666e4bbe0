import Hummingbird
import NIOCore

/// `/healthz` (the process answers), `/readyz` (it can serve: store reachable, adapters
/// configured), `/metrics` (Prometheus text) and `/openapi.yaml`. None needs an API key: probes
/// and scrapers have none; keep the port off the internet or filter these paths in front.
struct HealthRoutes: Sendable {
    let api: APIContext
    /// The OpenAPI document, or why it could not be loaded.
    let openAPI: Result<[UInt8], OpenAPIDocument.LoadError>

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in
            Self.json(#"{"status":"ok"}"#)
        }
        router.get("/readyz") { _, _ in
            let problems = await self.api.readiness()
            guard problems.isEmpty else {
                throw ProblemDocument(
                    .notReady,
                    detail: problems.joined(separator: "; "),
                    problems: problems,
                    headers: [.retryAfter: "5"]
                )
            }
            return Self.json(#"{"status":"ready"}"#)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: self.api.metrics.exposition()))
            )
        }
        router.get("/openapi.yaml") { _, _ in
            switch self.openAPI {
            case .success(let bytes):
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/yaml"],
                    body: .init(byteBuffer: ByteBuffer(bytes: bytes))
                )
            case .failure(let error):
                throw ProblemDocument(.internalError, detail: "the OpenAPI document is not available: \(error)")
            }
        }
    }

    private static func json(_ text: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
