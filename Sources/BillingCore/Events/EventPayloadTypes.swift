/// The typed payloads that raw events are checked against when they are published.
///
/// An event built from JSON (`BillingEvent(type: .paymentCompleted, payload: ...)`)
/// whose type is registered here is accepted only if its payload decodes as the
/// registered payload struct. A malformed event (an amount in an unknown currency, a
/// missing field) is refused at publish instead of being stored and breaking every
/// typed consumer afterwards. Events of types not registered are not checked, and an
/// event built from the registered payload struct itself is not decoded again.
///
/// ```swift
/// var payloadTypes = EventPayloadTypes.builtIn
/// payloadTypes.register(PointsEarned.self)
/// let validator = EventValidator(payloadTypes: payloadTypes)
/// ```
public struct EventPayloadTypes: Sendable {
    /// How events of one type are checked.
    private struct Schema: Sendable {
        /// The registered payload struct; events built from it skip the check.
        let payloadType: ObjectIdentifier
        /// Decodes a payload as the registered struct, throwing what decoding threw.
        let decode: @Sendable (JSONValue) throws -> Void
    }

    private var schemas: [BillingEventType: Schema] = [:]

    /// The 22 payloads of the specification, one per ``BillingEventType/builtIn`` entry.
    public static let builtIn = EventPayloadTypes([
        UserCreated.self, UserUpdated.self, UserDeleted.self,
        BalanceCreated.self, BalanceUpdated.self, BalanceCredited.self, BalanceDebited.self,
        TransactionCreated.self, TransactionCompleted.self, TransactionFailed.self, TransactionCancelled.self,
        CurrencyCreated.self, CurrencyUpdated.self, CurrencyActivated.self, CurrencyDeactivated.self,
        InvoiceGenerated.self, InvoicePaid.self, InvoiceOverdue.self,
        PaymentInitiated.self, PaymentCompleted.self, PaymentFailed.self, PaymentRefunded.self,
    ])

    /// Registers `types`; a later type for the same event type replaces an earlier one.
    /// With no types, nothing is checked.
    public init(_ types: [any BillingEventPayload.Type] = []) {
        for type in types {
            register(type)
        }
    }

    /// Checks events of `Payload.eventType` against `Payload` from now on, replacing
    /// any payload registered for that event type before.
    public mutating func register<Payload: BillingEventPayload>(_: Payload.Type) {
        schemas[Payload.eventType] = Schema(payloadType: ObjectIdentifier(Payload.self)) { payload in
            _ = try JSONValueDecoder.decode(Payload.self, from: payload)
        }
    }

    /// Whether events of `eventType` are checked.
    public func contains(_ eventType: BillingEventType) -> Bool {
        schemas[eventType] != nil
    }

    /// The event types that are checked.
    public var eventTypes: Set<BillingEventType> {
        Set(schemas.keys)
    }

    /// Checks `event`'s payload against the payload registered for its type.
    ///
    /// - Throws: ``BillingError`` coded `invalid.argument` with field `payload`, whose
    ///   message names the event type and the field at fault, never its value.
    package func validate(_ event: BillingEvent) throws {
        guard let schema = schemas[event.type], event.typedPayloadType != schema.payloadType else { return }
        do {
            try schema.decode(event.payload)
        } catch {
            throw BillingError(
                .invalidArgument,
                "The payload of type \(event.type) does not match its schema: \(PayloadMismatchReason.describe(error))",
                field: "payload"
            )
        }
    }
}
