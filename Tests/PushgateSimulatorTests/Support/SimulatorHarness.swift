import Crypto
import Foundation
import Logging

@testable import PushgateSimulator

/// A simulator on an ephemeral port with fresh certificates and a fresh token key, plus helpers to talk to it.
struct SimulatorHarness: Sendable {
    static let keyID = "ABC123DEFG"
    static let teamID = "TEAM123456"
    static let topic = "com.example.app"

    let simulator: APNSSimulator
    let certificates: DevelopmentCertificates
    let caFile: String
    let key: P256.Signing.PrivateKey

    var port: Int { self.simulator.port }

    /// Starts a simulator, runs `body`, and always shuts the simulator down.
    ///
    /// `certificateAuth` makes clients present a certificate issued by the harness CA.
    static func with<T: Sendable>(
        certificateAuth: Bool = false,
        _ customize: (inout APNSSimulator.Configuration) throws -> Void = { _ in },
        _ body: (SimulatorHarness) async throws -> T
    ) async throws -> T {
        let certificates = try DevelopmentCertificates.make()
        let key = P256.Signing.PrivateKey()
        var configuration = APNSSimulator.Configuration(certificates: certificates)
        configuration.tokenKeys = [Self.keyID: key.publicKey]
        configuration.teamID = Self.teamID
        configuration.eventLoopThreads = 1
        if certificateAuth {
            configuration.clientCertificateTrustRootsPEM = certificates.caCertificatePEM
        }
        try customize(&configuration)
        let logger = Logger(label: "test.simulator", factory: { _ in SwiftLogNoOpLogHandler() })
        let simulator = try await APNSSimulator.start(configuration: configuration, logger: logger)
        let caFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("pushgate-sim-ca-\(UUID().uuidString).pem").path
        let harness = SimulatorHarness(simulator: simulator, certificates: certificates, caFile: caFile, key: key)
        do {
            try certificates.caCertificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
            let result = try await body(harness)
            try await harness.stop()
            return result
        } catch {
            try? await harness.stop()
            throw error
        }
    }

    private func stop() async throws {
        try? FileManager.default.removeItem(atPath: self.caFile)
        try await self.simulator.shutdown()
    }

    func url(_ path: String, host: String = "localhost") -> String {
        "https://\(host):\(self.port)\(path)"
    }

    func token(
        issuedAt: Int64 = TestJWT.now,
        key: P256.Signing.PrivateKey? = nil,
        keyID: String = keyID,
        teamID: String = teamID,
        derSignature: Bool = false
    ) throws -> String {
        try TestJWT.make(
            key: key ?? self.key,
            keyID: keyID,
            teamID: teamID,
            issuedAt: issuedAt,
            derSignature: derSignature
        )
    }

    /// A well-formed push, which individual tests then spoil one way or another.
    func pushRequest(
        deviceToken: String = randomDeviceToken(),
        apnsID: String? = UUID().uuidString.lowercased(),
        authorization: String? = nil,
        headers extra: [(String, String)] = [],
        body: String? = #"{"aps":{"alert":"hello"}}"#
    ) throws -> Curl.Request {
        let authorization = try authorization ?? "bearer \(self.token())"
        var headers: [(String, String)] = [
            ("authorization", authorization),
            ("apns-topic", Self.topic),
            ("apns-push-type", "alert"),
        ]
        if let apnsID { headers.append(("apns-id", apnsID)) }
        headers += extra
        return Curl.Request(url: self.url("/3/device/\(deviceToken)"), headers: headers, body: body)
    }

    func send(_ request: Curl.Request, extraArguments: [String] = [], timeoutSeconds: Int = 10) async throws
        -> CurlResult
    {
        try await Curl.run(request, caFile: self.caFile, extraArguments: extraArguments, timeoutSeconds: timeoutSeconds)
    }
}
