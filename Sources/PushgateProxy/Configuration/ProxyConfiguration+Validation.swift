import PushgateCore

extension ProxyConfiguration {
    /// Throws every problem at once, each with its YAML path. Loads the TLS files too, so a certificate that does not
    /// parse or a key that does not match is reported here rather than at start.
    package func validate() throws(ProxyConfigurationError) {
        var problems: [ProxyConfigurationError.Problem] = []

        if self.listeners.isEmpty {
            problems.append(.init(path: "listeners", message: "at least one listener is needed"))
        }
        var seenAddresses: [String: Int] = [:]
        for (index, listener) in self.listeners.enumerated() {
            let path = "listeners[\(index)]"
            switch ListenAddress.parse(listener.address) {
            case .success(let address):
                if address.port != 0, let first = seenAddresses[address.description] {
                    problems.append(.init(path: "\(path).address", message: "same address as listeners[\(first)]"))
                }
                seenAddresses[address.description] = seenAddresses[address.description] ?? index
            case .failure(let error):
                problems.append(.init(path: "\(path).address", message: "\"\(listener.address)\": \(error.message)"))
            }
            if let tls = listener.tls {
                do {
                    _ = try ListenerTLS.makeContext(tls, path: "\(path).tls")
                } catch {
                    problems += error.problems
                }
            }
        }

        var seenUsers: Set<String> = []
        for (index, user) in self.users.enumerated() {
            let path = "users[\(index)]"
            if user.name.isEmpty {
                problems.append(.init(path: "\(path).name", message: "must not be empty"))
            } else if user.name.contains(":")
                || user.name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            {
                problems.append(.init(path: "\(path).name", message: "must not contain ':' or control characters"))
            } else if !seenUsers.insert(user.name).inserted {
                problems.append(.init(path: "\(path).name", message: "duplicate user \"\(user.name)\""))
            }
            do {
                _ = try PasswordHash(parsing: user.passwordHash)
            } catch {
                problems.append(.init(path: "\(path).password_hash", message: error.description))
            }
        }
        if self.requireAuth == true, self.users.isEmpty {
            problems.append(.init(path: "require_auth", message: "true, but no users are configured"))
        }

        if self.allow.isEmpty {
            problems.append(.init(path: "allow", message: "empty: every CONNECT would be refused"))
        }
        do {
            _ = try TargetAllowlist(entries: self.allow)
        } catch {
            problems += error.problems
        }

        let limits = self.limits
        for (name, value) in [
            ("connect_timeout", limits.connectTimeout), ("idle_timeout", limits.idleTimeout),
            ("header_timeout", limits.headerTimeout),
        ] where value <= .zero {
            problems.append(.init(path: "limits.\(name)", message: "must be positive"))
        }
        if limits.shutdownGrace < .zero {
            problems.append(.init(path: "limits.shutdown_grace", message: "must not be negative"))
        }
        if limits.maxTunnels < 1 {
            problems.append(.init(path: "limits.max_tunnels", message: "must be at least 1"))
        }
        if limits.maxTunnelsPerClient < 1 {
            problems.append(.init(path: "limits.max_tunnels_per_client", message: "must be at least 1"))
        }
        if !(256...1_048_576).contains(limits.maxHeaderBytes) {
            problems.append(.init(path: "limits.max_header_bytes", message: "must be 256...1048576"))
        }

        if let admin = self.admin {
            switch ListenAddress.parse(admin.address) {
            case .success(let address):
                if address.port != 0, let index = seenAddresses[address.description] {
                    problems.append(.init(path: "admin.address", message: "same address as listeners[\(index)]"))
                }
            case .failure(let error):
                problems.append(.init(path: "admin.address", message: "\"\(admin.address)\": \(error.message)"))
            }
        }

        if self.eventLoopThreads < 1 {
            problems.append(.init(path: "eventLoopThreads", message: "must be at least 1"))
        }
        if self.authenticationThreads < 1 {
            problems.append(.init(path: "authenticationThreads", message: "must be at least 1"))
        }

        guard problems.isEmpty else { throw ProxyConfigurationError(problems: problems) }
    }

    /// Things that work but are probably not meant: printed by `check-config` and logged at start.
    package func warnings() -> [ProxyConfigurationError.Problem] {
        var warnings: [ProxyConfigurationError.Problem] = []
        for (index, entry) in self.allow.enumerated() {
            if case .failure(.ipLiteral) = ProxyTarget.parse(entry) {
                warnings.append(
                    .init(path: "allow[\(index)]", message: "\(entry) is an IP literal; those are always refused"))
            }
        }
        if !self.effectiveRequireAuth {
            for (index, listener) in self.listeners.enumerated() where listener.tls?.clientCAFile == nil {
                warnings.append(
                    .init(
                        path: "listeners[\(index)]",
                        message: "no client authentication (no tls.client_ca_file, require_auth false): "
                            + "anyone who can reach it may use the allowlisted targets"
                    )
                )
            }
        }
        let iterations = self.users.compactMap { try? PasswordHash(parsing: $0.passwordHash).iterations }
        if let weakest = iterations.min(), weakest < 100_000 {
            warnings.append(.init(path: "users", message: "a password hash uses only \(weakest) PBKDF2 iterations"))
        }
        if let admin = self.admin, case .success(let address) = ListenAddress.parse(admin.address),
            !["127.0.0.1", "::1", "localhost"].contains(address.host)
        {
            warnings.append(.init(path: "admin.address", message: "not on loopback: /metrics is unauthenticated"))
        }
        if self.limits.maxTunnelsPerClient > self.limits.maxTunnels {
            warnings.append(.init(path: "limits.max_tunnels_per_client", message: "larger than max_tunnels"))
        }
        return warnings
    }
}
