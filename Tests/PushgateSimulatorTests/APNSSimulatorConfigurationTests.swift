import Testing

@testable import PushgateSimulator

@Suite("Simulator configuration")
struct APNSSimulatorConfigurationTests {
    @Test("validate names every problem")
    func validate() throws {
        let certificates = try DevelopmentCertificates.make()
        var configuration = APNSSimulator.Configuration(certificates: certificates)
        #expect(throws: Never.self) { try configuration.validate() }
        configuration.port = 70000
        configuration.maxConcurrentStreams = 0
        configuration.goAwayAfterRequests = 0
        configuration.faults.append(.init(tokenPrefix: "", fault: .slow))
        let error = try #require(throws: SimulatorError.self) { try configuration.validate() }
        let appended = "faults[\(configuration.faults.count - 1)].tokenPrefix"
        for field in ["port", "maxConcurrentStreams", "goAwayAfterRequests", appended] {
            #expect(error.message.contains(field), "\(field)")
        }
    }

    @Test("A bad certificate is a SimulatorError, not a crash")
    func badCertificate() async throws {
        var configuration = APNSSimulator.Configuration(certificateChainPEM: "nonsense", privateKeyPEM: "nonsense")
        configuration.port = 0
        await #expect(throws: SimulatorError.self) {
            _ = try await APNSSimulator.start(configuration: configuration, logger: .init(label: "test"))
        }
    }
}
