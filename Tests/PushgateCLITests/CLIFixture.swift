import Crypto
import Foundation
import Logging
import PushgateSimulator

/// A simulator plus the files a user would hand to `pushgate send apns`: a CA and a .p8 key.
struct CLIFixture {
    static let keyID = "CLIKEY1234"
    static let teamID = "CLITEAM123"
    static let topic = "com.example.cli"

    let simulator: APNSSimulator
    let directory: URL
    let caFile: String
    let keyFile: String

    static func start() async throws -> CLIFixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pushgate-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = try DevelopmentCertificates.make()
        let key = P256.Signing.PrivateKey()
        let caFile = directory.appendingPathComponent("ca.pem").path
        let keyFile = directory.appendingPathComponent("AuthKey_\(Self.keyID).p8").path
        try certificates.caCertificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: keyFile, atomically: true, encoding: .utf8)
        var configuration = APNSSimulator.Configuration(certificates: certificates)
        configuration.tokenKeys = [Self.keyID: key.publicKey]
        configuration.teamID = Self.teamID
        configuration.eventLoopThreads = 1
        let simulator = try await APNSSimulator.start(configuration: configuration, logger: Logger(label: "cli.sim"))
        return CLIFixture(simulator: simulator, directory: directory, caFile: caFile, keyFile: keyFile)
    }

    /// The connection flags for `send apns` / `bench apns` against this simulator.
    var connectionArguments: [String] {
        [
            "--topic", Self.topic, "--key-file", self.keyFile, "--key-id", Self.keyID, "--team-id", Self.teamID,
            "--endpoint", "https://127.0.0.1:\(self.simulator.port)", "--ca-file", self.caFile,
        ]
    }

    func stop() async throws {
        try await self.simulator.shutdown()
        try? FileManager.default.removeItem(at: self.directory)
    }

    static func token(prefix: String = "ab") -> String {
        prefix + String(repeating: "c", count: 64 - prefix.count)
    }
}
