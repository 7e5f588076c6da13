/// What every audit store refuses, in the same words: entries that do not continue the head
/// they claim to follow, and a retention cut in the wrong place.
package enum AuditChainRules {
    /// `entries` must be of `head.chain`, numbered on from `head.sequence`, the first linked to `head.hash`.
    package static func checkContinues(_ entries: [AuditEntryRecord], _ head: AuditChainHead) throws {
        var expected = head.sequence + 1
        for entry in entries {
            guard entry.chain == head.chain else {
                throw BillingError.invalid("chain", "An audit entry of chain \(entry.chain) cannot be appended to chain \(head.chain)")
            }
            guard entry.sequence == expected else {
                throw BillingError.invalid("sequence", "Audit entry \(entry.sequence) does not follow \(expected - 1) in chain \(head.chain)")
            }
            expected += 1
        }
        if let first = entries.first, first.previousHash != head.hash {
            throw BillingError.invalid("previousHash", "Audit entry \(first.sequence) is not linked to the head of chain \(head.chain)")
        }
    }

    /// A cut must be above the last one, at or below the head, and at a stored entry.
    package static func checkPrune(_ chain: String, through sequence: Int64, head: Int64, prunedThrough: Int64, entryFound: Bool) throws {
        guard sequence > prunedThrough, sequence <= head, entryFound else {
            throw BillingError.invalid(
                "sequence", "Chain \(chain) can be cut only at a stored entry above \(prunedThrough) and at most at its head \(head); \(sequence) is not one")
        }
    }

    package static func unknownChain(_ chain: String) -> BillingError {
        BillingError(.notFound, "No audit chain is named \(chain)", field: "chain")
    }
}
