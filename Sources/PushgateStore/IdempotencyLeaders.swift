/// Which submissions of one group commit are stored, on every backend: each one without an
/// idempotency key, and the first one for each key. The repeats of a key (its followers) get
/// their leader's answer instead of racing it inside one transaction.
struct IdempotencyLeaders {
    /// Indexes of the submissions to store, in batch order.
    var leaders: [Int] = []
    /// For a leader's index, the indexes of the later submissions with its key.
    var followers: [Int: [Int]] = [:]

    init<Key: Hashable>(keys: some Sequence<Key?>) {
        var leaderOfKey: [Key: Int] = [:]
        for (index, key) in keys.enumerated() {
            if let key {
                if let leader = leaderOfKey[key] {
                    self.followers[leader, default: []].append(index)
                    continue
                }
                leaderOfKey[key] = index
            }
            self.leaders.append(index)
        }
    }
}
