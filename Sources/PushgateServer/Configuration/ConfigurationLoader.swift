import Foundation
import PushgateCore
import Yams

/// Reads `pushgate.yaml`: checks every key against the schema (unknown keys are errors, each
/// reported with its path), then decodes with Yams and validates values.
public enum ConfigurationLoader {
    /// Every problem found, each with its path in the file (`apps[0].apns.key_id: …`).
    public struct Problems: Error, CustomStringConvertible, Sendable {
        public var problems: [String]
        public var description: String { self.problems.joined(separator: "\n") }
    }

    public static func load(path: String) throws -> GatewayConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problems(problems: ["\(path): cannot read the file"])
        }
        return try self.load(yaml: text)
    }

    public static func load(yaml text: String) throws -> GatewayConfiguration {
        let node: Node
        do {
            guard let parsed = try Yams.compose(yaml: text) else {
                throw Problems(problems: ["the file is empty"])
            }
            node = parsed
        } catch let problems as Problems {
            throw problems
        } catch {
            throw Problems(problems: ["not valid YAML: \(error)"])
        }
        var problems: [String] = []
        Self.check(node, against: Self.schema, path: "", problems: &problems)
        guard problems.isEmpty else { throw Problems(problems: problems) }
        let configuration: GatewayConfiguration
        do {
            configuration = try YAMLDecoder().decode(GatewayConfiguration.self, from: Self.camelCased(node))
        } catch let error as DecodingError {
            throw Problems(problems: [Self.describe(error)])
        }
        problems = configuration.problems()
        guard problems.isEmpty else { throw Problems(problems: problems) }
        return configuration
    }

    // MARK: Schema

    indirect enum Schema: Sendable {
        case scalar
        case object([String: Schema])
        case list(Schema)
        case map(Schema)
    }

    static let schema: Schema = .object([
        "listen": .scalar,
        "store": .scalar,
        "idempotency_window": .scalar,
        "max_request_bytes": .scalar,
        "dispatcher": .object([
            "batch_size": .scalar, "lease": .scalar, "max_in_flight": .scalar, "shutdown_grace": .scalar,
        ]),
        "proxies": .map(.object([
            "url": .scalar, "password": .scalar, "ca_file": .scalar, "client_cert_file": .scalar,
            "client_key_file": .scalar,
        ])),
        "apps": .list(.object([
            "id": .scalar,
            "api_keys": .list(.scalar),
            "apns": .object([
                "topic": .scalar, "key": .scalar, "key_id": .scalar, "team_id": .scalar, "cert_file": .scalar,
                "cert_key_file": .scalar, "endpoint": .scalar, "ca_file": .scalar, "proxy": .scalar,
                "connections": .scalar, "token_environment_verified": .scalar,
            ]),
            "rate_limit": .object(["per_second": .scalar, "concurrency": .scalar]),
            "retry": .object(["max_attempts": .scalar, "initial_backoff": .scalar, "max_backoff": .scalar]),
            "default_ttl": .scalar,
            "webhook": .object(["url": .scalar, "secret": .scalar]),
        ])),
    ])

    static func check(_ node: Node, against schema: Schema, path: String, problems: inout [String]) {
        let here = path.isEmpty ? "(top level)" : path
        switch (schema, node) {
        case (.scalar, .scalar):
            return
        case (.object(let fields), .mapping(let mapping)):
            for (keyNode, value) in mapping {
                let key = keyNode.string ?? "?"
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard let child = fields[key] else {
                    problems.append("\(childPath): unknown key")
                    continue
                }
                Self.check(value, against: child, path: childPath, problems: &problems)
            }
        case (.map(let valueSchema), .mapping(let mapping)):
            for (keyNode, value) in mapping {
                Self.check(value, against: valueSchema, path: "\(path).\(keyNode.string ?? "?")", problems: &problems)
            }
        case (.list(let element), .sequence(let sequence)):
            for (index, value) in sequence.enumerated() {
                Self.check(value, against: element, path: "\(path)[\(index)]", problems: &problems)
            }
        case (.scalar, _):
            problems.append("\(here): expected a single value")
        case (.object, _), (.map, _):
            problems.append("\(here): expected a mapping")
        case (.list, _):
            problems.append("\(here): expected a list")
        }
    }

    /// snake_case keys as the Swift model's camelCase (values untouched).
    static func camelCased(_ node: Node) -> Node {
        switch node {
        case .mapping(let mapping):
            var pairs: [(Node, Node)] = []
            for (key, value) in mapping {
                let name = key.string.map(Self.camelCase) ?? ""
                pairs.append((Node(name), Self.camelCased(value)))
            }
            return .mapping(Node.Mapping(pairs))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(Self.camelCased)))
        default:
            return node
        }
    }

    static func camelCase(_ key: String) -> String {
        let parts = key.split(separator: "_")
        guard let first = parts.first else { return key }
        return String(first) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { key in
                if let index = key.intValue { return "[\(index)]" }
                return "." + Self.snakeCase(key.stringValue)
            }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "\(parent.isEmpty ? "" : parent + ".")\(Self.snakeCase(key.stringValue)): required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    static func snakeCase(_ key: String) -> String {
        var result = ""
        for character in key {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}

extension GatewayConfiguration {
    /// Value checks the schema cannot express, each with its path.
    public func problems() -> [String] {
        var problems: [String] = []
        if HostAndPort(self.listen) == nil { problems.append("listen: expected host:port") }
        if !self.store.hasPrefix("sqlite:") || self.store.count <= "sqlite:".count {
            problems.append("store: expected sqlite:PATH (postgres:// comes later)")
        }
        if self.maxRequestBytes < 1024 { problems.append("max_request_bytes: at least 1024") }
        if !(1...5000).contains(self.dispatcher.batchSize) { problems.append("dispatcher.batch_size: 1…5000") }
        if self.dispatcher.lease.seconds < 1 { problems.append("dispatcher.lease: at least 1s") }
        if self.dispatcher.maxInFlight < 1 { problems.append("dispatcher.max_in_flight: at least 1") }
        for (name, proxy) in self.proxies where !(proxy.url.hasPrefix("http://") || proxy.url.hasPrefix("https://")) {
            problems.append("proxies.\(name).url: expected http:// or https://")
        }
        var seen = Set<String>()
        for (index, app) in self.apps.enumerated() {
            let path = "apps[\(index)]"
            if app.id.isEmpty || !app.id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
                problems.append("\(path).id: letters, digits, - and _ only")
            }
            if !seen.insert(app.id).inserted { problems.append("\(path).id: duplicate app id \(app.id)") }
            if app.apiKeys.isEmpty { problems.append("\(path).api_keys: at least one") }
            for (keyIndex, key) in app.apiKeys.enumerated() where APIKeyHash(stored: key) == nil {
                problems.append("\(path).api_keys[\(keyIndex)]: expected sha256:<64 hex> (see `pushgate hash-key`)")
            }
            if let apns = app.apns {
                if apns.topic.isEmpty { problems.append("\(path).apns.topic: required") }
                let token = apns.key != nil || apns.keyId != nil || apns.teamId != nil
                let certificate = apns.certFile != nil
                if token == certificate {
                    problems.append("\(path).apns: give either key + key_id + team_id, or cert_file")
                } else if token && (apns.key == nil || apns.keyId == nil || apns.teamId == nil) {
                    problems.append("\(path).apns: key, key_id and team_id go together")
                }
                if let proxy = apns.proxy, self.proxies[proxy] == nil {
                    problems.append("\(path).apns.proxy: no proxy named \(proxy) in proxies")
                }
                if !(1...64).contains(apns.connections) { problems.append("\(path).apns.connections: 1…64") }
            } else {
                problems.append("\(path): configure at least one vendor (apns)")
            }
            if app.rateLimit.perSecond <= 0 { problems.append("\(path).rate_limit.per_second: above 0") }
            if app.rateLimit.concurrency < 1 { problems.append("\(path).rate_limit.concurrency: at least 1") }
            if !(1...100).contains(app.retry.maxAttempts) { problems.append("\(path).retry.max_attempts: 1…100") }
            if app.retry.initialBackoff.seconds > app.retry.maxBackoff.seconds {
                problems.append("\(path).retry: initial_backoff above max_backoff")
            }
            if let webhook = app.webhook, !(webhook.url.hasPrefix("http://") || webhook.url.hasPrefix("https://")) {
                problems.append("\(path).webhook.url: expected http:// or https://")
            }
        }
        if self.apps.isEmpty { problems.append("apps: at least one app") }
        return problems
    }
}

/// `host:port`, split.
public struct HostAndPort: Sendable, Hashable {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }
}
