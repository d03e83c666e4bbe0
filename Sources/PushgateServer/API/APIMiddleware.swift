import Hummingbird
import Logging
import NIOCore

/// Wraps every route (and the not-found responder): gives handlers the API's logger with the
/// request id, turns every error into a problem document, counts the request by route
/// pattern and status, and logs its completion.
struct APIMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    let api: APIContext

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let requestID = context.logger[metadataKey: Self.requestIDKey]
        var logger = self.api.logger
        logger[metadataKey: Self.requestIDKey] = requestID
        context.logger = logger
        let started = ContinuousClock.now

        var response: Response
        var problem: ProblemDocument?
        do {
            response = try await next(request, context)
        } catch let error as ProblemDocument {
            problem = error
            response = error.response(requestID: requestID?.description)
        } catch {
            let mapped = Self.problem(for: error, request: request, endpointPath: context.endpointPath)
            if mapped.kind == .internalError {
                // Never `\(request)`: its headers hold the API key.
                logger.error(
                    "request failed",
                    metadata: ["error": "\(String(reflecting: error))", "http.method": "\(request.method)"]
                )
            }
            problem = mapped
            response = mapped.response(requestID: requestID?.description)
        }

        if problem != nil, request.method == .head {
            // A HEAD answer carries the headers only (RFC 9110 §9.3.2).
            response.body = .init()
        }

        // The route pattern, never the path: ids in paths would explode the label set. Unknown
        // routes (and unknown methods on known ones) get one label without the method, which a
        // client may invent freely.
        let route: String
        if let pattern = context.endpointPath, pattern != Self.notFoundRoute {
            route = "\(request.method.rawValue) \(pattern)"
        } else if problem?.kind == .methodNotAllowed {
            route = Self.methodNotAllowedRoute
        } else {
            route = Self.notFoundRoute
        }
        self.api.metrics.request(route: route, status: response.status.code)

        // Built only for a line that is logged: a served request is logged at debug level.
        var metadata: Logger.Metadata {
            [
                "http.route": "\(route)",
                "http.status": "\(response.status.code)",
                "http.duration_ms": "\(Self.milliseconds(ContinuousClock.now - started))",
            ]
        }
        if let problem {
            var metadata = metadata
            metadata["problem.type"] = "\(problem.kind.slug)"
            metadata["problem.detail"] = "\(problem.detail)"
            let level: Logger.Level
            if problem.kind == .notReady {
                level = .debug  // Probes ask every few seconds; the cause is logged where it arises.
            } else {
                level = problem.kind.status >= 500 ? .error : .info
            }
            logger.log(level: level, "request rejected", metadata: metadata)
        } else {
            logger.debug("request served", metadata: metadata)
        }
        return response
    }

    static let requestIDKey = "hb.request.id"
    /// Hummingbird's endpoint path for requests no route matched.
    static let notFoundRoute = "NotFound"
    /// The one label for a known path asked with a method it does not have.
    static let methodNotAllowedRoute = "MethodNotAllowed"

    /// Errors from Hummingbird itself (unknown route, a body it refused) keep their status;
    /// anything else is a bug or an outage and becomes a 500 without details.
    static func problem(for error: any Error, request: Request, endpointPath: String?) -> ProblemDocument {
        // No route took this method, but the path exists: 405 naming the methods it has.
        if let httpError = error as? any HTTPResponseError, httpError.status == .notFound,
            endpointPath == Self.notFoundRoute, let route = APIRouteTable.route(matching: request.uri.path)
        {
            return ProblemDocument.methodNotAllowed(request.method, route: route)
        }
        return Self.problem(for: error)
    }

    static func problem(for error: any Error) -> ProblemDocument {
        if error is NIOTooManyBytesError {
            return ProblemDocument(.requestTooLarge, detail: "the request body exceeds the size limit")
        }
        guard let httpError = error as? any HTTPResponseError else {
            return ProblemDocument(.internalError, detail: "the request could not be processed; it has been logged")
        }
        switch httpError.status.code {
        case 404, 405:
            return ProblemDocument(.notFound, detail: "no such resource; see /openapi.yaml for the API")
        case 413:
            return ProblemDocument(.requestTooLarge, detail: "the request body exceeds the size limit")
        case 400:
            return ProblemDocument(.malformedJSON, detail: "the request could not be read")
        default:
            return ProblemDocument(.internalError, detail: "the request could not be processed; it has been logged")
        }
    }

    private static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let total = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return String(Int(total.rounded()))
    }
}
