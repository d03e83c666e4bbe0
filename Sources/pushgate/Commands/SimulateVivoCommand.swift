import ArgumentParser
import Foundation
import PushgateSimulator

/// `pushgate simulate vivo`: a fake vivo Push server API (auth, single send, list push) over HTTP/1.1 and TLS.
struct SimulateVivoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vivo",
        abstract: "Run a fake vivo Push server API (HTTP/1.1 over TLS) until SIGINT or SIGTERM.",
        discussion: """
            Serves POST /message/auth, /message/send, /message/saveListPayload and /message/pushToList of \
            api-push.vivo.com.cn. Business errors are HTTP 200 {"result":N,"desc":"…"}. Prints one line when \
            listening, and the final counters as one JSON line when stopped. GET /_sim/counters answers the counters, \
            POST /_sim/reset zeroes them, POST /_sim/expire-tokens invalidates every authToken issued so far.

            Operation messages (classification 0, pushMode 0) are refused with 10073 outside 07:00-23:00 Beijing time \
            unless --no-operation-window. A requestId already accepted for the app on the same endpoint is answered as \
            the first time and not delivered again.

            regId prefixes inject faults (after authentication, validation, the replay check and the window; in a list \
            push the first regId with one decides): E500 HTTP 500 plain "Internet server error!", R072 10072, Q070 \
            10070, ONCE 10072 the first time a requestId is seen then accepted, EXPT 10000 the first time and the \
            authToken used becomes invalid, SLOW answered after 2 s, DROP close the connection unanswered, HANG never \
            answer. BAD1…BAD4 regIds are invalid with that status: 10302 with invalidUser for a single send, listed in \
            invalidUsers for a list push.
            """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8445

    @OptionGroup var certificates: SimulatorCertificateOptions

    @Option(
        name: .customLong("app"),
        help: "An app as APPID:APPKEY:APPSECRET. Repeatable. Default: 10001:demo-app-key:demo-app-secret."
    )
    var apps: [String] = []

    @Option(name: .customLong("auth-token-lifetime"), help: "authToken lifetime in seconds.")
    var authTokenLifetime = 86400

    @Option(name: .customLong("daily-quota"), help: "regIds accepted per app per Beijing day before 10070.")
    var dailyQuota: Int?

    @Flag(
        name: .customLong("no-operation-window"),
        help: "Accept operation messages at any hour (vivo: only 07:00-23:00 Beijing time)."
    )
    var noOperationWindow = false

    @Option(help: "Event loop threads.")
    var threads = 1

    func validate() throws {
        guard (0...65535).contains(self.port) else { throw ValidationError("--port must be 0...65535") }
        try self.certificates.validateCombination()
        _ = try self.parsedApps()
        guard self.authTokenLifetime >= 1 else { throw ValidationError("--auth-token-lifetime must be at least 1") }
        if let dailyQuota = self.dailyQuota, dailyQuota < 0 {
            throw ValidationError("--daily-quota must not be negative")
        }
        guard self.threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let configuration = try self.makeConfiguration()
        try await SimulatorCommandSupport.serve("vivo simulator", host: self.host) { logger in
            try await VivoSimulator.start(configuration: configuration, logger: logger)
        }
    }

    /// `--app` values as appId → app; split on the first two colons, so the secret may hold colons.
    private func parsedApps() throws -> [String: VivoSimulator.App] {
        var apps: [String: VivoSimulator.App] = [:]
        for app in self.apps {
            let parts = app.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { throw ValidationError("--app: give APPID:APPKEY:APPSECRET") }
            let appID = String(parts[0])
            guard !appID.isEmpty, appID.count <= 18, appID.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ValidationError("--app: the appId must be 1 to 18 digits")
            }
            guard !parts[1].isEmpty else { throw ValidationError("--app \(appID): the appKey must not be empty") }
            guard !parts[2].isEmpty else { throw ValidationError("--app \(appID): the appSecret must not be empty") }
            let parsed = VivoSimulator.App(appKey: String(parts[1]), appSecret: String(parts[2]))
            guard apps.updateValue(parsed, forKey: appID) == nil else {
                throw ValidationError("--app: appId \(appID) given twice")
            }
        }
        return apps
    }

    private func makeConfiguration() throws -> VivoSimulator.Configuration {
        var configuration: VivoSimulator.Configuration = try self.certificates.makeConfiguration(
            host: self.host,
            port: self.port
        )
        let apps = try self.parsedApps()
        if !apps.isEmpty {
            configuration.apps = apps
        }
        configuration.authTokenLifetime = .seconds(self.authTokenLifetime)
        configuration.dailyQuota = self.dailyQuota
        configuration.enforceOperationWindow = !self.noOperationWindow
        configuration.eventLoopThreads = self.threads
        return configuration
    }
}
