import ArgumentParser
import Crypto
import Foundation
import PushgateSimulator

/// `pushgate simulate …`: the vendor simulators, for demos, benchmarks and client development.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a fake vendor push service.",
        subcommands: [
            SimulateAPNSCommand.self, SimulateHuaweiCommand.self, SimulateXiaomiCommand.self, SimulateVivoCommand.self,
        ]
    )
}

/// `pushgate simulate apns`: a strict fake APNs over HTTP/2 and TLS.
struct SimulateAPNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apns",
        abstract: "Run a strict fake APNs (HTTP/2 over TLS) until SIGINT or SIGTERM.",
        discussion: """
            Prints one line when listening, and the final counters as one JSON line when stopped. \
            GET /_sim/counters answers the counters; POST /_sim/reset zeroes them.

            Device-token prefixes inject faults (after authentication and validation, except refuseStream): \
            41000000 410 Unregistered, 40000000 400 BadDeviceToken, 40000001 400 DeviceTokenNotForTopic, \
            42900000 429 TooManyRequests, 50000000 500 InternalServerError, 50300000 503 ServiceUnavailable, \
            50300001 503 Shutdown, 5031a000 503 once per apns-id then accepted, de1a0000 slow (2 s), d0d00000 close the connection unanswered, \
            acd00000 accept then close unanswered, 51100000 never answer, ef000000 RST_STREAM(REFUSED_STREAM).
            """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 2197

    @OptionGroup var certificates: SimulatorCertificateOptions

    @Option(
        name: .customLong("client-ca"),
        help: "Require client certificates issued by these roots (PEM): APNs certificate authentication."
    )
    var clientCAFile: String?

    @Option(
        name: .customLong("auth-key-pub"),
        help: "A P-256 public key (PEM) for provider tokens. Repeatable."
    )
    var authPublicKeyFiles: [String] = []

    @Option(
        name: .customLong("auth-key"),
        help: "A .p8 provider-token key (PKCS#8 PEM); only its public part is used. Repeatable."
    )
    var authPrivateKeyFiles: [String] = []

    @Option(
        name: .customLong("key-id"),
        help: "The key id of each key, in order: those of --auth-key-pub first, then those of --auth-key."
    )
    var keyIDs: [String] = []

    @Option(name: .customLong("team-id"), help: "Require this team id as the tokens' iss.")
    var teamID: String?

    @Option(name: .customLong("max-streams"), help: "SETTINGS_MAX_CONCURRENT_STREAMS once authenticated.")
    var maxStreams = 1000

    @Option(name: .customLong("goaway-after"), help: "Send GOAWAY after this many requests on each connection.")
    var goAwayAfter: Int?

    @Option(
        name: .customLong("token-rule"),
        help: """
            Where the 20-minute provider-token rule applies: per-connection, or per-key (per connection and per \
            signing key, the strict reading).
            """
    )
    var tokenRule: APNSSimulator.ProviderTokenRule = .perConnection

    @Flag(
        name: .customLong("goaway-before-answering"),
        help: "With --goaway-after: send GOAWAY when that request arrives, before answering it (x/net/http2's way)."
    )
    var goAwayBeforeAnswering = false

    @Option(help: "Event loop threads (default: one per core).")
    var threads: Int?

    @Flag(name: .customLong("lenient-der"), help: "Also accept DER-encoded token signatures and a string iat.")
    var lenientDER = false

    @Flag(name: .customLong("no-faults"), help: "Disable the fault-injecting device-token prefixes.")
    var noFaults = false

    func validate() throws {
        guard (0...65535).contains(self.port) else { throw ValidationError("--port must be 0...65535") }
        try self.certificates.validateCombination()
        let keyCount = self.authPublicKeyFiles.count + self.authPrivateKeyFiles.count
        guard self.keyIDs.count == keyCount else {
            throw ValidationError(
                "--key-id: give exactly one per --auth-key-pub/--auth-key (\(keyCount) keys, \(self.keyIDs.count) ids)"
            )
        }
        guard Set(self.keyIDs).count == self.keyIDs.count else { throw ValidationError("--key-id: ids must differ") }
        guard keyCount > 0 || self.clientCAFile != nil else {
            throw ValidationError("no authentication: give --auth-key or --auth-key-pub with --key-id, or --client-ca")
        }
        guard self.maxStreams >= 1 else { throw ValidationError("--max-streams must be at least 1") }
        if let goAwayAfter = self.goAwayAfter, goAwayAfter < 1 {
            throw ValidationError("--goaway-after must be at least 1")
        }
        if let threads = self.threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let configuration = try self.makeConfiguration()
        try await SimulatorCommandSupport.serve(
            "APNs simulator",
            host: self.host,
            countersFormatting: [.sortedKeys],
            start: { logger in try await APNSSimulator.start(configuration: configuration, logger: logger) }
        )
    }

    private func makeConfiguration() throws -> APNSSimulator.Configuration {
        var configuration: APNSSimulator.Configuration = try self.certificates.makeConfiguration(
            host: self.host,
            port: self.port
        )

        if let clientCAFile = self.clientCAFile {
            configuration.clientCertificateTrustRootsPEM = try readUserFile(clientCAFile, flag: "--client-ca")
        }
        var keyIDs = self.keyIDs.makeIterator()
        for file in self.authPublicKeyFiles {
            let pem = try readUserFile(file, flag: "--auth-key-pub")
            guard let keyID = keyIDs.next() else { break }
            do {
                configuration.tokenKeys[keyID] = try P256.Signing.PublicKey(pemRepresentation: pem)
            } catch {
                throw CLIError("--auth-key-pub \(file): not a P-256 public key in PEM")
            }
        }
        for file in self.authPrivateKeyFiles {
            let pem = try readUserFile(file, flag: "--auth-key")
            guard let keyID = keyIDs.next() else { break }
            do {
                configuration.tokenKeys[keyID] = try P256.Signing.PrivateKey(pemRepresentation: pem).publicKey
            } catch {
                throw CLIError("--auth-key \(file): not a P-256 private key in PEM (.p8)")
            }
        }
        configuration.teamID = self.teamID
        configuration.maxConcurrentStreams = self.maxStreams
        configuration.goAwayAfterRequests = self.goAwayAfter
        configuration.providerTokenRule = self.tokenRule
        configuration.goAwayBeforeAnswering = self.goAwayBeforeAnswering
        configuration.acceptDERSignatures = self.lenientDER
        if self.noFaults {
            configuration.faults = []
        }
        if let threads = self.threads {
            configuration.eventLoopThreads = threads
        }
        return configuration
    }
}

extension APNSSimulator.ProviderTokenRule: ExpressibleByArgument {}

/// `pushgate simulate huawei`: a fake Huawei Push Kit (OAuth token and v1 send endpoints) over HTTP/1.1 and TLS.
struct SimulateHuaweiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "huawei",
        abstract: "Run a fake Huawei Push Kit (HTTP/1.1 over TLS) until SIGINT or SIGTERM.",
        discussion: """
            One port serves both hosts: POST /oauth2/v3/token (oauth-login.cloud.huawei.com) and \
            POST /v1/{appId}/messages:send (push-api.cloud.huawei.com). Prints one line when listening, and the final \
            counters as one JSON line when stopped. GET /_sim/counters answers the counters, POST /_sim/reset zeroes \
            them, POST /_sim/expire-tokens expires every access token issued so far.

            Device-token prefixes inject faults (after authentication and validation; the first token with one decides \
            for the whole request): E503 503 {"msg":"flow control"} without a code, E500 500 81000001, ONCE 503 the \
            first time a (token, tag or notify_id) pair is seen then accepted, EXPT 401 80200003 the first time and the \
            access token used expires, PRMS 403 80300002, SLOW answered after 2 s, DROP close the connection \
            unanswered, HANG never answer. DEAD tokens are illegal: listed in a partial success (80100000), or \
            80300007 when all are.
            """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8443

    @OptionGroup var certificates: SimulatorCertificateOptions

    @Option(
        name: .customLong("app"),
        help: "An app as CLIENT_ID:CLIENT_SECRET. Repeatable. Default: 10000001:demo+secret/=."
    )
    var apps: [String] = []

    @Option(name: .customLong("token-lifetime"), help: "Access token lifetime in seconds (expires_in).")
    var tokenLifetime = 3600

    @Option(help: "Event loop threads.")
    var threads = 1

    func validate() throws {
        guard (0...65535).contains(self.port) else { throw ValidationError("--port must be 0...65535") }
        try self.certificates.validateCombination()
        _ = try self.parsedApps()
        guard self.tokenLifetime >= 1 else { throw ValidationError("--token-lifetime must be at least 1") }
        guard self.threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let configuration = try self.makeConfiguration()
        try await SimulatorCommandSupport.serve("Huawei simulator", host: self.host) { logger in
            try await HuaweiSimulator.start(configuration: configuration, logger: logger)
        }
    }

    /// `--app` values as client ID → secret; the secret is everything after the first colon.
    private func parsedApps() throws -> [String: String] {
        var apps: [String: String] = [:]
        for app in self.apps {
            guard let colon = app.firstIndex(of: ":") else {
                throw ValidationError("--app: give CLIENT_ID:CLIENT_SECRET")
            }
            let clientID = String(app[..<colon])
            let secret = String(app[app.index(after: colon)...])
            guard !clientID.isEmpty, clientID.count <= 64, clientID.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ValidationError("--app: the client ID must be 1 to 64 digits")
            }
            guard !secret.isEmpty else { throw ValidationError("--app \(clientID): the secret must not be empty") }
            guard apps.updateValue(secret, forKey: clientID) == nil else {
                throw ValidationError("--app: client ID \(clientID) given twice")
            }
        }
        return apps
    }

    private func makeConfiguration() throws -> HuaweiSimulator.Configuration {
        var configuration: HuaweiSimulator.Configuration = try self.certificates.makeConfiguration(
            host: self.host,
            port: self.port
        )
        let apps = try self.parsedApps()
        if !apps.isEmpty {
            configuration.apps = apps
        }
        configuration.accessTokenLifetime = .seconds(self.tokenLifetime)
        configuration.eventLoopThreads = self.threads
        return configuration
    }
}
