/// `rate_limit`: how fast one lane (app + vendor) may send. Set per app as a default and per
/// vendor block as an override, since vendors' limits differ.
package struct RateLimitSettings: Sendable, Decodable, Hashable {
    /// Deliveries per second per lane (APNs documents no per-app rate; the Android vendors'
    /// QPS grants are 3,000–30,000).
    package var perSecond: Double = 20_000
    /// Vendor requests in flight per lane.
    package var concurrency: Int = 1_000

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case perSecond = "per_second"
        case concurrency
    }

    package init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RateLimitSettings()
        self.perSecond = try container.decodeIfPresent(Double.self, forKey: .perSecond) ?? defaults.perSecond
        self.concurrency = try container.decodeIfPresent(Int.self, forKey: .concurrency) ?? defaults.concurrency
    }

    /// A vendor block's `rate_limit`: the keys it gives replace the app's, the others stay.
    package struct Override: Sendable, Decodable, Hashable {
        package var perSecond: Double?
        package var concurrency: Int?

        package init(perSecond: Double? = nil, concurrency: Int? = nil) {
            self.perSecond = perSecond
            self.concurrency = concurrency
        }

        package init(from decoder: any Decoder) throws {
            try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.perSecond = try container.decodeIfPresent(Double.self, forKey: .perSecond)
            self.concurrency = try container.decodeIfPresent(Int.self, forKey: .concurrency)
        }
    }

    /// These settings with `override`'s keys on top.
    package func overridden(by override: Override?) -> RateLimitSettings {
        var settings = self
        if let perSecond = override?.perSecond { settings.perSecond = perSecond }
        if let concurrency = override?.concurrency { settings.concurrency = concurrency }
        return settings
    }

    /// Value checks, each with its path.
    package func problems(path: String) -> [String] {
        var problems: [String] = []
        if !(self.perSecond > 0) { problems.append("\(path).per_second: above 0") }
        if self.concurrency < 1 { problems.append("\(path).concurrency: at least 1") }
        return problems
    }
}

/// `retry`: the attempt budget and backoff of one lane's deliveries.
package struct RetrySettings: Sendable, Decodable, Hashable {
    package var maxAttempts: Int = 8
    package var initialBackoff = ConfigDuration(.seconds(1))
    package var maxBackoff = ConfigDuration(.seconds(600))
    /// Push types whose ambiguous deliveries (sent, no answer) are resent with the same
    /// identity; the others end `ambiguous` and are reported. A resent alert at worst
    /// replaces itself on the device (its collapse id); a second background, VoIP or Live
    /// Activity push would wake the app or ring a second time.
    package var resendAmbiguous: [String] = RetryPolicy.defaultResendAmbiguous.map(\.rawValue).sorted()

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxAttempts = "max_attempts"
        case initialBackoff = "initial_backoff"
        case maxBackoff = "max_backoff"
        case resendAmbiguous = "resend_ambiguous"
    }

    package init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RetrySettings()
        self.maxAttempts = try container.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? defaults.maxAttempts
        self.initialBackoff =
            try container.decodeIfPresent(ConfigDuration.self, forKey: .initialBackoff)
            ?? defaults.initialBackoff
        self.maxBackoff = try container.decodeIfPresent(ConfigDuration.self, forKey: .maxBackoff) ?? defaults.maxBackoff
        self.resendAmbiguous =
            try container.decodeIfPresent([String].self, forKey: .resendAmbiguous) ?? defaults.resendAmbiguous
    }

    /// A vendor block's `retry`: the keys it gives replace the app's, the others stay.
    package struct Override: Sendable, Decodable, Hashable {
        package var maxAttempts: Int?
        package var initialBackoff: ConfigDuration?
        package var maxBackoff: ConfigDuration?
        package var resendAmbiguous: [String]?

        package init(maxAttempts: Int? = nil, initialBackoff: ConfigDuration? = nil, maxBackoff: ConfigDuration? = nil)
        {
            self.maxAttempts = maxAttempts
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }

        package init(from decoder: any Decoder) throws {
            try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.maxAttempts = try container.decodeIfPresent(Int.self, forKey: .maxAttempts)
            self.initialBackoff = try container.decodeIfPresent(ConfigDuration.self, forKey: .initialBackoff)
            self.maxBackoff = try container.decodeIfPresent(ConfigDuration.self, forKey: .maxBackoff)
            self.resendAmbiguous = try container.decodeIfPresent([String].self, forKey: .resendAmbiguous)
        }
    }

    /// These settings with `override`'s keys on top.
    package func overridden(by override: Override?) -> RetrySettings {
        var settings = self
        if let maxAttempts = override?.maxAttempts { settings.maxAttempts = maxAttempts }
        if let initialBackoff = override?.initialBackoff { settings.initialBackoff = initialBackoff }
        if let maxBackoff = override?.maxBackoff { settings.maxBackoff = maxBackoff }
        if let resendAmbiguous = override?.resendAmbiguous { settings.resendAmbiguous = resendAmbiguous }
        return settings
    }

    /// The policy the dispatcher applies.
    package var policy: RetryPolicy {
        RetryPolicy(
            maxAttempts: self.maxAttempts, initialBackoff: self.initialBackoff.duration,
            maxBackoff: self.maxBackoff.duration,
            resendAmbiguous: Set(self.resendAmbiguous.map(Notification.PushType.init(rawValue:))))
    }

    /// Value checks, each with its path.
    package func problems(path: String) -> [String] {
        var problems: [String] = []
        if !(1...100).contains(self.maxAttempts) { problems.append("\(path).max_attempts: 1…100") }
        if self.initialBackoff.duration > self.maxBackoff.duration {
            problems.append("\(path): initial_backoff above max_backoff")
        }
        let known = Set(Notification.PushType.allCases.map(\.rawValue))
        for (index, name) in self.resendAmbiguous.enumerated() where !known.contains(name) {
            problems.append(
                "\(path).resend_ambiguous[\(index)]: not a push type (\(known.sorted().joined(separator: ", ")))")
        }
        return problems
    }
}
