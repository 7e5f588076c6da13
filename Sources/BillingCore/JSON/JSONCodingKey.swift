/// The coding keys the JSONValue coders make up themselves: array positions and `super`.
struct JSONCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.init(index: intValue)
    }

    /// An array position, spelled as JSONEncoder and JSONDecoder spell it in coding paths.
    init(index: Int) {
        self.stringValue = "Index \(index)"
        self.intValue = index
    }

    /// The key `superEncoder()` and `superDecoder()` use.
    static let `super` = JSONCodingKey(stringValue: "super")
}

extension [any CodingKey] {
    /// The path as a field reference, such as `invoice.lineItems[0].amount`; it names
    /// fields and positions only, never values.
    var fieldPath: String {
        var text = ""
        for key in self {
            // Array positions, ours or another coder's, are `Index n` keys.
            if let position = key.intValue, key.stringValue == "Index \(position)" {
                text += "[\(position)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }
}
