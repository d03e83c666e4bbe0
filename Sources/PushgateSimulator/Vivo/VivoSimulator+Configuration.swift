import Foundation

extension VivoSimulator {
    /// An app the simulator knows: the credentials of vivo's auth call (VENDORS.md §3.1).
    package struct App: Sendable {
        package var appKey: String
        package var appSecret: String

        package init(appKey: String, appSecret: String) {
            self.appKey = appKey
            self.appSecret = appSecret
        }
    }

    /// How the simulator listens, which apps it knows and how it limits them.
    package struct Configuration: HTTPVendorSimulatorConfiguration {
        package var host: String = "127.0.0.1"
        /// 0 picks a free port; read `VivoSimulator.port` after `start`.
        package var port: Int = 0
        /// The server certificate followed by any intermediates (PEM).
        package var certificateChainPEM: String
        /// The server certificate's private key (PEM).
        package var privateKeyPEM: String
        /// appId (digits) → app.
        package var apps: [String: App] = ["10001": App(appKey: "demo-app-key", appSecret: "demo-app-secret")]
        /// An auth token older than this gets 10000 (vivo: 24 h).
        package var authTokenLifetime: Duration = .seconds(86400)
        /// Auth calls allowed per app within one second; further calls in that second get 10072.
        package var authCallsPerSecond: Int = 10
        /// Operation messages (classification 0, formal) only 07:00–23:00 Asia/Shanghai; outside → 10073.
        package var enforceOperationWindow: Bool = true
        /// The wall clock of the operation window, the auth timestamp check and the quota day.
        package var now: @Sendable () -> Date = { Date() }
        /// regIds accepted per app per Beijing day; a request that would go over gets 10070. nil: no quota.
        package var dailyQuota: Int? = nil
        /// The largest `timeToLive` in seconds (the current doc says one day; older docs 604800).
        package var maxTimeToLive: Int = 86400
        /// The most characters (UTF-16 code units, as Java counts them) of `title`.
        package var titleLimit: Int = 40
        /// The most characters (UTF-16 code units) of `content`.
        package var contentLimit: Int = 100
        /// The delay of the `SLOW` fault.
        package var slowDelay: Duration = .seconds(2)
        package var eventLoopThreads: Int = 1

        package init(certificateChainPEM: String, privateKeyPEM: String) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
        }

        /// Throws `SimulatorError` naming every problem (by field) when the configuration is unusable.
        ///
        /// Certificates and keys are checked by `VivoSimulator.start`, which loads them.
        package func validate() throws {
            try self.validate(simulatorName: "vivo simulator") { problems in
                for (appID, app) in self.apps.sorted(by: { $0.key < $1.key }) {
                    if !Self.isWellFormedAppID(appID) {
                        problems.append("apps[\(appID)]: the appId must be 1 to 18 digits")
                    }
                    if app.appKey.isEmpty { problems.append("apps[\(appID)]: appKey must not be empty") }
                    if app.appSecret.isEmpty { problems.append("apps[\(appID)]: appSecret must not be empty") }
                }
                if self.authTokenLifetime <= .zero { problems.append("authTokenLifetime: must be positive") }
                if self.authCallsPerSecond < 0 { problems.append("authCallsPerSecond: must not be negative") }
                if let dailyQuota = self.dailyQuota, dailyQuota < 0 {
                    problems.append("dailyQuota: must not be negative")
                }
                if self.maxTimeToLive < 60 { problems.append("maxTimeToLive: must be at least 60") }
                if self.titleLimit < 1 { problems.append("titleLimit: must be at least 1") }
                if self.contentLimit < 1 { problems.append("contentLimit: must be at least 1") }
            }
        }

        /// 1 to 18 ASCII digits: vivo's appIds are numbers, sent as JSON integers or numeric strings.
        static func isWellFormedAppID(_ appID: String) -> Bool {
            (1...18).contains(appID.utf8.count)
                && appID.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        }
    }
}
