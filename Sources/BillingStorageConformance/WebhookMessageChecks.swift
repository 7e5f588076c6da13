import BillingCore
import Foundation

/// Webhook messages: enqueued once per id, claimed when due (an attempt counted, a claim
/// that lapses), settled only by the claim's holder with the attempt logged, listed,
/// requeued, pruned, and deleted with their endpoint.
enum WebhookMessageChecks {
    static let suite = "WebhookMessageStore"

    static let all: [StorageConformanceCheck] = [enqueueOnce, claimWhenDue, claimLapses, settleByHolderOnly, listAndRequeue, endpointLog, pruneAndCascade]

    private static let start = Date(timeIntervalSince1970: 1_790_000_000.123_456)

    private static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    private static func endpoints(_ store: any BillingStorage, _ ids: String...) async throws {
        for id in ids {
            try await store.insertWebhookEndpoint(
                WebhookEndpointRecord(id: id, tenantId: "t", url: "https://h.example/\(id)", eventPatterns: ["*"], secrets: [], createdAt: start, updatedAt: start))
        }
    }

    private static func message(_ id: String, _ endpoint: String, due: Double, created: Double = 0) -> WebhookMessageRecord {
        WebhookMessageRecord(
            id: id, endpointId: endpoint, eventId: EventID(uuid: UUID(uuidString: "01890000-0000-7000-8000-00000000000\(id.count % 10)")!), tenantId: "t",
            nextAttemptAt: at(due), createdAt: at(created), updatedAt: at(created))
    }

    private static func attempt(_ id: String, _ number: Int, status: Int?, error: String? = nil, at started: Double = 1, endpoint: String = "ep_1") -> WebhookAttemptRecord {
        WebhookAttemptRecord(
            messageId: id, endpointId: endpoint, attempt: number, startedAt: at(started), durationMicroseconds: 1500, statusCode: status,
            responseBody: status.map { "answered \($0) — ✓" }, error: error)
    }

    static let enqueueOnce = StorageConformanceCheck(suite, "Messages are stored once per id, as given") { store in
        try await endpoints(store, "ep_1")
        let first = message("msg_a", "ep_1", due: 0)
        try expectEqual(await store.enqueueWebhookMessages([first, message("msg_b", "ep_1", due: 5)]), 2, "new messages")
        var changed = first
        changed.attempts = 7
        try expectEqual(await store.enqueueWebhookMessages([changed, message("msg_c", "ep_1", due: 1)]), 1, "new messages of the second batch")
        try expectEqual(await store.webhookMessage(id: "msg_a"), first, "msg_a as first stored")
        try expectEqual(await store.webhookMessage(id: "msg_none"), nil, "an unknown message")
        try expectEqual(await store.enqueueWebhookMessages([]), 0, "an empty batch")
    }

    static let claimWhenDue = StorageConformanceCheck(suite, "A claim takes due messages earliest first, up to the limit, skipping excluded endpoints") { store in
        try await endpoints(store, "ep_1", "ep_2")
        _ = try await store.enqueueWebhookMessages([
            message("msg_late", "ep_1", due: 100), message("msg_b", "ep_1", due: 2), message("msg_a", "ep_1", due: 1),
            message("msg_other", "ep_2", due: 0), message("msg_c", "ep_1", due: 3),
        ])
        let claimed = try await store.claimWebhookMessages(now: at(10), claimUntil: at(40), limit: 2, excluding: ["ep_2"])
        try expectEqual(claimed.map(\.id), ["msg_a", "msg_b"], "the two earliest due of ep_1")
        for message in claimed {
            try expectEqual(message.attempts, 1, "\(message.id)'s attempts once claimed")
            try expect(message.claimToken != nil, "\(message.id) to carry a claim token")
            try expectEqual(message.claimedUntil, Timestamp.normalize(at(40)), "\(message.id)'s claim lapse")
            try expectEqual(await store.webhookMessage(id: message.id), message, "\(message.id) as stored")
        }
        let rest = try await store.claimWebhookMessages(now: at(10), claimUntil: at(40), limit: 10, excluding: [])
        try expectEqual(rest.map(\.id), ["msg_other", "msg_c"], "the due messages not claimed yet, msg_late not due")
        try expectEqual(await store.claimWebhookMessages(now: at(10), claimUntil: at(40), limit: 10, excluding: []).map(\.id), [], "a claim with all due claimed")
        try await expectThrows(code: .invalidArgument, "a limit of 0") { try await store.claimWebhookMessages(now: at(10), claimUntil: at(40), limit: 0, excluding: []) }
    }

    static let claimLapses = StorageConformanceCheck(suite, "A claim that lapses (its process died) makes the message due again, with the attempt counted") { store in
        try await endpoints(store, "ep_1")
        _ = try await store.enqueueWebhookMessages([message("msg_a", "ep_1", due: 0)])
        let first = try unwrap(try await store.claimWebhookMessages(now: at(1), claimUntil: at(31), limit: 1, excluding: []).first, "the first claim")
        try expectEqual(await store.claimWebhookMessages(now: at(30), claimUntil: at(60), limit: 1, excluding: []).map(\.id), [], "a claim before the lapse")
        let second = try unwrap(try await store.claimWebhookMessages(now: at(31), claimUntil: at(61), limit: 1, excluding: []).first, "the claim at the lapse")
        try expectEqual(second.attempts, 2, "attempts after the lapsed attempt")
        try expect(second.claimToken != first.claimToken, "a new claim token")
    }

    static let settleByHolderOnly = StorageConformanceCheck(suite, "Only the claim's holder settles; the attempt is logged with the outcome") { store in
        try await endpoints(store, "ep_1")
        _ = try await store.enqueueWebhookMessages([message("msg_a", "ep_1", due: 0)])
        let stale = try unwrap(try await store.claimWebhookMessages(now: at(1), claimUntil: at(2), limit: 1, excluding: []).first, "the first claim")
        let holder = try unwrap(try await store.claimWebhookMessages(now: at(2), claimUntil: at(32), limit: 1, excluding: []).first, "the second claim")
        let staleSettled = try await store.settleWebhookMessage(
            id: "msg_a", claimToken: stale.claimToken ?? 0, status: .succeeded, nextAttemptAt: nil, attempt: attempt("msg_a", 1, status: 200), now: at(3))
        try expect(!staleSettled, "the lapsed claim's holder to be refused")
        try expectEqual(await store.webhookAttempts(messageId: "msg_a"), [], "the log after the refused settlement")

        let retry = attempt("msg_a", 2, status: 503, error: "HTTP 503", at: 2)
        try expect(
            try await store.settleWebhookMessage(id: "msg_a", claimToken: holder.claimToken ?? 0, status: .pending, nextAttemptAt: at(300), attempt: retry, now: at(4)),
            "the holder to settle")
        let pending = try unwrap(try await store.webhookMessage(id: "msg_a"), "msg_a after a failed attempt")
        try expectEqual(pending.status, .pending, "its status")
        try expectEqual(pending.nextAttemptAt, Timestamp.normalize(at(300)), "its next attempt")
        try expectEqual(pending.claimToken, nil, "its claim, cleared")
        try expectEqual(pending.lastStatusCode, 503, "its last status")
        try expectEqual(pending.lastError, "HTTP 503", "its last error")
        try expectEqual(await store.webhookAttempts(messageId: "msg_a"), [WebhookAttemptRecord(
            messageId: "msg_a", endpointId: "ep_1", attempt: 2, startedAt: Timestamp.normalize(at(2)), durationMicroseconds: 1500, statusCode: 503,
            responseBody: "answered 503 — ✓", error: "HTTP 503")], "the log")

        let third = try unwrap(try await store.claimWebhookMessages(now: at(300), claimUntil: at(330), limit: 1, excluding: []).first, "the third claim")
        _ = try await store.settleWebhookMessage(
            id: "msg_a", claimToken: third.claimToken ?? 0, status: .succeeded, nextAttemptAt: at(999), attempt: attempt("msg_a", 3, status: 204, at: 300), now: at(301))
        let done = try unwrap(try await store.webhookMessage(id: "msg_a"), "msg_a after success")
        try expectEqual(done.status, .succeeded, "its status")
        try expectEqual(done.nextAttemptAt, nil, "no next attempt once settled for good")
        try expectEqual(done.attempts, 3, "its attempts")
        try expectEqual(await store.webhookAttempts(messageId: "msg_a").map(\.attempt), [2, 3], "the attempts logged")
        try expectEqual(await store.claimWebhookMessages(now: at(9999), claimUntil: at(10_000), limit: 5, excluding: []).map(\.id), [], "nothing due after success")
    }

    static let listAndRequeue = StorageConformanceCheck(suite, "An endpoint's messages list by id and status; redelivery requeues one, or the failed since a time") { store in
        try await endpoints(store, "ep_1", "ep_2")
        _ = try await store.enqueueWebhookMessages([
            message("msg_1", "ep_1", due: 0, created: 0), message("msg_2", "ep_1", due: 0, created: 10), message("msg_3", "ep_1", due: 0, created: 20),
            message("msg_x", "ep_2", due: 0),
        ])
        for claimed in try await store.claimWebhookMessages(now: at(30), claimUntil: at(60), limit: 10, excluding: ["ep_2"]) {
            _ = try await store.settleWebhookMessage(
                id: claimed.id, claimToken: claimed.claimToken ?? 0, status: .failed, nextAttemptAt: nil, attempt: attempt(claimed.id, 1, status: 500), now: at(31))
        }
        try expectEqual(await store.webhookMessages(endpointId: "ep_1", status: nil, after: nil, limit: 2).map(\.id), ["msg_1", "msg_2"], "the first page")
        try expectEqual(await store.webhookMessages(endpointId: "ep_1", status: .failed, after: "msg_2", limit: 5).map(\.id), ["msg_3"], "failed after msg_2")
        try expectEqual(await store.webhookMessages(endpointId: "ep_2", status: .failed, after: nil, limit: 5).map(\.id), [], "ep_2 has none failed")

        try expectEqual(await store.requeueFailedWebhookMessages(endpointId: "ep_1", since: at(10), now: at(40)), 2, "failed of ep_1 created since 10 s")
        try expectEqual(await store.webhookMessages(endpointId: "ep_1", status: .pending, after: nil, limit: 5).map(\.id), ["msg_2", "msg_3"], "the requeued")
        let requeued = try unwrap(try await store.webhookMessage(id: "msg_2"), "msg_2")
        try expectEqual(requeued.nextAttemptAt, Timestamp.normalize(at(40)), "due at once")
        try expectEqual(requeued.attempts, 1, "its attempts kept")

        try expect(try await store.requeueWebhookMessage(id: "msg_1", now: at(41)), "requeueing msg_1")
        try expectEqual(await store.webhookMessage(id: "msg_1")?.status, .pending, "msg_1 pending again")
        let unknown = try await store.requeueWebhookMessage(id: "msg_none", now: at(41))
        try expect(!unknown, "requeueing an unknown message to report none")
        _ = try await store.claimWebhookMessages(now: at(50), claimUntil: at(90), limit: 1, excluding: [])
        let claimedNow = try await store.webhookMessages(endpointId: "ep_1", status: nil, after: nil, limit: 5).first { $0.claimToken != nil }
        let requeueClaimed = try await store.requeueWebhookMessage(id: claimedNow?.id ?? "", now: at(51))
        try expect(!requeueClaimed, "requeueing a message in flight to be refused")
    }

    static let endpointLog = StorageConformanceCheck(suite, "An endpoint's log lists its attempts across messages, newest first, in pages; no other endpoint's") { store in
        try await endpoints(store, "ep_1", "ep_2")
        _ = try await store.enqueueWebhookMessages([message("msg_a", "ep_1", due: 0), message("msg_b", "ep_1", due: 0), message("msg_x", "ep_2", due: 0)])
        // Two rounds of claims; the attempts' start times are chosen: msg_a at 1 s and 5 s,
        // msg_b at 5 s (a tie with msg_a, broken by message id) and 9 s, msg_x at 3 s and 7 s.
        let starts: [String: [Double]] = ["msg_a": [1, 5], "msg_b": [5, 9], "msg_x": [3, 7]]
        for (round, now) in [101.0, 201.0].enumerated() {
            for claimed in try await store.claimWebhookMessages(now: at(now), claimUntil: at(now + 30), limit: 10, excluding: []) {
                let started = try unwrap(starts[claimed.id]?[round], "the start of \(claimed.id)")
                _ = try await store.settleWebhookMessage(
                    id: claimed.id, claimToken: claimed.claimToken ?? 0, status: .pending, nextAttemptAt: at(now + 50),
                    attempt: attempt(claimed.id, claimed.attempts, status: 500, at: started, endpoint: claimed.endpointId), now: at(now))
            }
        }
        let expected = [("msg_b", 2, 9.0), ("msg_b", 1, 5.0), ("msg_a", 2, 5.0), ("msg_a", 1, 1.0)]
        let log = try await store.webhookAttempts(endpointId: "ep_1", before: nil, limit: 10)
        try expectEqual(log.map { "\($0.messageId)#\($0.attempt)" }, expected.map { "\($0.0)#\($0.1)" }, "ep_1's log, newest first")
        try expectEqual(log.map(\.startedAt), expected.map { Timestamp.normalize(at($0.2)) }, "its start times")
        let first = try await store.webhookAttempts(endpointId: "ep_1", before: nil, limit: 2)
        let second = try await store.webhookAttempts(endpointId: "ep_1", before: try unwrap(first.last, "the first page's last").position, limit: 2)
        try expectEqual((first + second).map(\.position), log.map(\.position), "two pages of 2, across the tie at 5 s")
        try expectEqual(await store.webhookAttempts(endpointId: "ep_1", before: log.last?.position, limit: 2), [], "nothing before the oldest")
        try expectEqual(await store.webhookAttempts(endpointId: "ep_2", before: nil, limit: 10).map(\.attempt), [2, 1], "ep_2's log, msg_x only")
        try await expectThrows(code: .invalidArgument, "a limit of 0") { try await store.webhookAttempts(endpointId: "ep_1", before: nil, limit: 0) }
    }

    static let pruneAndCascade = StorageConformanceCheck(suite, "Attempts older than the cutoff are pruned; deleting an endpoint deletes its messages and log") { store in
        try await endpoints(store, "ep_1", "ep_2")
        _ = try await store.enqueueWebhookMessages([message("msg_a", "ep_1", due: 0), message("msg_b", "ep_2", due: 0)])
        for second in [1.0, 100.0] {
            for claimed in try await store.claimWebhookMessages(now: at(second), claimUntil: at(second + 30), limit: 10, excluding: []) {
                _ = try await store.settleWebhookMessage(
                    id: claimed.id, claimToken: claimed.claimToken ?? 0, status: .pending, nextAttemptAt: at(second + 1),
                    attempt: attempt(claimed.id, claimed.attempts, status: 500, at: second), now: at(second))
            }
        }
        try expectEqual(await store.pruneWebhookAttempts(before: at(50)), 2, "attempts pruned")
        try expectEqual(await store.webhookAttempts(messageId: "msg_a").map(\.attempt), [2], "msg_a's log after pruning")
        try expect(try await store.deleteWebhookEndpoint(id: "ep_1"), "deleting ep_1")
        try expectEqual(await store.webhookMessage(id: "msg_a"), nil, "ep_1's message after its endpoint went")
        try expectEqual(await store.webhookAttempts(messageId: "msg_a"), [], "its log")
        try expect(try await store.webhookMessage(id: "msg_b") != nil, "ep_2's message to stay")
    }
}
