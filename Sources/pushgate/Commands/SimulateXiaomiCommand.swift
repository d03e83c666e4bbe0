import ArgumentParser
import Foundation
import PushgateSimulator

/// `pushgate simulate xiaomi`: a fake Xiaomi MiPush server API (regid send endpoints) over HTTP/1.1 and TLS.
struct SimulateXiaomiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xiaomi",
        abstract: "Run a fake Xiaomi MiPush (HTTP/1.1 over TLS) until SIGINT or SIGTERM.",
        discussion: """
            Serves POST /v2/message/regid, /v3/message/regid and /v4/message/regid of api.xmpush.xiaomi.com \
            (form-encoded, Authorization: key=SECRET). Business errors are HTTP 200 with {"result":"error","code":…}. \
            Prints one line when listening, and the final counters as one JSON line when stopped. GET /_sim/counters \
            answers the counters, POST /_sim/reset zeroes them.

            Regid prefixes inject faults (after authentication and validation; the first regid with one decides for \
            the whole request): E500 HTTP 500 with a plain-text body, E001 10001 system error, R027 10027 too \
            frequent, Q034 10034 daily quota, ONCE 10002 system busy the first time a (regid, notify_id) pair is seen \
            then accepted, SLOW answered after 2 s, DROP close the connection unanswered, HANG never answer. BAD \
            regids are invalid: listed in data.bad_regids, or 20301 when all are.
            """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8444

    @OptionGroup var certificates: SimulatorCertificateOptions

    @Option(
        name: .customLong("app"),
        help: "An app as SECRET:PACKAGE[,PACKAGE…]. Repeatable. Default: demo-app-secret:com.example.demo."
    )
    var apps: [String] = []

    @Option(
        name: .customLong("channel"),
        help:
            "A registered channel ID: once one is given, notifications must carry one of them (else 27001). Repeatable."
    )
    var channels: [String] = []

    @Option(name: .customLong("daily-quota"), help: "Regids accepted per app per day (Beijing time) before 10034.")
    var dailyQuota: Int?

    @Option(help: "Event loop threads.")
    var threads = 1

    func validate() throws {
        guard (0...65535).contains(self.port) else { throw ValidationError("--port must be 0...65535") }
        try self.certificates.validateCombination()
        _ = try self.parsedApps()
        guard !self.channels.contains("") else { throw ValidationError("--channel must not be empty") }
        if let dailyQuota = self.dailyQuota, dailyQuota < 0 {
            throw ValidationError("--daily-quota must not be negative")
        }
        guard self.threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let configuration = try self.makeConfiguration()
        try await SimulatorCommandSupport.serve("Xiaomi simulator", host: self.host) { logger in
            try await XiaomiSimulator.start(configuration: configuration, logger: logger)
        }
    }

    /// `--app` values as secret → packages; packages follow the last colon (they never hold one).
    private func parsedApps() throws -> [String: [String]] {
        var apps: [String: [String]] = [:]
        for app in self.apps {
            guard let colon = app.lastIndex(of: ":") else {
                throw ValidationError("--app: give SECRET:PACKAGE[,PACKAGE…]")
            }
            let secret = String(app[..<colon])
            let packages = app[app.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false)
                .map(String.init)
            guard !secret.isEmpty else { throw ValidationError("--app: the secret must not be empty") }
            guard !packages.contains("") else {
                throw ValidationError("--app: give one or more package names after the colon, without empty ones")
            }
            // The secret is not repeated in the message: it is a credential.
            guard apps.updateValue(packages, forKey: secret) == nil else {
                throw ValidationError("--app: the same secret is given twice")
            }
        }
        return apps
    }

    private func makeConfiguration() throws -> XiaomiSimulator.Configuration {
        var configuration: XiaomiSimulator.Configuration = try self.certificates.makeConfiguration(
            host: self.host,
            port: self.port
        )
        let apps = try self.parsedApps()
        if !apps.isEmpty {
            configuration.apps = apps
        }
        if !self.channels.isEmpty {
            configuration.channels = Set(self.channels)
        }
        configuration.dailyQuota = self.dailyQuota
        configuration.eventLoopThreads = self.threads
        return configuration
    }
}
