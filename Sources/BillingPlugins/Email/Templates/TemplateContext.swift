import BillingCore
import Mustache

/// A payload as the templates see it: JSON made into values swift-mustache renders, with
/// money and dates formatted for the template's locale.
///
/// swift-mustache looks a name up through `MustacheParent.child(named:)`, renders a
/// `MustacheCustomRenderable` through its `renderText`, iterates any array, and treats
/// `nil` and `false` as falsy in sections. So:
/// - an object is a ``TemplateContext/Object``, an array a ``TemplateContext/List``; JSON `null`, an absent key and an empty
///   string are all `nil`, so `{{#invoice.number}}…{{/invoice.number}}` skips what is missing;
/// - an object that is exactly a `Money` (`{"currency":"EUR","minorUnits":123456}`) renders
///   formatted (`{{invoice.total}}` is `€1,234.56`) and still has its fields (see ``Amount``);
/// - a string that is a whole RFC 3339 timestamp renders as the locale's date (see ``Moment``).
enum TemplateContext {
    /// The formatters for one render.
    struct Formatting: Sendable {
        var money: LocaleMoneyFormatter
        var dates: LocaleDateFormatter

        init(locale: EmailLocale) {
            money = LocaleMoneyFormatter(locale: locale)
            dates = LocaleDateFormatter(locale: locale)
        }
    }

    /// The root object for `data` (a non-object is offered as `{{.}}` only).
    static func root(_ data: JSONValue, locale: EmailLocale) -> Any {
        let formatting = Formatting(locale: locale)
        return bridge(data, formatting) ?? Object(members: [:], formatting: formatting)
    }

    /// The Mustache value for a JSON value; `nil` for what templates should see as absent.
    static func bridge(_ value: JSONValue, _ formatting: Formatting) -> Any? {
        switch value {
        case .null:
            return nil
        case .bool(let flag):
            return flag
        case .int(let number):
            return number
        case .double(let number):
            return number
        case .string(let text):
            if text.isEmpty { return nil }
            if let micros = Timestamp.parseMicroseconds(text) {
                return Moment(iso: text, microseconds: micros, formatting: formatting)
            }
            return text
        case .array(let elements):
            // A null element would render as "nil"; leave it out.
            return List(elements: elements.compactMap { bridge($0, formatting) })
        case .object(let members):
            if let money = moneyValue(members) { return Amount(money: money, formatting: formatting) }
            return Object(members: members, formatting: formatting)
        }
    }

    /// The `Money` a JSON object spells, if it is exactly `{"currency": <ISO code>, "minorUnits": <int>}`.
    static func moneyValue(_ members: JSONObject) -> Money? {
        guard members.count == 2, let code = members["currency"]?.stringValue,
            let minorUnits = members["minorUnits"]?.intValue, let currency = CurrencyCode.lookup(code)
        else { return nil }
        return Money(minorUnits: minorUnits, currency: currency)
    }

    /// A JSON object. As a `{{variable}}` it renders nothing rather than Swift's description.
    struct Object: MustacheParent, MustacheCustomRenderable {
        let members: JSONObject
        let formatting: Formatting

        var renderText: String { "" }
        var isNull: Bool { false }

        func child(named name: String) -> Any? {
            members[name].flatMap { TemplateContext.bridge($0, formatting) }
        }
    }

    /// A JSON array: sections iterate it and transforms (`first`, `count`, `empty`, …) work
    /// as on a Swift array; as a `{{variable}}` it renders nothing rather than Swift's description.
    struct List: MustacheSequence, MustacheCustomRenderable, MustacheTransformable {
        let elements: [Any]

        func makeIterator() -> IndexingIterator<[Any]> { elements.makeIterator() }
        var renderText: String { "" }
        var isNull: Bool { false }
        func transform(_ name: String) -> Any? { elements.transform(name) }
    }

    /// A `Money` value: `{{total}}` is the formatted amount; `{{total.minorUnits}}`,
    /// `{{total.currency}}`, `{{total.amount}}` (`-1234.56`, the canonical digits),
    /// `{{total.number}}` (`1,234.56`, the locale's digits without sign or currency) and
    /// `{{#total.isZero}}`, `isNegative`, `isPositive` are there too.
    struct Amount: MustacheParent, MustacheCustomRenderable {
        let money: Money
        let formatting: Formatting

        var renderText: String { formatting.money.format(money) }
        var isNull: Bool { false }

        func child(named name: String) -> Any? {
            switch name {
            case "minorUnits": return money.minorUnits
            case "currency": return money.currency.alphabeticCode
            case "currencyName": return money.currency.name
            case "amount": return money.formattedAmount
            case "number": return formatting.money.formatNumber(money)
            case "formatted": return renderText
            case "isZero": return money.isZero
            case "isNegative": return money.isNegative
            case "isPositive": return money.isPositive
            default: return nil
            }
        }
    }

    /// A timestamp: `{{dueAt}}` is the locale's date (`1 December 2026`); `{{dueAt.iso}}`
    /// the original text and `{{dueAt.dateTime}}` the date with the UTC time.
    struct Moment: MustacheParent, MustacheCustomRenderable {
        let iso: String
        let microseconds: Int64
        let formatting: Formatting

        var renderText: String { formatting.dates.formatDate(microseconds: microseconds) }
        var isNull: Bool { false }

        func child(named name: String) -> Any? {
            switch name {
            case "iso": return iso
            case "date": return renderText
            case "dateTime": return formatting.dates.formatDateTime(microseconds: microseconds)
            default: return nil
            }
        }
    }
}
