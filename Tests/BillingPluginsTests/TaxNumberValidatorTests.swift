import BillingPlugins
import Testing

// Vectors were checked against python-stdnum 2.2 (stdnum.eu.vat, stdnum.gb.vat,
// stdnum.no.mva/orgnr, stdnum.ch.vat/uid, stdnum.au.abn, stdnum.ru.inn): every "valid"
// number here is valid there, and every checksum mutation is invalid there.

/// Tax-number checks: formats for the EU and GB, check digits for NO, CH, AU and RU.
@Suite("TaxNumberValidator")
struct TaxNumberValidatorTests {
    /// One valid VAT number per member state, written with its prefix and separators.
    static let euValid: [(country: String, number: String)] = [
        ("AT", "AT U13585627"), ("BE", "BE 0428759497"), ("BG", "BG 175 074 752"), ("BG", "BG 7523169263"),
        ("CY", "CY-10259033P"), ("CZ", "CZ 25123891"), ("CZ", "CZ 7103192745"), ("DE", "DE 136 695 976"),
        ("DK", "DK 13 58 56 28"), ("EE", "EE 100 931 558"), ("GR", "EL 094259216"), ("ES", "ES B-58378431"),
        ("ES", "ES 54362315K"), ("ES", "ES X-5253868-R"), ("FI", "FI 20774740"), ("FR", "FR 40 303 265 045"),
        ("FR", "FRK7399859412"), ("FR", "FR4Z123456782"), ("HR", "HR 33392005961"), ("HU", "HU-12892312"),
        ("IE", "IE 6433435F"), ("IE", "IE 6433435OA"), ("IE", "IE8D79739I"), ("IT", "IT 00743110157"),
        ("LT", "LT 119511515"), ("LT", "LT 100001919017"), ("LU", "LU 150 274 42"), ("LV", "LV 4000 3521 600"),
        ("MT", "MT 1167-9112"), ("NL", "NL004495445B01"), ("NL", "NL 0024.55.799.B11"), ("PL", "PL 856-734-62-15"),
        ("PT", "PT 501 964 843"), ("RO", "RO 185 472 90"), ("SE", "SE 123456789701"), ("SI", "SI 5022 3054"),
        ("SK", "SK 202 274 96 19"),
    ]

    /// Numbers of the wrong shape for their member state.
    static let euInvalid: [(country: String, number: String)] = [
        ("AT", "AT 13585627"), ("AT", "ATU1358562"), ("BE", "BE 2428759497"), ("BE", "BE 428759497"),
        ("BG", "BG 17507475"), ("CY", "CY 102590331"), ("CZ", "CZ 2512389"), ("CZ", "CZ 71031927451"),
        ("DE", "DE 13669597"), ("DE", "DE 1366959760"), ("DK", "DK 135856280"), ("EE", "EE 10093155"),
        ("GR", "EL 09425921"), ("ES", "ES B5837843"), ("ES", "ES BX8378431"), ("FI", "FI 2077474"),
        ("FR", "FR IO334175221"), ("FR", "FR 4033265045"), ("HR", "HR 3339200596"), ("HU", "HU 128923120"),
        ("IE", "IE 6433435"), ("IE", "IE 6433435FGH"), ("IE", "IE 8?79739I"), ("IT", "IT 0074311015"),
        ("LT", "LT 1195115150"), ("LU", "LU 1502744"), ("LV", "LV 400035216000"), ("MT", "MT 116791120"),
        ("NL", "NL 004495445 01"), ("NL", "NL 004495445A01"), ("PL", "PL 856734621"), ("PT", "PT 50196484"),
        ("RO", "RO 1"), ("RO", "RO 18547290123"), ("SE", "SE 1234567897"), ("SI", "SI 502230541"),
        ("SK", "SK 202274961"), ("DE", "FR 136695976"),
    ]

    @Test("A well-formed VAT number is accepted in every member state", arguments: euValid)
    func euFormats(country: String, number: String) {
        #expect(TaxNumberValidator.supports(country: country))
        #expect(TaxNumberValidator.isValid(number, country: country))
    }

    @Test("The country prefix is optional and case does not matter", arguments: euValid)
    func euWithoutPrefix(country: String, number: String) {
        let prefix = country == "GR" ? "EL" : country
        let bare = String(number.dropFirst(prefix.count))
        #expect(TaxNumberValidator.isValid(bare, country: country))
        #expect(TaxNumberValidator.isValid(number.lowercased(), country: country.lowercased()))
    }

    @Test("A VAT number of the wrong shape is rejected", arguments: euInvalid)
    func euInvalidFormats(country: String, number: String) {
        #expect(!TaxNumberValidator.isValid(number, country: country))
    }

    @Test("Greece uses the prefix EL; EL and GR are both accepted as its country")
    func greece() {
        for country in ["GR", "EL", "gr", "el"] {
            #expect(TaxNumberValidator.supports(country: country))
            #expect(TaxNumberValidator.isValid("EL 094259216", country: country))
            #expect(TaxNumberValidator.isValid("094259216", country: country))
        }
    }

    @Test("GB: 9 or 12 digits, GD000–GD499, HA500–HA999")
    func unitedKingdom() {
        for number in ["GB 980 7806 84", "980780684", "GB 123456782 001", "GBGD001", "gd 499", "GBHA500", "HA999"] {
            #expect(TaxNumberValidator.isValid(number, country: "GB"), "\(number)")
        }
        for number in ["GB 980 7806 8", "GB 9807806840", "GBGD500", "GBHA499", "GBXX123", "GB 12345678200"] {
            #expect(!TaxNumberValidator.isValid(number, country: "GB"), "\(number)")
        }
    }

    @Test(
        "NO: organisation number with the mod-11 check digit, MVA suffix optional",
        arguments: [
            ("NO 995 525 828 MVA", true), ("995525828", true), ("no 988.077.917 mva", true), ("923609016MVA", true),
            ("100000040", true),  // remainder 0: check digit 0
            ("NO 995 525 829 MVA", false), ("988077918", false), ("923609017MVA", false), ("99552582", false),
            ("995525828 VAT", false), ("9955258280", false),
        ]
    )
    func norway(number: String, valid: Bool) {
        #expect(TaxNumberValidator.isValid(number, country: "NO") == valid)
    }

    @Test("NO: a remainder of 1 has no valid check digit")
    func norwayRemainderOne() {
        // 10000013 weighs to a remainder of 1, so no ninth digit makes it valid.
        for digit in 0...9 {
            #expect(!TaxNumberValidator.isValid("10000013\(digit)", country: "NO"))
        }
    }

    @Test(
        "CH: CHE + 9 digits with the mod-11 check digit, MWST/TVA/IVA/VAT suffix optional",
        arguments: [
            ("CHE-107.787.577 IVA", true), ("CHE-100.155.212 MWST", true), ("CHE-116.281.710 TVA", true),
            ("che 109 322 551 vat", true), ("CHE109322551", true), ("100.155.212", true),
            ("CHE-100.000.070", true),  // check 11 means 0
            ("CHE-107.787.578 IVA", false), ("CHE-100.155.213 MWST", false), ("CHE-116.281.711 VAT", false),
            ("CHE-107.787.577 USt", false), ("CH 107.787.577", false), ("CHE-107.787.57", false),
        ]
    )
    func switzerland(number: String, valid: Bool) {
        #expect(TaxNumberValidator.isValid(number, country: "CH") == valid)
    }

    @Test("CH: a check value of 10 is never issued")
    func switzerlandCheckTen() {
        for digit in 0...9 {
            #expect(!TaxNumberValidator.isValid("CHE10000016\(digit)", country: "CH"))
        }
    }

    @Test(
        "AU: ABN with the mod-89 weighted sum",
        arguments: [
            ("83 914 571 673", true), ("51 824 753 556", true), ("53-004-085-616", true), ("AU 51824753556", true),
            ("83 914 571 674", false), ("51 824 753 557", false), ("99 999 999 999", false), ("5182475355", false),
        ]
    )
    func australia(number: String, valid: Bool) {
        #expect(TaxNumberValidator.isValid(number, country: "AU") == valid)
    }

    @Test(
        "RU: INN with one (10 digits) or two (12 digits) check digits",
        arguments: [
            ("7707083893", true), ("7830002293", true), ("1234567894", true), ("RU 500100732259", true), ("123456789047", true),
            ("7707083894", false), ("1234567895", false), ("500100732269", false), ("123456789037", false),
            ("12345678904", false),
        ]
    )
    func russia(number: String, valid: Bool) {
        #expect(TaxNumberValidator.isValid(number, country: "RU") == valid)
    }

    @Test("Unsupported countries are not checked: false, and supports says so")
    func unsupported() {
        for country in ["US", "JP", "", "DEU", "XI"] {
            #expect(!TaxNumberValidator.supports(country: country))
            #expect(!TaxNumberValidator.isValid("123456789", country: country))
        }
        #expect(TaxNumberValidator.supportedCountries.count == 32)
        #expect(TaxNumberValidator.supports(country: " de "))
    }

    @Test("Only spaces, dots and dashes are ignored; other characters make a number invalid")
    func junk() {
        #expect(!TaxNumberValidator.isValid("", country: "DE"))
        #expect(!TaxNumberValidator.isValid("DE", country: "DE"))
        #expect(!TaxNumberValidator.isValid("DE 136/695/976", country: "DE"))
        #expect(!TaxNumberValidator.isValid("DE 136,695,976", country: "DE"))
        // Full-width digits are numbers to Unicode but not in any tax number.
        #expect(!TaxNumberValidator.isValid("DE １３６６９５９７６", country: "DE"))
        #expect(!TaxNumberValidator.isValid("ÄT U13585627", country: "AT"))
        #expect(!TaxNumberValidator.isValid(String(repeating: "1", count: 40), country: "RO"))
        #expect(TaxNumberValidator.isValid("\tDE\u{00A0}136 695 976\n", country: "DE"))
    }
}
