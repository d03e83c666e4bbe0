extension HuaweiSimulator {
    /// How the simulator listens, which apps it knows and how it limits them.
    package struct Configuration: HTTPVendorSimulatorConfiguration {
        package var host: String = "127.0.0.1"
        /// 0 picks a free port; read `HuaweiSimulator.port` after `start`.
        package var port: Int = 0
        /// The server certificate followed by any intermediates (PEM).
        package var certificateChainPEM: String
        /// The server certificate's private key (PEM).
        package var privateKeyPEM: String
        /// OAuth client ID (= app ID) → client secret.
        package var apps: [String: String] = ["10000001": "demo+secret/="]
        /// `expires_in` of the access tokens issued; a token older than this gets 80200003.
        package var accessTokenLifetime: Duration = .seconds(3600)
        /// Token grants allowed per app within `tokenGrantWindow`; further requests in the window get 503.
        package var tokenGrantsPerWindow: Int = 1000
        /// A fixed window, starting at the first grant after the previous window ended.
        package var tokenGrantWindow: Duration = .seconds(300)
        /// The delay of the `SLOW` fault.
        package var slowDelay: Duration = .seconds(2)
        package var eventLoopThreads: Int = 1

        package init(certificateChainPEM: String, privateKeyPEM: String) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
        }

        /// Throws `SimulatorError` naming every problem (by field) when the configuration is unusable.
        ///
        /// Certificates and keys are checked by `HuaweiSimulator.start`, which loads them.
        package func validate() throws {
            try self.validate(simulatorName: "Huawei simulator") { problems in
                for (clientID, secret) in self.apps.sorted(by: { $0.key < $1.key }) {
                    if !HuaweiTokenEndpoint.isWellFormedClientID(clientID) {
                        problems.append("apps[\(clientID)]: the client ID must be 1 to 64 digits")
                    }
                    if secret.isEmpty { problems.append("apps[\(clientID)]: the client secret must not be empty") }
                }
                if self.accessTokenLifetime <= .zero { problems.append("accessTokenLifetime: must be positive") }
                if self.tokenGrantsPerWindow < 0 { problems.append("tokenGrantsPerWindow: must not be negative") }
                if self.tokenGrantWindow <= .zero { problems.append("tokenGrantWindow: must be positive") }
            }
        }
    }
}
