import Hummingbird
import NIOCore
import PushgateStore

/// `GET /v1/invalid-tokens?after=CURSOR&limit=N`: the tokens vendors reported dead for the
/// app, oldest first, so the backend can clean its device table and resume where it stopped.
struct InvalidTokenRoutes: Sendable {
    let api: APIContext

    static let path: RouterPath = "/v1/invalid-tokens"
    static let defaultLimit = 100
    static let maxLimit = 1000

    func register(on router: Router<BasicRequestContext>) {
        router.get(Self.path) { request, context in
            try await self.list(request, context: context)
        }
    }

    func list(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let app = try self.api.authenticate(request)
        let query = request.uri.queryParameters
        var after: Int64 = 0
        if let text = query["after"] {
            guard let value = Int64(String(text)), value >= 0 else {
                throw ProblemDocument.invalidParameter("after", "must be a cursor (an integer ≥ 0) from next_cursor")
            }
            after = value
        }
        var limit = Self.defaultLimit
        if let text = query["limit"] {
            guard let value = Int(String(text)), (1...Self.maxLimit).contains(value) else {
                throw ProblemDocument.invalidParameter("limit", "must be an integer from 1 to \(Self.maxLimit)")
            }
            limit = value
        }

        let records: [InvalidTokenRecord]
        do {
            records = try await self.api.store.invalidTokens(appID: app.id, after: after, limit: limit)
        } catch {
            context.logger.error("store read failed", metadata: ["push.app": "\(app.id)", "error": "\(error)"])
            throw ProblemDocument.storeUnavailable(error)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: InvalidTokenFeedDocument.body(records, after: after)))
        )
    }
}
