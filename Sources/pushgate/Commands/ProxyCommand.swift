import ArgumentParser
import Foundation
import Logging
import PushgateProxy
import ServiceLifecycle

/// `pushgate proxy --config proxy.yaml`: the HTTP CONNECT proxy of an overseas node, plus its helpers.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Run the HTTP CONNECT proxy that carries APNs traffic from an overseas node.",
        discussion: """
            Runs until SIGTERM or SIGINT, then stops accepting, lets open tunnels finish for \
            limits.shutdown_grace and closes the rest. Prints one line per listener when ready. \
            Access logs go to stderr at info level (PUSHGATE_LOG_LEVEL overrides). See proxy/RUNBOOK.md.
            """,
        subcommands: [ProxyHashPasswordCommand.self, ProxyCheckConfigCommand.self]
    )

    @Option(name: .customLong("config"), help: "The proxy configuration (YAML); see proxy/proxy.example.yaml.")
    var configFile: String?

    func run() async throws {
        guard let configFile = self.configFile else {
            throw ValidationError("give --config FILE (or a subcommand: hash-password, check-config)")
        }
        let configuration: ProxyConfiguration
        do {
            configuration = try ProxyConfiguration(contentsOfFile: configFile)
            try configuration.validate()
        } catch {
            throw CLIError("\(configFile): \(error)")
        }

        var logger = CLILogging.logger("pushgate.proxy")
        // A daemon's access log is its point; the CLI default of warning would hide it.
        if ProcessInfo.processInfo.environment["PUSHGATE_LOG_LEVEL"] == nil {
            logger.logLevel = .info
        }
        let proxy: ConnectProxy
        do {
            proxy = try await ConnectProxy.start(configuration: configuration, logger: logger)
        } catch let error as ProxyConfigurationError {
            throw CLIError("\(configFile): \(error)")
        }

        for (index, listener) in configuration.listeners.enumerated() {
            let scheme = listener.tls == nil ? "http" : "https"
            let mutual = listener.tls?.clientCAFile == nil ? "" : " (client certificate required)"
            Self.writeLine("pushgate proxy listening on \(scheme)://\(proxy.listenerAddresses[index])\(mutual)")
        }
        if let adminAddress = proxy.adminAddress {
            Self.writeLine("pushgate proxy admin on http://\(adminAddress) (/healthz, /metrics)")
        }

        let group = ServiceGroup(services: [proxy], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }

    /// Unbuffered, so a supervisor or script waiting for the line sees it at once.
    static func writeLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// `pushgate proxy hash-password`: reads a password from stdin, prints its `password_hash`.
struct ProxyHashPasswordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-password",
        abstract: "Read a password from stdin (first line) and print a password_hash for proxy.yaml.",
        discussion: "Example: printf '%s' \"$PASSWORD\" | pushgate proxy hash-password"
    )

    @Option(help: "PBKDF2-HMAC-SHA256 iterations.")
    var iterations = PasswordHash.defaultIterations

    func validate() throws {
        guard (100_000...10_000_000).contains(self.iterations) else {
            throw ValidationError("--iterations must be 100000...10000000")
        }
    }

    func run() throws {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        // Only the line ending is removed: spaces are part of the password.
        var password = String(input.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        if password.hasSuffix("\r") { password.removeLast() }
        guard !password.isEmpty else { throw CLIError("no password on stdin") }
        let hash = try PasswordHash.make(password: password, iterations: self.iterations)
        ProxyCommand.writeLine(hash.encoded)
    }
}

/// `pushgate proxy check-config FILE`: every problem with its path (exit 1), or "ok".
struct ProxyCheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a proxy configuration: print every problem with its path (exit 1), or ok."
    )

    @Argument(help: "The proxy configuration (YAML).")
    var file: String

    func run() throws {
        let configuration: ProxyConfiguration
        do {
            configuration = try ProxyConfiguration(contentsOfFile: self.file)
            try configuration.validate()
        } catch {
            for problem in error.problems {
                ProxyCommand.writeLine(problem.description)
            }
            throw ExitCode(1)
        }
        for warning in configuration.warnings() {
            ProxyCommand.writeLine("warning: \(warning)")
        }
        ProxyCommand.writeLine("ok")
    }
}
