/// How one lease is shared among lanes (ARCHITECTURE rule 6), the same on every backend.
enum LaneShares {
    /// How many deliveries each lane may take in one round of a lease: `remaining` spread
    /// evenly over `lanes` lanes, the odd ones to the first lanes (the ones due longest).
    static func split(_ remaining: Int, over lanes: Int) -> [Int] {
        guard lanes > 0 else { return [] }
        let share = remaining / lanes
        let extra = remaining % lanes
        return (0..<lanes).map { share + ($0 < extra ? 1 : 0) }
    }
}
