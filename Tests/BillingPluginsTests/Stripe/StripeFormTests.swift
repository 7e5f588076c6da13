import Testing

@testable import BillingPlugins

@Suite("StripeForm")
struct StripeFormTests {
    @Test("Fields keep their order; integers and booleans are written as Stripe reads them")
    func orderAndTypes() {
        var form = StripeForm()
        form.append("amount", Int64(1_230))
        form.append("currency", "kwd")
        form.append("confirm", true)
        form.append("off_session", false)
        form.append("expand[]", "latest_charge")
        form.append("expand[]", "payment_method")
        #expect(form.fields.map(\.key) == ["amount", "currency", "confirm", "off_session", "expand[]", "expand[]"])
        #expect(form.fields.map(\.value) == ["1230", "kwd", "true", "false", "latest_charge", "payment_method"])
        #expect(
            form.encoded
                == "amount=1230&currency=kwd&confirm=true&off_session=false&expand%5B%5D=latest_charge&expand%5B%5D=payment_method"
        )
        #expect(StripeForm().encoded == "")
    }

    @Test("A dictionary becomes name[key]=value in key order, whatever order it was built in")
    func nesting() {
        var first = StripeForm()
        first.append("metadata", dictionary: ["tenant": "t-1", "payment_id": "pay-9", "invoice_id": "inv-3"])
        var second = StripeForm()
        second.append("metadata", dictionary: ["invoice_id": "inv-3", "tenant": "t-1", "payment_id": "pay-9"])
        #expect(first.fields.map(\.key) == ["metadata[invoice_id]", "metadata[payment_id]", "metadata[tenant]"])
        #expect(first == second)
        #expect(first.encoded == second.encoded)
        #expect(first.encoded == "metadata%5Binvoice_id%5D=inv-3&metadata%5Bpayment_id%5D=pay-9&metadata%5Btenant%5D=t-1")
        var empty = StripeForm()
        empty.append("metadata", dictionary: [:])
        #expect(empty.fields.isEmpty)
    }

    @Test("Everything but RFC 3986 unreserved characters is percent-encoded as UTF-8")
    func percentEncoding() {
        var form = StripeForm()
        form.append("description", "Счёт №7 🎉")
        form.append("a&b=c+d", "x&y=z+w [1] 100% ~._-")
        #expect(
            form.encoded
                == "description=%D0%A1%D1%87%D1%91%D1%82%20%E2%84%967%20%F0%9F%8E%89"
                + "&a%26b%3Dc%2Bd=x%26y%3Dz%2Bw%20%5B1%5D%20100%25%20~._-"
        )
        #expect(StripeForm.percentEncoded("AZaz09-._~") == "AZaz09-._~")
        #expect(StripeForm.percentEncoded("/?#:@!$'()*,;\n") == "%2F%3F%23%3A%40%21%24%27%28%29%2A%2C%3B%0A")
    }

    @Test("Equal when the same fields come in the same order")
    func equality() {
        var first = StripeForm()
        first.append("a", "1")
        first.append("b", "2")
        var swapped = StripeForm()
        swapped.append("b", "2")
        swapped.append("a", "1")
        var same = StripeForm()
        same.append("a", "1")
        same.append("b", "2")
        #expect(first == same)
        #expect(first != swapped)
        var longer = same
        longer.append("c", "3")
        #expect(first != longer)
        var otherValue = StripeForm()
        otherValue.append("a", "1")
        otherValue.append("b", "3")
        #expect(first != otherValue)
    }
}
