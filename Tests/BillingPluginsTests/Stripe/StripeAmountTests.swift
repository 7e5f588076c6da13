import BillingCore
import Testing

@testable import BillingPlugins

/// Money ↔ Stripe's integer amounts, per https://docs.stripe.com/currencies.
@Suite("StripeAmount")
struct StripeAmountTests {
    static func money(_ minorUnits: Int64, _ code: String) throws -> Money {
        Money(minorUnits: minorUnits, currency: try CurrencyCode(code))
    }

    static func refusal(_ money: Money) -> BillingError? {
        #expect(throws: BillingError.self) { try StripeAmount.encode(money) }
    }

    @Test("Two-decimal and zero-decimal currencies: 5.00 USD is 500, ¥500 is 500, ₩ likewise")
    func ordinary() throws {
        let usd = try StripeAmount.encode(Money(minorUnits: 500, currency: .usd))
        #expect(usd.amount == 500)
        #expect(usd.currency == "usd")
        let yen = try StripeAmount.encode(Money(minorUnits: 500, currency: .jpy))
        #expect(yen.amount == 500)
        #expect(yen.currency == "jpy")
        #expect(try StripeAmount.encode(Money(minorUnits: 1_000, currency: .krw)).amount == 1_000)
        #expect(try StripeAmount.encode(Money(minorUnits: 1, currency: .eur)).amount == 1)
    }

    @Test("Three-decimal currencies: thousandths ending in 0; 1.230 KWD is 1230, 1.235 KWD is refused")
    func threeDecimal() throws {
        let kwd = try StripeAmount.encode(Money(minorUnits: 1_230, currency: .kwd))
        #expect(kwd.amount == 1_230)
        #expect(kwd.currency == "kwd")
        for currency in [CurrencyCode.bhd, .jod, .omr, .tnd] {
            #expect(try StripeAmount.encode(Money(minorUnits: 5_120, currency: currency)).amount == 5_120)
            let error = Self.refusal(Money(minorUnits: 5_124, currency: currency))
            #expect(error?.code == .stripeAmountUnsupported)
            #expect(error?.message.contains("\(currency.alphabeticCode) is a three-decimal currency at Stripe") == true)
        }
        let error = Self.refusal(Money(minorUnits: 1_235, currency: .kwd))
        #expect(error?.code == .stripeAmountUnsupported)
        #expect(error?.field == "amount")
        #expect(error?.message.contains("KWD") == true)
        #expect(error?.message.contains("must end in 0") == true)
    }

    @Test("ISK and UGX: ISO has no decimals, Stripe wants a two-decimal amount in whole units (5 ISK is 500)")
    func iskAndUgx() throws {
        let isk = try StripeAmount.encode(Money(minorUnits: 5, currency: .isk))
        #expect(isk.amount == 500)
        #expect(isk.currency == "isk")
        let ugx = try StripeAmount.encode(Self.money(5, "UGX"))
        #expect(ugx.amount == 500)
        #expect(ugx.currency == "ugx")
        // Money cannot even hold a fractional ISK; what Stripe reports must be whole krónur.
        #expect(try StripeAmount.decode(500, currency: "isk") == Money(minorUnits: 5, currency: .isk))
        let fractional = #expect(throws: BillingError.self) { try StripeAmount.decode(550, currency: "isk") }
        #expect(fractional?.code == .stripeAmountUnsupported)
        #expect(fractional?.message.contains("ISK") == true)
        #expect(fractional?.message.contains("whole units only (a multiple of 100)") == true)
        // The largest whole ISK amount within eight digits.
        #expect(try StripeAmount.encode(Money(minorUnits: 999_999, currency: .isk)).amount == 99_999_900)
        #expect(Self.refusal(Money(minorUnits: 1_000_000, currency: .isk))?.message.contains("maximum") == true)
    }

    @Test("HUF and TWD: two decimals for charges (the whole-unit rule is for payouts)")
    func hufAndTwd() throws {
        let huf = try StripeAmount.encode(Self.money(1_045, "HUF"))
        #expect(huf.amount == 1_045)
        #expect(huf.currency == "huf")
        let twd = try StripeAmount.encode(Self.money(80_045, "TWD"))
        #expect(twd.amount == 80_045)
        #expect(twd.currency == "twd")
        #expect(try StripeAmount.decode(1_045, currency: "HUF") == Self.money(1_045, "HUF"))
    }

    @Test("MGA: two decimals in ISO 4217, zero-decimal at Stripe, so only whole ariary go")
    func mga() throws {
        #expect(try StripeAmount.encode(Self.money(12_300, "MGA")).amount == 123)
        let error = Self.refusal(try Self.money(12_345, "MGA"))
        #expect(error?.message.contains("MGA is a zero-decimal currency at Stripe") == true)
        #expect(try StripeAmount.decode(123, currency: "mga") == Self.money(12_300, "MGA"))
    }

    @Test("Zero, negative and too-large amounts are refused before any call")
    func bounds() throws {
        for minorUnits: Int64 in [0, -1, -500] {
            let error = Self.refusal(Money(minorUnits: minorUnits, currency: .usd))
            #expect(error?.code == .stripeAmountUnsupported)
            #expect(error?.message.contains("positive") == true)
            #expect(error?.message.contains("USD") == true)
        }
        #expect(try StripeAmount.encode(Money(minorUnits: 99_999_999, currency: .usd)).amount == 99_999_999)
        let tooLarge = Self.refusal(Money(minorUnits: 100_000_000, currency: .usd))
        #expect(tooLarge?.code == .stripeAmountUnsupported)
        #expect(tooLarge?.message.contains("maximum of 99999999 USD units (999999.99 USD)") == true)
        #expect(Self.refusal(Money(minorUnits: 100_000_000, currency: .jpy))?.message.contains("(99999999 JPY)") == true)
        // Higher limits where the currencies page gives them.
        #expect(try StripeAmount.encode(Self.money(999_999_999_999, "IDR")).amount == 999_999_999_999)
        #expect(Self.refusal(try Self.money(1_000_000_000_000, "IDR")) != nil)
        #expect(try StripeAmount.encode(Money(minorUnits: 999_999_999, currency: .inr)).amount == 999_999_999)
        #expect(Self.refusal(Money(minorUnits: 1_000_000_000, currency: .inr)) != nil)
        // ×100 would overflow Int64: refused, not trapped.
        #expect(Self.refusal(Money(minorUnits: .max, currency: .isk))?.message.contains("maximum") == true)
    }

    @Test("Currencies Stripe documents no unit for are refused both ways")
    func unsupportedCurrencies() throws {
        for code in ["CLF", "UYW", "XDR", "IQD", "LYD", "BOV"] {
            let error = Self.refusal(try Self.money(1_000, code))
            #expect(error?.code == .stripeAmountUnsupported)
            #expect(error?.message.contains("Stripe documents no amount unit for \(code)") == true)
            let decoded = #expect(throws: BillingError.self) { try StripeAmount.decode(1_000, currency: code.lowercased()) }
            #expect(decoded?.code == .stripeAmountUnsupported)
        }
        let unknown = #expect(throws: BillingError.self) { try StripeAmount.decode(1_000, currency: "zzz") }
        #expect(unknown?.code == .stripeAmountUnsupported)
        #expect(unknown?.message.contains("'zzz'") == true)
        let long = #expect(throws: BillingError.self) { try StripeAmount.decode(1, currency: String(repeating: "x", count: 200)) }
        #expect(long?.message.contains(String(repeating: "x", count: 17)) == false)
    }

    @Test("Decoding takes Stripe's currency in any case, and zero and negative amounts")
    func decode() throws {
        #expect(try StripeAmount.decode(500, currency: "usd") == Money(minorUnits: 500, currency: .usd))
        #expect(try StripeAmount.decode(500, currency: "JPY") == Money(minorUnits: 500, currency: .jpy))
        #expect(try StripeAmount.decode(1_235, currency: "Kwd") == Money(minorUnits: 1_235, currency: .kwd))
        #expect(try StripeAmount.decode(0, currency: "eur") == Money.zero(.eur))
        #expect(try StripeAmount.decode(-300, currency: "eur") == Money(minorUnits: -300, currency: .eur))
        let overflow = #expect(throws: BillingError.self) { try StripeAmount.decode(.max, currency: "mga") }
        #expect(overflow?.code == .stripeAmountUnsupported)
    }

    @Test("Every amount Stripe can take comes back unchanged")
    func roundTrips() throws {
        let samples: [Money] = [
            Money(minorUnits: 1, currency: .usd), Money(minorUnits: 99_999_999, currency: .eur),
            Money(minorUnits: 50, currency: .jpy), Money(minorUnits: 77, currency: .krw),
            Money(minorUnits: 10, currency: .kwd), Money(minorUnits: 99_999_990, currency: .bhd),
            Money(minorUnits: 1, currency: .isk), Money(minorUnits: 42, currency: try CurrencyCode("UGX")),
            Money(minorUnits: 1_045, currency: try CurrencyCode("HUF")), Money(minorUnits: 900, currency: try CurrencyCode("MGA")),
        ]
        for money in samples {
            let (amount, currency) = try StripeAmount.encode(money)
            #expect(try StripeAmount.decode(amount, currency: currency) == money)
        }
        // Every ISO currency either encodes one major unit or is refused with the code.
        for currency in CurrencyCode.allActive {
            do {
                let (amount, code) = try StripeAmount.encode(Money(minorUnits: currency.minorUnitsPerMajorUnit, currency: currency))
                #expect(try StripeAmount.decode(amount, currency: code) == Money(minorUnits: currency.minorUnitsPerMajorUnit, currency: currency))
            } catch let error as BillingError {
                #expect(error.code == .stripeAmountUnsupported)
                #expect(StripeCurrencyUnit(currency) == nil)
            }
        }
    }
}
