import Foundation
import PushgateCore

/// Where the PostgreSQL store is and how to reach it, from a `store:` URL:
/// `postgres://user[:password]@host[:port]/database?sslmode=…&sslrootcert=PATH&pool=N&poll_only=true`
/// (`postgresql://` too). The password may also come as `password=${ENV}` or `password=file:PATH`,
/// resolved when the store opens, so that it never has to sit in the configuration file.
///
/// Its `description` never shows the password.
package struct PostgresStoreURL: Sendable, CustomStringConvertible {
    /// How the connection is protected (libpq's names).
    package enum SSLMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS if the server offers it, unverified (libpq's default).
        case prefer
        /// TLS or no connection; the certificate is not checked.
        case require
        /// TLS with a certificate signed by a trusted root; the host name is not checked.
        case verifyCA = "verify-ca"
        /// TLS with a trusted certificate for this host name.
        case verifyFull = "verify-full"
    }

    package var host: String
    package var port: Int
    package var user: String
    /// A literal password (from the URL's user info), or a `${ENV}` / `file:` reference.
    package var password: Secret?
    package var database: String
    package var sslMode: SSLMode
    /// PEM file of the roots that sign the server's certificate (`verify-ca`, `verify-full`).
    package var sslRootCert: String?
    /// Most connections the store opens for queries (the LISTEN connection comes on top).
    package var poolSize: Int
    /// No LISTEN: for connection poolers in transaction mode (PgBouncer), which do not carry
    /// notifications. Work is then found by polling.
    package var pollOnly: Bool

    package static let defaultPort = 5432
    package static let defaultPoolSize = 8

    /// Parses `url`; every problem is one line naming the part at fault (never the password).
    package static func parse(_ url: String) throws -> PostgresStoreURL {
        let rest: Substring
        if url.hasPrefix("postgres://") {
            rest = url.dropFirst("postgres://".count)
        } else if url.hasPrefix("postgresql://") {
            rest = url.dropFirst("postgresql://".count)
        } else {
            throw Self.problem("must start with postgres:// or postgresql://")
        }
        let (beforeQuery, query) = Self.split(rest, at: "?")
        let (authority, pathPart) = Self.split(beforeQuery, at: "/")
        guard let userInfoEnd = authority.lastIndex(of: "@") else {
            throw Self.problem("needs a user name: postgres://USER@HOST/DATABASE")
        }
        let userInfo = authority[..<userInfoEnd]
        let hostPort = authority[authority.index(after: userInfoEnd)...]

        let (rawUser, rawPassword) = Self.split(userInfo, at: ":")
        guard let user = rawUser.removingPercentEncoding, !user.isEmpty else {
            throw Self.problem("needs a user name: postgres://USER@HOST/DATABASE")
        }
        var password: Secret?
        if let rawPassword {
            guard let decoded = rawPassword.removingPercentEncoding else {
                throw Self.problem("the password is not valid percent-encoding")
            }
            password = Secret(reference: decoded)
        }

        let (host, port) = try Self.hostAndPort(hostPort)
        guard let pathPart, let database = pathPart.removingPercentEncoding, !database.isEmpty,
            !database.contains("/")
        else {
            throw Self.problem("needs a database name: postgres://USER@HOST/DATABASE")
        }

        var parsed = PostgresStoreURL(
            host: host, port: port, user: user, password: password, database: database, sslMode: .prefer,
            sslRootCert: nil, poolSize: Self.defaultPoolSize, pollOnly: false)
        if let query { try parsed.apply(query: query) }
        return parsed
    }

    private mutating func apply(query: Substring) throws {
        var seen: Set<String> = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let (rawName, rawValue) = Self.split(pair, at: "=")
            let name = String(rawName)
            guard let value = rawValue?.removingPercentEncoding else {
                throw Self.problem("option '\(name)' needs a value (\(name)=…)")
            }
            guard seen.insert(name).inserted else { throw Self.problem("option '\(name)' is given twice") }
            switch name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw Self.problem(
                        "sslmode '\(value)' is unknown; expected "
                            + SSLMode.allCases.map(\.rawValue).joined(separator: ", "))
                }
                self.sslMode = mode
            case "sslrootcert":
                guard !value.isEmpty else { throw Self.problem("sslrootcert needs a file path") }
                self.sslRootCert = value
            case "pool":
                guard let size = Int(value), (1...200).contains(size) else {
                    throw Self.problem("pool must be a number of connections from 1 to 200, not '\(value)'")
                }
                self.poolSize = size
            case "poll_only":
                switch value {
                case "true", "1": self.pollOnly = true
                case "false", "0": self.pollOnly = false
                default: throw Self.problem("poll_only must be true or false, not '\(value)'")
                }
            case "password":
                guard self.password == nil else {
                    throw Self.problem("the password is given twice (in the user info and as password=)")
                }
                self.password = Secret(reference: value)
            default:
                throw Self.problem(
                    "option '\(name)' is unknown; expected sslmode, sslrootcert, pool, poll_only or password")
            }
        }
        if self.sslRootCert != nil, self.sslMode != .verifyCA, self.sslMode != .verifyFull {
            throw Self.problem("sslrootcert needs sslmode=verify-ca or sslmode=verify-full")
        }
    }

    /// The password, read from the environment or file it names; a file's trailing newline is
    /// not part of it.
    package func resolvePassword(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> String? {
        guard let password = self.password else { return nil }
        let value = try password.resolve(environment: environment)
        if password.reference.hasPrefix("file:") {
            return String(value.reversed().drop { $0 == "\n" || $0 == "\r" }.reversed())
        }
        return value
    }

    package var description: String {
        let user = self.user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? self.user
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        var options = ["sslmode=\(self.sslMode.rawValue)", "pool=\(self.poolSize)"]
        if let root = self.sslRootCert { options.append("sslrootcert=\(root)") }
        if self.pollOnly { options.append("poll_only=true") }
        let secret = self.password == nil ? "" : ":<secret>"
        return "postgres://\(user)\(secret)@\(host):\(self.port)/\(self.database)?" + options.joined(separator: "&")
    }

    // MARK: Parsing helpers

    private static func problem(_ text: String) -> PushgateError {
        .invalidConfiguration("store: postgres URL \(text)")
    }

    /// The part before the first `separator` and, if there is one, the part after it.
    private static func split(_ text: Substring, at separator: Character) -> (Substring, Substring?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (text[..<index], text[text.index(after: index)...])
    }

    private static func hostAndPort(_ text: Substring) throws -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            // An IPv6 literal: [::1]:5432.
            guard let close = text.firstIndex(of: "]") else { throw Self.problem("has an unclosed '[' in the host") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Self.problem("has text after the host's ']'") }
                portText = after.dropFirst()
            }
        } else {
            (host, portText) = Self.split(text, at: ":")
        }
        guard !host.isEmpty else { throw Self.problem("needs a host: postgres://USER@HOST/DATABASE") }
        var port = Self.defaultPort
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                throw Self.problem("port '\(portText)' is not a number from 1 to 65535")
            }
            port = value
        }
        return (String(host), port)
    }
}
