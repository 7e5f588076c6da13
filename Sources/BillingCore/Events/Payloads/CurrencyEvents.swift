/// `currency.created`: the host added a currency.
public struct CurrencyCreated: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.currencyCreated
    /// The new currency.
    public var currency: CurrencySnapshot
    public var eventEntityId: String? { currency.code }
    /// Creates the payload.
    public init(currency: CurrencySnapshot) { self.currency = currency }
}

/// `currency.updated`: a currency's details changed.
public struct CurrencyUpdated: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.currencyUpdated
    /// The currency after the change.
    public var currency: CurrencySnapshot
    public var eventEntityId: String? { currency.code }
    /// Creates the payload.
    public init(currency: CurrencySnapshot) { self.currency = currency }
}

/// `currency.activated`: the host started accepting a currency.
public struct CurrencyActivated: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.currencyActivated
    /// The activated currency.
    public var currency: CurrencySnapshot
    public var eventEntityId: String? { currency.code }
    /// Creates the payload.
    public init(currency: CurrencySnapshot) { self.currency = currency }
}

/// `currency.deactivated`: the host stopped accepting a currency.
public struct CurrencyDeactivated: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.currencyDeactivated
    /// The deactivated currency.
    public var currency: CurrencySnapshot
    public var eventEntityId: String? { currency.code }
    /// Creates the payload.
    public init(currency: CurrencySnapshot) { self.currency = currency }
}
