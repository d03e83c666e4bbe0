import ArgumentParser
import Foundation
import PushgateServer
import PushgateStore

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a gateway configuration file and print every problem with its path."
    )

    @Argument(help: "The configuration file (YAML).") var file: String

    func run() async throws {
        do {
            let configuration = try ConfigurationLoader.load(path: self.file, registry: StandardVendors.registry)
            print(
                "ok: \(configuration.apps.count) app(s), listening on \(configuration.listen), "
                    + "store \(DeliveryStoreFactory.displayName(url: configuration.store))"
            )
        } catch let problems as ConfigurationLoader.Problems {
            for problem in problems.problems { print("\(self.file): \(problem)") }
            throw ExitCode(1)
        }
    }
}

struct HashKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-key",
        abstract: "Make an API key for an app, or hash one read from stdin, for `api_keys` in the configuration."
    )

    @Flag(help: "Generate a new random key and print it with its hash.") var generate = false

    func run() async throws {
        let key: String
        if self.generate {
            key = "pg_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            print("key:  \(key)   (give this to the backend; it is shown once)")
        } else {
            guard let line = readLine(strippingNewline: true), line.count >= 16 else {
                throw CLIError("hash-key: give a key of at least 16 characters on stdin, or use --generate")
            }
            key = line
        }
        print("hash: \(APIKeyHash(key: key).stored)")
    }
}
