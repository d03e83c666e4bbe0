import ArgumentParser
import Crypto
import Foundation
import Logging
import NIOPosix
import PushgateAPNS
import PushgateCore
import PushgateHuawei
import PushgateServer
import PushgateSimulator
import PushgateVivo
import PushgateXiaomi
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway: REST API, durable queue and dispatcher.",
        discussion: """
            With --demo: SQLite in a temporary folder (or --data-dir), the APNs simulator started \
            in-process, a demo app with demo credentials, and a printed curl line that sends a push.
            """
    )

    @Option(help: "The configuration file (YAML).") var config: String?
    @Flag(help: "Run a self-contained demo (no credentials needed).") var demo = false
    @Option(name: .customLong("data-dir"), help: "With --demo: keep the SQLite file (and demo key) here between runs.")
    var dataDirectory: String?
    @Option(help: "Listen on HOST:PORT instead of the configured address (default 127.0.0.1:8080).")
    var listen: String?

    func validate() throws {
        if self.demo == (self.config != nil) { throw ValidationError("give either --config FILE or --demo") }
        if self.dataDirectory != nil && !self.demo { throw ValidationError("--data-dir goes with --demo") }
        if let listen, HostAndPort(listen) == nil { throw ValidationError("--listen must be HOST:PORT") }
    }

    func run() async throws {
        let logger = CLILogging.logger("pushgate.serve", defaultLevel: .info)
        var services: [any Service] = []
        var configuration: GatewayConfiguration
        var demo: DemoEnvironment?
        if self.demo {
            let environment = try await DemoEnvironment.start(dataDirectory: self.dataDirectory, logger: logger)
            demo = environment
            configuration = environment.configuration
            services.append(environment.simulator)
            services += [environment.huaweiSimulator, environment.xiaomiSimulator, environment.vivoSimulator]
        } else {
            do {
                configuration = try ConfigurationLoader.load(
                    path: self.config ?? "", registry: StandardVendors.registry)
            } catch {
                throw CLIError("\(self.config ?? ""): \(error)")
            }
        }
        if let listen { configuration.listen = listen }
        let group = MultiThreadedEventLoopGroup.singleton
        let gateway: GatewayServices
        let host = HostAndPort(configuration.listen)?.host ?? "127.0.0.1"
        let demoAPIKey = demo?.apiKey
        do {
            gateway = try await GatewayServices.make(
                configuration: configuration,
                registry: StandardVendors.registry,
                eventLoopGroup: group,
                logger: logger,
                onListening: { port in
                    var text = "pushgate listening on http://\(host):\(port)\n"
                    if let demoAPIKey { text += DemoEnvironment.instructions(port: port, apiKey: demoAPIKey) + "\n" }
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            )
        } catch {
            throw CLIError("\(error)")
        }
        services += gateway.services
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await serviceGroup.run()
    }
}

/// `serve --demo`: everything a newcomer needs to see a push go end to end.
struct DemoEnvironment {
    static let keyID = "DEMOKEY123"
    static let teamID = "DEMOTEAM12"
    static let topic = "com.example.pushgate.demo"
    static let huaweiAppID = "10000001"
    static let huaweiSecret = "demo+secret/="
    static let xiaomiSecret = "demo-xiaomi+secret/="
    static let xiaomiPackage = "com.example.pushgate.demo"
    static let vivoAppID = "10001"
    static let vivoApp = VivoSimulator.App(appKey: "demo-app-key", appSecret: "demo-app-secret")

    let simulator: APNSSimulator
    let huaweiSimulator: HuaweiSimulator
    let xiaomiSimulator: XiaomiSimulator
    let vivoSimulator: VivoSimulator
    let configuration: GatewayConfiguration
    let apiKey: String

    static func start(dataDirectory: String?, logger: Logger) async throws -> DemoEnvironment {
        let directory =
            dataDirectory
            ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("pushgate-demo-\(UUID().lowercasedString.prefix(8))").path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CLIError("--data-dir: cannot create \(directory)")
        }
        // The demo key persists with --data-dir so curl lines keep working across restarts.
        let keyFile = (directory as NSString).appendingPathComponent("demo-api-key")
        let apiKey: String
        if let saved = try? String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines),
            !saved.isEmpty
        {
            apiKey = saved
        } else {
            apiKey = "pg_demo_" + (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            try apiKey.write(toFile: keyFile, atomically: true, encoding: .utf8)
        }

        let certificates = try DevelopmentCertificates.make()
        let privateKey = P256.Signing.PrivateKey()
        var simulatorConfiguration = APNSSimulator.Configuration(certificates: certificates)
        simulatorConfiguration.tokenKeys = [Self.keyID: privateKey.publicKey]
        simulatorConfiguration.teamID = Self.teamID
        simulatorConfiguration.eventLoopThreads = 1
        var simulatorLogger = logger
        simulatorLogger[metadataKey: "component"] = "apns-simulator"
        let simulator = try await APNSSimulator.start(configuration: simulatorConfiguration, logger: simulatorLogger)
        let caFile = (directory as NSString).appendingPathComponent("simulator-ca.pem")
        try certificates.caCertificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)

        var huaweiConfiguration = HuaweiSimulator.Configuration(certificates: certificates)
        huaweiConfiguration.apps = [Self.huaweiAppID: Self.huaweiSecret]
        var huaweiLogger = logger
        huaweiLogger[metadataKey: "component"] = "huawei-simulator"
        let huaweiSimulator = try await HuaweiSimulator.start(configuration: huaweiConfiguration, logger: huaweiLogger)
        let huaweiEndpoint = "https://127.0.0.1:\(huaweiSimulator.port)"
        var huawei = HuaweiVendor.Settings(appID: Self.huaweiAppID, clientSecret: Secret(reference: Self.huaweiSecret))
        huawei.authEndpoint = huaweiEndpoint
        var huaweiCommon = VendorCommonSettings()
        huaweiCommon.endpoint = huaweiEndpoint
        huaweiCommon.caFile = caFile

        var xiaomiConfiguration = XiaomiSimulator.Configuration(certificates: certificates)
        xiaomiConfiguration.apps = [Self.xiaomiSecret: [Self.xiaomiPackage]]
        var xiaomiLogger = logger
        xiaomiLogger[metadataKey: "component"] = "xiaomi-simulator"
        let xiaomiSimulator = try await XiaomiSimulator.start(configuration: xiaomiConfiguration, logger: xiaomiLogger)
        var xiaomiCommon = VendorCommonSettings()
        xiaomiCommon.endpoint = "https://127.0.0.1:\(xiaomiSimulator.port)"
        xiaomiCommon.caFile = caFile
        let xiaomi = XiaomiVendor.Settings(appSecret: Secret(reference: Self.xiaomiSecret), package: Self.xiaomiPackage)

        var vivoConfiguration = VivoSimulator.Configuration(certificates: certificates)
        vivoConfiguration.apps = [Self.vivoAppID: Self.vivoApp]
        var vivoLogger = logger
        vivoLogger[metadataKey: "component"] = "vivo-simulator"
        let vivoSimulator = try await VivoSimulator.start(configuration: vivoConfiguration, logger: vivoLogger)
        var vivoCommon = VendorCommonSettings()
        vivoCommon.endpoint = "https://127.0.0.1:\(vivoSimulator.port)"
        vivoCommon.caFile = caFile
        let vivo = VivoVendor.Settings(
            appID: Self.vivoAppID, appKey: Self.vivoApp.appKey, appSecret: Secret(reference: Self.vivoApp.appSecret))

        var configuration = GatewayConfiguration()
        configuration.store = "sqlite:" + (directory as NSString).appendingPathComponent("pushgate.db")
        var apns = APNSVendor.Settings(topic: Self.topic)
        apns.key = Secret(reference: privateKey.pemRepresentation)
        apns.keyID = Self.keyID
        apns.teamID = Self.teamID
        var apnsCommon = VendorCommonSettings()
        apnsCommon.endpoint = "https://127.0.0.1:\(simulator.port)"
        apnsCommon.caFile = caFile
        configuration.apps = [
            GatewayConfiguration.App(
                id: "demo", apiKeys: [APIKeyHash(key: apiKey).stored],
                vendors: [
                    VendorBlock(vendor: .apns, common: apnsCommon, settings: apns),
                    VendorBlock(vendor: .huawei, common: huaweiCommon, settings: huawei),
                    VendorBlock(vendor: .xiaomi, common: xiaomiCommon, settings: xiaomi),
                    VendorBlock(vendor: .vivo, common: vivoCommon, settings: vivo),
                ])
        ]
        logger.info(
            "demo data",
            metadata: [
                "demo.data_dir": "\(directory)", "demo.apns_simulator": "\(apnsCommon.endpoint ?? "")",
                "demo.huawei_simulator": "\(huaweiEndpoint)",
                "demo.xiaomi_simulator": "\(xiaomiCommon.endpoint ?? "")",
                "demo.vivo_simulator": "\(vivoCommon.endpoint ?? "")",
            ])
        return DemoEnvironment(
            simulator: simulator, huaweiSimulator: huaweiSimulator, xiaomiSimulator: xiaomiSimulator,
            vivoSimulator: vivoSimulator, configuration: configuration, apiKey: apiKey)
    }

    static func instructions(port: Int, apiKey: String) -> String {
        let base = "http://127.0.0.1:\(port)"
        let token = String(repeating: "ab", count: 32)
        return """
            Demo app "demo" with API key \(apiKey) (APNs, Huawei, Xiaomi and vivo go to the built-in simulators).
            Send a push:
              curl -sS -X POST \(base)/v1/notifications -H 'Authorization: Bearer \(apiKey)' -H 'Content-Type: application/json' -d '{"notification":{"title":"Hello","body":"Pushgate works"},"targets":[{"vendor":"apns","token":"\(token)"},{"vendor":"huawei","token":"DEMOHUAWEITOKEN0001"},{"vendor":"xiaomi","token":"DEMOXIAOMIREGID0001"},{"vendor":"vivo","token":"DEMOVIVOREGID0001"}]}'
            Then follow it (the id comes from the answer's "id"):
              curl -sS \(base)/v1/notifications/ID -H 'Authorization: Bearer \(apiKey)'
            APNs tokens starting with 41000000 are reported unregistered, 50300000 get 503s; Huawei tokens \
            starting with DEAD, Xiaomi regids starting with BAD and vivo regIds starting with BAD1 are dead \
            (see README).
            """
    }
}
