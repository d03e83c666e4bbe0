import Crypto
import Foundation
import Testing

@testable import PushgateSimulator

@Suite("APNs simulator authentication, over HTTP/2 with curl")
struct APNSAuthenticationTests {
    @Test("iat older than tokenMaxAge gets ExpiredProviderToken")
    func expiredToken() async throws {
        try await SimulatorHarness.with { harness in
            let token = try harness.token(issuedAt: TestJWT.now - 3601)
            let result = try await harness.send(try harness.pushRequest(authorization: "bearer \(token)"))
            #expect(result.status == 403)
            #expect(result.reason == "ExpiredProviderToken")
        }
    }

    @Test("The configured clock judges token age")
    func injectedClock() async throws {
        try await SimulatorHarness.with({ configuration in
            configuration.clock = { Date().addingTimeInterval(3601) }
        }) { harness in
            let result = try await harness.send(try harness.pushRequest())
            #expect(result.status == 403)
            #expect(result.reason == "ExpiredProviderToken")
        }
    }

    @Test(
        "Bad tokens get InvalidProviderToken",
        arguments: ["other key", "unknown kid", "other team", "DER signature", "HS256", "tampered claims"]
    )
    func invalidToken(_ variant: String) async throws {
        try await SimulatorHarness.with { harness in
            let token: String
            switch variant {
            case "other key": token = try harness.token(key: P256.Signing.PrivateKey())
            case "unknown kid": token = try harness.token(keyID: "ZZZ999ZZZZ")
            case "other team": token = try harness.token(teamID: "OTHERTEAM1")
            case "DER signature": token = try harness.token(derSignature: true)
            case "HS256":
                token = try TestJWT.make(
                    key: harness.key,
                    keyID: SimulatorHarness.keyID,
                    teamID: SimulatorHarness.teamID,
                    issuedAt: TestJWT.now,
                    algorithm: "HS256"
                )
            default:
                let parts = try harness.token().split(separator: ".")
                let claims = TestJWT.base64URL(Data(#"{"iss":"TEAM123456","iat":\#(TestJWT.now - 1)}"#.utf8))
                token = "\(parts[0]).\(claims).\(parts[2])"
            }
            let result = try await harness.send(try harness.pushRequest(authorization: "bearer \(token)"))
            #expect(result.status == 403)
            #expect(result.reason == "InvalidProviderToken")
            #expect(harness.simulator.counters().accepted == 0)
        }
    }

    @Test("Lenient mode accepts DER signatures")
    func lenientDER() async throws {
        try await SimulatorHarness.with({ $0.acceptDERSignatures = true }) { harness in
            let token = try harness.token(derSignature: true)
            let result = try await harness.send(try harness.pushRequest(authorization: "bearer \(token)"))
            #expect(result.status == 200)
        }
    }

    @Test("A key of the other environment gets the configured reason spelling")
    func otherEnvironmentKey() async throws {
        let otherKey = P256.Signing.PrivateKey()
        try await SimulatorHarness.with({ configuration in
            configuration.tokenKeys["OTHERENV12"] = otherKey.publicKey
            configuration.otherEnvironmentKeyIDs = ["OTHERENV12"]
            configuration.environmentReasonSpelling = "BadEnvironmentKeyInToken"
        }) { harness in
            let token = try harness.token(key: otherKey, keyID: "OTHERENV12")
            let result = try await harness.send(try harness.pushRequest(authorization: "bearer \(token)"))
            #expect(result.status == 403)
            #expect(result.reason == "BadEnvironmentKeyInToken")
        }
    }

    @Test("A topic outside allowedTopics gets TopicDisallowed, suffixes aside")
    func allowedTopics() async throws {
        try await SimulatorHarness.with({ $0.allowedTopics = [SimulatorHarness.topic] }) { harness in
            var voip = try harness.pushRequest(headers: [])
            voip.headers = voip.headers.map { name, value in
                switch name {
                case "apns-topic": (name, "com.example.app.voip")
                case "apns-push-type": (name, "voip")
                default: (name, value)
                }
            }
            #expect(try await harness.send(voip).status == 200)

            var other = try harness.pushRequest()
            other.headers = other.headers.map { $0.0 == "apns-topic" ? ($0.0, "com.example.other") : $0 }
            let result = try await harness.send(other)
            #expect(result.status == 400)
            #expect(result.reason == "TopicDisallowed")
        }
    }

    @Test("Certificate auth: a client certificate is required and its UID decides the topic")
    func certificateAuthentication() async throws {
        try await SimulatorHarness.with(certificateAuth: true) { harness in
            let client = try harness.certificates.makeClientCertificate(
                commonName: "Pushgate test",
                uid: "com.example.app"
            )
            let directory = FileManager.default.temporaryDirectory
            let certificateFile = directory.appendingPathComponent("client-\(UUID().uuidString).pem").path
            let keyFile = directory.appendingPathComponent("client-\(UUID().uuidString).key").path
            try client.certificatePEM.write(toFile: certificateFile, atomically: true, encoding: .utf8)
            try client.privateKeyPEM.write(toFile: keyFile, atomically: true, encoding: .utf8)
            defer {
                try? FileManager.default.removeItem(atPath: certificateFile)
                try? FileManager.default.removeItem(atPath: keyFile)
            }
            let withCertificate = ["--cert", certificateFile, "--key", keyFile]

            // No authorization header: the certificate is the credential.
            func request(topic: String, pushType: String) -> Curl.Request {
                Curl.Request(
                    url: harness.url("/3/device/\(randomDeviceToken())"),
                    headers: [("apns-topic", topic), ("apns-push-type", pushType)],
                    body: #"{"aps":{"alert":"hi"}}"#
                )
            }

            let accepted = try await harness.send(
                request(topic: "com.example.app", pushType: "alert"),
                extraArguments: withCertificate
            )
            #expect(accepted.status == 200, "\(accepted.stderr)")
            let voip = try await harness.send(
                request(topic: "com.example.app.voip", pushType: "voip"),
                extraArguments: withCertificate
            )
            #expect(voip.status == 200)
            let otherApp = try await harness.send(
                request(topic: "com.example.other", pushType: "alert"),
                extraArguments: withCertificate
            )
            #expect(otherApp.status == 400)
            #expect(otherApp.reason == "BadTopic")

            let noCertificate = try await harness.send(request(topic: "com.example.app", pushType: "alert"))
            #expect(noCertificate.exitCode != 0)
            #expect(noCertificate.status == 0)
            #expect(harness.simulator.counters().accepted == 2)
        }
    }

    @Test("Certificate auth without a UID accepts any topic")
    func certificateWithoutUID() async throws {
        try await SimulatorHarness.with(certificateAuth: true) { harness in
            let client = try harness.certificates.makeClientCertificate(commonName: "No UID", uid: nil)
            let directory = FileManager.default.temporaryDirectory
            let certificateFile = directory.appendingPathComponent("client-\(UUID().uuidString).pem").path
            let keyFile = directory.appendingPathComponent("client-\(UUID().uuidString).key").path
            try client.certificatePEM.write(toFile: certificateFile, atomically: true, encoding: .utf8)
            try client.privateKeyPEM.write(toFile: keyFile, atomically: true, encoding: .utf8)
            defer {
                try? FileManager.default.removeItem(atPath: certificateFile)
                try? FileManager.default.removeItem(atPath: keyFile)
            }
            var request = try harness.pushRequest()
            request.headers.removeAll { $0.0 == "authorization" }
            request.headers = request.headers.map { $0.0 == "apns-topic" ? ($0.0, "com.example.whatever") : $0 }
            let result = try await harness.send(request, extraArguments: ["--cert", certificateFile, "--key", keyFile])
            #expect(result.status == 200, "\(result.stderr)")
        }
    }
}
