import Foundation
import Testing

@Suite struct SendCommandTests {
    @Test func deliversAPushAndExitsZero() async throws {
        let fixture = try await CLIFixture.start()
        let result = try await CLIRunner.run(
            ["send", "apns", "--token", CLIFixture.token(), "--title", "Hi", "--body", "There"]
                + fixture.connectionArguments)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("delivered"))
        #expect(result.stdout.contains("status 200"))
        #expect(result.stdout.contains("apns-id "))
        #expect(fixture.simulator.counters().accepted == 1)
        try await fixture.stop()
    }

    @Test func printsJSONWithTheAPNSID() async throws {
        let fixture = try await CLIFixture.start()
        let result = try await CLIRunner.run(
            [
                "send", "apns", "--token", CLIFixture.token(), "--json", "--push-type", "background",
                "--content-available",
                "--priority", "5",
            ] + fixture.connectionArguments)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["outcome"] as? String == "delivered")
        let apnsID = try #require(object["apns_id"] as? String)
        #expect(fixture.simulator.acceptedCount(apnsID: apnsID) == 1)
        try await fixture.stop()
    }

    @Test(arguments: [
        ("41000000", Int32(3), "invalid token: Unregistered"),
        ("50300000", Int32(4), "retryable"),
        ("40000000", Int32(3), "EnvironmentMismatch"),
    ])
    func exitStatusFollowsTheOutcome(prefix: String, status: Int32, text: String) async throws {
        let fixture = try await CLIFixture.start()
        let result = try await CLIRunner.run(
            ["send", "apns", "--token", CLIFixture.token(prefix: prefix)] + fixture.connectionArguments)
        #expect(result.status == status, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stdout.contains(text))
        try await fixture.stop()
    }

    @Test func aPayloadTooLargeIsRefusedWithoutSending() async throws {
        let fixture = try await CLIFixture.start()
        let payload = fixture.directory.appendingPathComponent("big.json")
        try #"{"aps":{"alert":"\#(String(repeating: "x", count: 5000))"}}"#.write(
            to: payload, atomically: true, encoding: .utf8)
        let result = try await CLIRunner.run(
            ["send", "apns", "--token", CLIFixture.token(), "--payload", "@" + payload.path]
                + fixture.connectionArguments)
        #expect(result.status == 3)
        #expect(result.stdout.contains("PayloadTooLarge"))
        #expect(fixture.simulator.counters().requests == 0)
        try await fixture.stop()
    }

    @Test(arguments: [
        (["send", "apns", "--token", "ab"], "--topic"),
        (["send", "apns", "--token", "ab", "--topic", "x"], "credentials"),
        (
            [
                "send", "apns", "--token", "ab", "--topic", "x", "--key-file", "/nonexistent/k.p8", "--key-id", "K",
                "--team-id", "T",
            ],
            "--key-file"
        ),
        (
            [
                "send", "apns", "--token", "ab", "--topic", "x", "--key-file", "/etc/hostname", "--key-id", "K",
                "--team-id", "T",
            ],
            "--key-file"
        ),
        (
            ["send", "apns", "--token", "ab", "--topic", "x", "--cert-file", "/etc/hostname", "--priority", "7"],
            "--priority"
        ),
        (
            ["send", "apns", "--token", "ab", "--topic", "x", "--cert-file", "/etc/hostname", "--push-type", "banner"],
            "--push-type"
        ),
        (
            [
                "send", "apns", "--token", "ab", "--topic", "x", "--cert-file", "/etc/hostname", "--endpoint",
                "http://x",
            ], "--endpoint"
        ),
        (
            ["send", "apns", "--token", "ab", "--topic", "x", "--cert-file", "/etc/hostname", "--payload", "[1]"],
            "--payload"
        ),
    ])
    func badFlagsAndFilesGetAClearError(arguments: [String], mention: String) async throws {
        let result = try await CLIRunner.run(arguments)
        #expect(result.status != 0)
        let firstLine = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(firstLine.hasPrefix("Error: "), "stderr: \(result.stderr)")
        #expect(firstLine.contains(mention), "stderr: \(result.stderr)")
    }

    @Test func malformedTokensAreReportedWithoutSending() async throws {
        let fixture = try await CLIFixture.start()
        let result = try await CLIRunner.run(["send", "apns", "--token", "not-hex"] + fixture.connectionArguments)
        #expect(result.status == 3)
        #expect(result.stdout.contains("MalformedToken"))
        #expect(fixture.simulator.counters().requests == 0)
        try await fixture.stop()
    }

    @Test func tokenCommandPrintsAJWT() async throws {
        let fixture = try await CLIFixture.start()
        let result = try await CLIRunner.run(
            [
                "token", "apns", "--key-file", fixture.keyFile, "--key-id", CLIFixture.keyID, "--team-id",
                CLIFixture.teamID,
            ])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        try await fixture.stop()
    }
}
