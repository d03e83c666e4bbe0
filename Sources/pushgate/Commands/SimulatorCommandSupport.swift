import ArgumentParser
import Foundation
import Logging
import PushgateSimulator
import ServiceLifecycle

/// The server-certificate flags every `simulate` subcommand takes: the user's certificate and key, or development
/// certificates made at start whose CA is written to `--ca-out`.
struct SimulatorCertificateOptions: ParsableArguments {
    @Option(name: .customLong("cert"), help: "Server certificate chain (PEM). Needs --key.")
    var certificateFile: String?

    @Option(name: .customLong("key"), help: "Server private key (PEM). Needs --cert.")
    var keyFile: String?

    @Option(
        name: .customLong("ca-out"),
        help: "Without --cert/--key: where to write the generated CA certificate (PEM) for clients to trust."
    )
    var caOutputFile: String?

    /// Throws when the flags do not go together. Not `validate()`: the command calls it after its port check, so
    /// that the errors keep their order.
    func validateCombination() throws {
        guard (self.certificateFile == nil) == (self.keyFile == nil) else {
            throw ValidationError("--cert and --key go together")
        }
        if self.certificateFile == nil && self.caOutputFile == nil {
            throw ValidationError(
                "without --cert/--key the simulator makes its own certificates: "
                    + "give --ca-out FILE so clients can trust them"
            )
        }
    }

    /// A configuration listening on `host`:`port` and serving the certificate of `--cert`/`--key`, or development
    /// certificates valid for `host` whose CA is written to `--ca-out`.
    func makeConfiguration<Configuration: SimulatorServerConfiguration>(host: String, port: Int) throws
        -> Configuration
    {
        var configuration: Configuration
        if let certificateFile = self.certificateFile, let keyFile = self.keyFile {
            configuration = Configuration(
                certificateChainPEM: try readUserFile(certificateFile, flag: "--cert"),
                privateKeyPEM: try readUserFile(keyFile, flag: "--key")
            )
        } else if let caOutputFile = self.caOutputFile {
            let certificates = try DevelopmentCertificates.make(hosts: Self.certificateHosts(host: host))
            do {
                try certificates.caCertificatePEM.write(toFile: caOutputFile, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("--ca-out: cannot write \(caOutputFile): \((error as NSError).localizedDescription)")
            }
            configuration = Configuration(certificates: certificates)
        } else {
            throw ValidationError("give --cert and --key, or --ca-out")
        }
        configuration.host = host
        configuration.port = port
        return configuration
    }

    /// Names the generated server certificate is valid for: loopback, plus the listening address when specific.
    private static func certificateHosts(host: String) -> [String] {
        var hosts = ["localhost", "127.0.0.1", "::1"]
        if !["0.0.0.0", "::", "localhost", "127.0.0.1", "::1"].contains(host) {
            hosts.append(host)
        }
        return hosts
    }
}

/// What `pushgate simulate` needs of a simulator besides running it: its port and its counters.
protocol CommandLineSimulator: SimulatorService {
    associatedtype Counters: Encodable
    var port: Int { get }
    func counters() -> Counters
}

extension APNSSimulator: CommandLineSimulator {}
extension HuaweiSimulator: CommandLineSimulator {}
extension XiaomiSimulator: CommandLineSimulator {}
extension VivoSimulator: CommandLineSimulator {}

/// The run loop the `simulate` subcommands share.
enum SimulatorCommandSupport {
    /// Starts a simulator (its `SimulatorError` becomes a `CLIError`), prints "`name` listening on https://…", serves
    /// until SIGINT or SIGTERM, then prints the counters as one JSON line.
    static func serve<Simulator: CommandLineSimulator>(
        _ name: String,
        host: String,
        countersFormatting: JSONEncoder.OutputFormatting = [.sortedKeys, .withoutEscapingSlashes],
        start: (Logger) async throws -> Simulator
    ) async throws {
        let logger = CLILogging.logger("pushgate.simulator")
        let simulator: Simulator
        do {
            simulator = try await start(logger)
        } catch let error as SimulatorError {
            throw CLIError(error.message)
        }

        let shownHost = host.contains(":") ? "[\(host)]" : host
        // Unbuffered, so a script waiting for this line sees it at once.
        Self.writeLine("\(name) listening on https://\(shownHost):\(simulator.port)")

        let group = ServiceGroup(
            services: [simulator],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()

        let encoder = JSONEncoder()
        encoder.outputFormatting = countersFormatting
        let counters = try encoder.encode(simulator.counters())
        Self.writeLine(String(decoding: counters, as: UTF8.self))
    }

    private static func writeLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
