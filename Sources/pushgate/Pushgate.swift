import ArgumentParser
import Foundation
import Logging
import PushgateCore

@main
struct Pushgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pushgate",
        abstract: "A self-hosted push provider gateway.",
        subcommands: [SendCommand.self, BenchCommand.self, SimulateCommand.self, TokenCommand.self]
    )
}

/// Logging is bootstrapped once, here in the executable only (libraries take a Logger).
enum CLILogging {
    private static let once: Void = {
        let level = ProcessInfo.processInfo.environment["PUSHGATE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level ?? .warning
            return handler
        }
    }()

    static func logger(_ label: String) -> Logger {
        _ = Self.once
        return Logger(label: label)
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
