import Logging
import PushgateCore

/// Opens the store the configuration's `store:` URL names, so the gateway holds
/// `any DeliveryStore` and never names a backend: `sqlite:PATH` (the embedded default) or
/// `postgres://…` (several instances on one database, `PostgresStoreURL`).
package enum DeliveryStoreFactory {
    /// The schemes `open` understands, for messages.
    package static let schemes = ["sqlite:PATH", "postgres://USER@HOST[:PORT]/DATABASE"]

    /// Checks the URL without opening anything; nil when it names a backend this build has.
    package static func problem(url: String) -> String? {
        switch Self.parse(url) {
        case .success: nil
        case .failure(let error): error.message
        }
    }

    /// The URL as it may be printed or logged: a PostgreSQL password is replaced by `<secret>`.
    package static func displayName(url: String) -> String {
        switch Self.parse(url) {
        case .success(.sqlite): url
        case .success(.postgres(let parsed)): parsed.description
        case .failure: url.hasPrefix("postgres") ? "a postgres URL" : url
        }
    }

    /// Opens (creating and migrating when needed) the store at `url`.
    package static func open(url: String, clock: WallClock, logger: Logger) async throws -> any DeliveryStore {
        switch Self.parse(url) {
        case .success(.sqlite(let path)):
            return try await SQLiteDeliveryStore.open(path: path, clock: clock, logger: logger)
        case .success(.postgres(let url)):
            return try await PostgresDeliveryStore.open(url: url, clock: clock, logger: logger)
        case .failure(let error):
            throw error
        }
    }

    private enum Backend {
        case sqlite(path: String)
        case postgres(PostgresStoreURL)
    }

    private static func parse(_ url: String) -> Result<Backend, PushgateError> {
        if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count))
            guard !path.isEmpty else {
                return .failure(
                    .invalidConfiguration("store: sqlite: needs a file path (sqlite:/var/lib/pushgate/pushgate.db)"))
            }
            return .success(.sqlite(path: path))
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            do {
                return .success(.postgres(try PostgresStoreURL.parse(url)))
            } catch let error as PushgateError {
                return .failure(error)
            } catch {
                return .failure(.invalidConfiguration("store: postgres URL: \(error)"))
            }
        }
        let scheme = url.split(separator: ":", maxSplits: 1).first.map(String.init) ?? url
        return .failure(
            .invalidConfiguration(
                "store: unknown scheme '\(scheme)'; expected \(Self.schemes.joined(separator: " or "))"))
    }
}
