import ArgumentParser
import Foundation
import PushgateAPNS

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print vendor credentials for manual checks.",
        subcommands: [TokenAPNSCommand.self]
    )
}

struct TokenAPNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apns",
        abstract: "Print a fresh APNs provider token (JWT), for checks with curl or h2load.",
        discussion: "The token is a credential for up to an hour: do not paste it into tickets or logs."
    )

    @Option(name: .customLong("key-file"), help: "The .p8 key (PKCS#8 PEM).") var keyFile: String
    @Option(name: .customLong("key-id"), help: "The key's 10-character id.") var keyID: String
    @Option(name: .customLong("team-id"), help: "The 10-character team id.") var teamID: String

    func run() async throws {
        let pem = try readUserFile(self.keyFile, flag: "--key-file")
        do {
            let key = try APNSSigningKey(keyID: self.keyID, teamID: self.teamID, pemRepresentation: pem)
            print(try key.makeProviderToken(issuedAt: Date()))
        } catch {
            throw CLIError("--key-file \(self.keyFile): \(error)")
        }
    }
}
