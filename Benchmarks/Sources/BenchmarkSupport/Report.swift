import Foundation

// What every benchmark's report is written with.

/// 12345678 → "12,345,678".
public func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (offset, character) in digits.enumerated() {
        if offset > 0, (digits.count - offset) % 3 == 0 { out += "," }
        out.append(character)
    }
    return value < 0 ? "-" + out : out
}

/// `0.42×`.
public func ratio(_ value: Double) -> String {
    guard value.isFinite else { return "n/a" }
    return String(format: "%.2f×", value)
}

/// Left- or right-aligned to `width` display characters.
public func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let count = text.count
    guard count < width else { return text }
    let fill = String(repeating: " ", count: width - count)
    return right ? fill + text : text + fill
}

/// The median; NaN for none.
public func medianOf(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Writes progress to stderr so stdout holds only the results.
public func progress(_ message: String) {
    FileHandle.standardError.write(Data(("  … " + message + "\n").utf8))
}
