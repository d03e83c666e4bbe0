import ArgumentParser
import Foundation
import Logging
import PushgateCore

@main
struct Pushgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pushgate",
        abstract: "A self-hosted push provider gateway.",
        subcommands: [
            ServeCommand.self, CheckConfigCommand.self, HashKeyCommand.self, SendCommand.self, BenchCommand.self,
            SimulateCommand.self, TokenCommand.self, ProxyCommand.self, MigrateCommand.self,
        ]
    )
}

/// Logging is bootstrapped once, here in the executable only (libraries take a Logger).
enum CLILogging {
    private static let configuredLevel = ProcessInfo.processInfo.environment["PUSHGATE_LOG_LEVEL"]
        .flatMap(Logger.Level.init(rawValue:))
    private static let once: Void = {
        LoggingSystem.bootstrap { label in LazyMetadataLogHandler(StreamLogHandler.standardError(label: label)) }
    }()

    /// `PUSHGATE_LOG_LEVEL` (trace…critical) wins over the command's default.
    static func logger(_ label: String, defaultLevel: Logger.Level = .warning) -> Logger {
        _ = Self.once
        var logger = Logger(label: label)
        logger.logLevel = Self.configuredLevel ?? defaultLevel
        return logger
    }
}

/// A CLI failure printed as one line, without usage text.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Reads a file the user named, with an error that says which flag and why.
func readUserFile(_ path: String, flag: String) throws -> String {
    do {
        return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        throw CLIError("\(flag): cannot read \(path): \((error as NSError).localizedDescription)")
    }
}

/// Foundation also has a `Notification`; in this module the name means ours.
typealias Notification = PushgateCore.Notification
