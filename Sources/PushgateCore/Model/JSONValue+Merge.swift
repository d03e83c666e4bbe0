extension JSONValue {
    /// Merges `other` over `self`: objects key by key, recursively; any other value replaces.
    /// How vendor overrides (`overrides.<vendor>`) apply to what an adapter built.
    package mutating func merge(_ other: JSONValue) {
        guard case .object(var members) = self, case .object(let overrides) = other else {
            self = other
            return
        }
        for (key, value) in overrides {
            if var existing = members[key] {
                existing.merge(value)
                members[key] = existing
            } else {
                members[key] = value
            }
        }
        self = .object(members)
    }
}
