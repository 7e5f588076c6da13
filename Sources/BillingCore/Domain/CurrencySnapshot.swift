/// A currency the host service accepts.
///
/// The code is a plain string because hosts may define non-ISO units (loyalty
/// points); ``Money`` itself only accepts ISO 4217 codes.
public struct CurrencySnapshot: Codable, Sendable, Hashable {
    /// The currency code, `USD` or a host-defined code.
    public var code: String
    /// A display name.
    public var name: String
    /// Digits after the decimal point (2 for USD, 0 for JPY, 3 for KWD).
    public var minorUnitExponent: Int
    /// Whether the host currently accepts it.
    public var isActive: Bool

    /// Creates a snapshot.
    public init(code: String, name: String, minorUnitExponent: Int, isActive: Bool) {
        self.code = code
        self.name = name
        self.minorUnitExponent = minorUnitExponent
        self.isActive = isActive
    }

    /// A snapshot of an ISO 4217 currency.
    public init(_ currency: CurrencyCode, isActive: Bool = true) {
        self.init(code: currency.alphabeticCode, name: currency.name, minorUnitExponent: currency.minorUnitExponent, isActive: isActive)
    }
}
