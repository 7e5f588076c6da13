import Foundation
import Logging

extension DeliveryPipeline {
    /// Redelivers the dead letters an operator asked for, one attempt each. Returns
    /// whether there were any.
    func redeliverRequested(session: DeliverySession) async throws -> Bool {
        let letters = try await environment.store.deadLetters(
            subscription: name, onlyRedeliveryRequested: true, afterID: nil, limit: options.batchSize
        )
        guard !letters.isEmpty else { return false }
        for letter in letters where !session.shouldStop {
            // The request is cleared and the attempt counted before it runs: a
            // redelivery that takes the process down is not repeated forever.
            guard let started = try await environment.store.beginRedelivery(id: letter.id, at: environment.wallClock.now()) else { continue }
            let result = await single(started.event, attempt: started.attempts, isRedelivery: true)
            let delivery = Delivery(event: started.event, subscription: name, attempt: started.attempts, isRedelivery: true)
            switch result {
            case .returned:
                chain.report(delivery, .delivered)
                _ = try await environment.store.removeDeadLetters(.ids([letter.id]))
                logger.info("Dead letter redelivered", metadata: [LogKeys.subscription: "\(name)", LogKeys.eventID: "\(started.event.id)"])
            case .cancelled:
                chain.report(delivery, .interrupted)
                _ = try await environment.store.requestRedelivery(.ids([letter.id]))
            case .threw, .timedOut:
                let failure: any Error = if case .threw(let error) = result { error } else {
                    BillingError(.timeout, "The redelivery did not finish within \(options.deliveryTimeout) and was abandoned")
                }
                chain.report(delivery, .failed(failure, then: .deadLetter))
                try await environment.store.recordFailedRedelivery(id: letter.id, lastError: String(describing: failure), at: environment.wallClock.now())
            }
        }
        return true
    }
}
