/// Counts tunnels (from the moment the upstream connect starts until the tunnel closes) in total and per client IP.
struct TunnelLimiter: Sendable {
    enum Admission: Equatable {
        case admitted
        case tunnelLimit
        case clientLimit
    }

    let maxTunnels: Int
    let maxTunnelsPerClient: Int
    private(set) var total = 0
    private var perClient: [String: Int] = [:]

    init(maxTunnels: Int, maxTunnelsPerClient: Int) {
        self.maxTunnels = maxTunnels
        self.maxTunnelsPerClient = maxTunnelsPerClient
    }

    /// Takes a slot for `client` if one is free; every `.admitted` needs exactly one `release`.
    mutating func admit(client: String) -> Admission {
        guard self.total < self.maxTunnels else { return .tunnelLimit }
        let current = self.perClient[client, default: 0]
        guard current < self.maxTunnelsPerClient else { return .clientLimit }
        self.total += 1
        self.perClient[client] = current + 1
        return .admitted
    }

    mutating func release(client: String) {
        guard let current = self.perClient[client], current > 0 else {
            assertionFailure("release without admit for \(client)")
            return
        }
        self.total -= 1
        // Forget idle clients so the table does not grow with every address ever seen.
        self.perClient[client] = current == 1 ? nil : current - 1
    }

    func tunnels(client: String) -> Int {
        self.perClient[client, default: 0]
    }
}
