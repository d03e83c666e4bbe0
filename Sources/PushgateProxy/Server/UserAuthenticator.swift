import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Checks `Proxy-Authorization` credentials against the configured PBKDF2 hashes.
///
/// PBKDF2 costs hundreds of milliseconds by design, so it runs on a thread pool, never on an event loop. Credentials
/// that verified once are remembered (as an HMAC under a per-process random key, never the password itself), so the
/// gateway's reconnects cost one HMAC. Failures are never cached: each wrong guess pays the full price. An unknown
/// user is checked against a decoy hash so the answer takes as long as for a known one.
final class UserAuthenticator: Sendable {
    enum Offload: Sendable {
        case threadPool(NIOThreadPool)
        /// Runs on the caller's thread; for tests on an `EmbeddedEventLoop`.
        case inline
    }

    private let users: [String: PasswordHash]
    private let decoy: PasswordHash?
    private let offload: Offload
    private let cacheKey = SymmetricKey(size: .bits256)
    private let verified = NIOLockedValueBox<Set<Data>>([])
    private static let cacheLimit = 1024

    init(users: [String: PasswordHash], offload: Offload) {
        self.users = users
        self.offload = offload
        // As costly as the most costly real hash, so timing does not tell names apart.
        let iterations = users.values.map(\.iterations).max() ?? 1
        self.decoy = try? PasswordHash.make(password: UUID().uuidString, iterations: iterations)
    }

    func verify(_ credentials: BasicCredentials, on eventLoop: any EventLoop) -> EventLoopFuture<Bool> {
        let fingerprint = self.fingerprint(credentials)
        if self.verified.withLockedValue({ $0.contains(fingerprint) }) {
            return eventLoop.makeSucceededFuture(true)
        }
        switch self.offload {
        case .inline:
            return eventLoop.makeSucceededFuture(self.check(credentials, fingerprint: fingerprint))
        case .threadPool(let pool):
            return pool.runIfActive(eventLoop: eventLoop) { self.check(credentials, fingerprint: fingerprint) }
        }
    }

    private func check(_ credentials: BasicCredentials, fingerprint: Data) -> Bool {
        guard let hash = self.users[credentials.username] else {
            _ = self.decoy?.verify(credentials.password)
            return false
        }
        guard hash.verify(credentials.password) else { return false }
        self.verified.withLockedValue { cache in
            // Crude but bounded: a full cache starts over (only good credentials land here).
            if cache.count >= Self.cacheLimit { cache.removeAll() }
            cache.insert(fingerprint)
        }
        return true
    }

    private func fingerprint(_ credentials: BasicCredentials) -> Data {
        var message = Data(credentials.username.utf8)
        message.append(0)
        message.append(contentsOf: credentials.password.utf8)
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: self.cacheKey))
    }
}
