import NIOCore

/// The request fields a simulator did not know, so that each is reported once (warnings, never rejections).
struct UnknownFieldMemory: Sendable {
    private var seen: Set<String> = []

    /// Adds the fields not seen before to `list`, which stays sorted.
    mutating func note(_ fields: [String], in list: inout [String]) {
        var added = false
        for field in fields where self.seen.insert(field).inserted {
            list.append(field)
            added = true
        }
        if added {
            list.sort()
        }
    }
}

/// Bearer tokens a simulator issued (Huawei access tokens, vivo auth tokens): to which app, when, and whether they
/// were expired on purpose.
struct IssuedTokens: Sendable {
    private struct Token: Sendable {
        var appID: String
        var issuedAt: NIODeadline
        var generation: Int
        var invalidated = false
    }

    /// A token older than this has expired.
    let lifetime: TimeAmount
    private var tokens: [String: Token] = [:]
    /// Tokens of a generation below this were expired by `expireAll`.
    private var firstValidGeneration = 0
    private var nextGeneration = 0

    init(lifetime: TimeAmount) {
        self.lifetime = lifetime
    }

    /// Records `token` (made by the caller) as issued to `appID` at `now`.
    mutating func issue(_ token: String, appID: String, now: NIODeadline) {
        if self.tokens.count >= 10_000 {
            let firstValidGeneration = self.firstValidGeneration
            let lifetime = self.lifetime
            // Long benchmarks with short lifetimes: forget what can no longer be used.
            self.tokens = self.tokens.filter {
                !Self.isExpired($0.value, firstValidGeneration: firstValidGeneration, lifetime: lifetime, now: now)
            }
        }
        self.tokens[token] = Token(appID: appID, issuedAt: now, generation: self.nextGeneration)
        self.nextGeneration += 1
    }

    /// The app `token` was issued to and whether it has expired by `now`; nil for a token never issued (or forgotten
    /// once expired).
    func lookUp(_ token: String, now: NIODeadline) -> (appID: String, isExpired: Bool)? {
        guard let issued = self.tokens[token] else { return nil }
        let expired = Self.isExpired(
            issued,
            firstValidGeneration: self.firstValidGeneration,
            lifetime: self.lifetime,
            now: now
        )
        return (issued.appID, expired)
    }

    /// `token` is expired from now on.
    mutating func invalidate(_ token: String) {
        self.tokens[token]?.invalidated = true
    }

    /// Every token issued so far is expired from now on; tokens issued later are not affected.
    mutating func expireAll() {
        self.firstValidGeneration = self.nextGeneration
    }

    private static func isExpired(
        _ token: Token,
        firstValidGeneration: Int,
        lifetime: TimeAmount,
        now: NIODeadline
    ) -> Bool {
        token.invalidated || token.generation < firstValidGeneration || now - token.issuedAt >= lifetime
    }
}

/// Each app's use of a daily quota; the count starts again when the day changes.
struct DailyQuotaUse: Sendable {
    private struct Use: Sendable {
        var day: Int64
        var used: Int
    }

    private var useByApp: [String: Use] = [:]

    /// Takes `count` from the quota of `app` on `day`; false, and nothing taken, when that would go over `quota`.
    mutating func take(_ count: Int, app: String, day: Int64, quota: Int) -> Bool {
        var use = self.useByApp[app] ?? Use(day: day, used: 0)
        if use.day != day {
            use = Use(day: day, used: 0)
        }
        guard use.used + count <= quota else { return false }
        use.used += count
        self.useByApp[app] = use
        return true
    }
}
