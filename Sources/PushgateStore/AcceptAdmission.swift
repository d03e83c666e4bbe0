import NIOCore

/// A prepared submission, as a writer's accept queue holds it.
protocol QueueableSubmission: Sendable {
    /// Roughly what it holds in memory while queued.
    var estimatedBytes: Int { get }
}

/// A submission waiting in a writer's accept queue, and whom to answer.
struct QueuedAccept<Prepared: QueueableSubmission>: Sendable {
    var submission: Prepared
    var reply: AcceptReply
    /// Until when it may wait in the queue.
    var deadline: NIODeadline
    /// Its share of the queue's memory bound.
    var bytes: Int
}

/// How a writer's accept queue is bounded. Both backends bound it the same way: by count and
/// by estimated memory, so that a slow disk or database answers `overloaded` at once instead
/// of growing memory.
struct AcceptAdmission: Sendable {
    var maxQueuedAccepts: Int
    var maxQueuedBytes: Int
    var queueTimeout: TimeAmount
    /// What the queue waits for, for the message: "the disk", "PostgreSQL".
    var waitingFor: String

    /// Appends each entry that fits to `queue` (keeping `bytes` in step) and returns the
    /// refused ones with the error to answer them with. An empty queue takes any one entry.
    func admit<Prepared>(
        _ entries: [(Prepared, AcceptReply)],
        to queue: inout CircularBuffer<QueuedAccept<Prepared>>,
        bytes: inout Int,
        closing: Bool
    ) -> [(AcceptReply, StoreError)] {
        let deadline = NIODeadline.now() + self.queueTimeout
        var refused: [(AcceptReply, StoreError)] = []
        for (submission, reply) in entries {
            let size = submission.estimatedBytes
            if closing {
                refused.append((reply, .closed("accept")))
            } else if queue.count < self.maxQueuedAccepts, bytes + size <= self.maxQueuedBytes || queue.isEmpty {
                queue.append(QueuedAccept(submission: submission, reply: reply, deadline: deadline, bytes: size))
                bytes += size
            } else {
                let message =
                    "accept: \(queue.count) submissions (\(bytes) bytes) are already waiting for \(self.waitingFor)"
                refused.append((reply, StoreError(code: .overloaded, message: message)))
            }
        }
        return refused
    }
}

/// A writer's accept queue: `enqueue` admits or refuses, and answers each entry's reply once
/// its transaction committed (or at once, if refused).
protocol AcceptQueue: Sendable {
    associatedtype Prepared: QueueableSubmission
    func enqueue(_ entries: [(Prepared, AcceptReply)])
}

extension AcceptQueue {
    /// Queues a prepared submission for the next group commit and waits for its result, which
    /// is only given after the transaction holding it committed.
    func accept(_ submission: Prepared) async throws -> AcceptResult {
        try await withCheckedThrowingContinuation { continuation in
            self.enqueue([(submission, AcceptReply(continuation))])
        }
    }

    /// Queues several submissions at once (a batch request) and waits until every one has its
    /// result; each is answered as `accept` would answer it alone.
    func accept(all submissions: [Prepared]) async -> [Result<AcceptResult, any Error>] {
        await AcceptReplies.collect(count: submissions.count) { replies in
            self.enqueue(Array(zip(submissions, replies)))
        }
    }
}
