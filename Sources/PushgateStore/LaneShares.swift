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

    /// Hands `limit` deliveries out round robin over `lanes` (the ones due longest first):
    /// every lane gets an even share of what is left before any lane gets more. `take` leases up
    /// to a share from one lane; a lane that gave less than its share is done, and what it left
    /// goes round again to the lanes that filled theirs. Each round either hands out everything
    /// or closes a lane, so there are at most lanes + 1. Returns what `take` leased, in order.
    static func roundRobin<LaneKey, Row>(
        _ limit: Int, over lanes: [LaneKey], take: (LaneKey, Int) async throws -> [Row]
    ) async throws -> [Row] {
        var rows: [Row] = []
        var open = lanes
        var remaining = limit
        while remaining > 0 && !open.isEmpty {
            var stillOpen: [LaneKey] = []
            for (lane, share) in zip(open, Self.split(remaining, over: open.count)) {
                guard share > 0 else {
                    stillOpen.append(lane)
                    continue
                }
                let taken = try await take(lane, share)
                rows += taken
                remaining -= taken.count
                if taken.count == share { stillOpen.append(lane) }
            }
            open = stillOpen
        }
        return rows
    }
}
