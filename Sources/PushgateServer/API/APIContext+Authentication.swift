import Hummingbird

extension APIContext {
    /// The app the request's `Authorization` header authenticates, or the 401 problem.
    func authenticate(_ request: Request) throws(ProblemDocument) -> AppSettings {
        // One header only: two could each be checked by a different proxy hop.
        let values = request.headers[values: .authorization]
        guard values.count == 1, let app = self.apps.authenticate(authorizationHeader: values.first) else {
            throw ProblemDocument.unauthorized
        }
        return app
    }
}
