extension XiaomiSimulator {
    /// How the simulator listens, which apps it knows and how it limits them.
    package struct Configuration: HTTPVendorSimulatorConfiguration {
        package var host = "127.0.0.1"
        /// 0 picks a free port; read `XiaomiSimulator.port` after `start`.
        package var port = 0
        /// The server certificate followed by any intermediates (PEM).
        package var certificateChainPEM: String
        /// The server certificate's private key (PEM).
        package var privateKeyPEM: String
        /// App secret (`Authorization: key=<secret>`) → the app's package names (`restricted_package_name`).
        package var apps: [String: [String]] = ["demo-app-secret": ["com.example.demo"]]
        /// When set, a notification's `extra.channel_id` must be one of these, else 27001.
        package var channels: Set<String>? = nil
        /// Regids accepted per app per day (China Standard Time) before 10034; nil: no limit.
        package var dailyQuota: Int? = nil
        /// The largest `time_to_live` accepted (two weeks, the old documented maximum).
        package var maxTimeToLive: Duration = .seconds(14 * 86400)
        /// The delay of the `SLOW` fault.
        package var slowDelay: Duration = .seconds(2)
        package var eventLoopThreads = 1

        package init(certificateChainPEM: String, privateKeyPEM: String) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
        }

        /// `maxTimeToLive` in whole milliseconds.
        var maximumTimeToLiveMilliseconds: Int64 {
            let (seconds, attoseconds) = self.maxTimeToLive.components
            return seconds * 1000 + attoseconds / 1_000_000_000_000_000
        }

        /// Throws `SimulatorError` naming every problem (by field) when the configuration is unusable.
        ///
        /// Certificates and keys are checked by `XiaomiSimulator.start`, which loads them.
        package func validate() throws {
            try self.validate(simulatorName: "Xiaomi simulator") { problems in
                if self.apps.isEmpty { problems.append("apps: give at least one app") }
                for (secret, packages) in self.apps.sorted(by: { $0.key < $1.key }) {
                    // The secret itself is not named: it is a credential.
                    if secret.isEmpty { problems.append("apps: an app secret is empty") }
                    if packages.isEmpty || packages.contains(where: { $0.isEmpty || $0.contains(",") }) {
                        problems.append(
                            "apps[\(packages.joined(separator: ","))]: give one or more non-empty package names without commas"
                        )
                    }
                }
                if let channels = self.channels, channels.contains("") {
                    problems.append("channels: a channel ID is empty")
                }
                if let dailyQuota = self.dailyQuota, dailyQuota < 0 {
                    problems.append("dailyQuota: must not be negative")
                }
                if self.maximumTimeToLiveMilliseconds < 1 { problems.append("maxTimeToLive: must be at least 1 ms") }
            }
        }
    }
}
