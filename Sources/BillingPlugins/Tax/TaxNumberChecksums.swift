/// The check-digit algorithms behind ``TaxNumberValidator``.
///
/// Each function takes the number's decimal digits (already cleaned and of the
/// right length) and says whether its check digits are correct.
enum TaxNumberChecksums {
    /// Norwegian organisation number (the body of an `MVA` number): mod 11 with
    /// weights 3,2,7,6,5,4,3,2 over the first eight digits.
    static func isValidNorwegianOrganisationNumber(_ digits: [Int]) -> Bool {
        guard digits.count == 9 else { return false }
        let remainder = weightedSum(digits[0..<8], weights: [3, 2, 7, 6, 5, 4, 3, 2]) % 11
        // A remainder of 1 would need check digit 10: such numbers are never issued.
        guard remainder != 1 else { return false }
        let check = remainder == 0 ? 0 : 11 - remainder
        return check == digits[8]
    }

    /// Swiss UID (the body of `CHE-123.456.789 MWST`): check = 11 − (Σ mod 11) with
    /// weights 5,4,3,2,7,6,5,4; 11 means 0 and 10 is never issued.
    static func isValidSwissUID(_ digits: [Int]) -> Bool {
        guard digits.count == 9 else { return false }
        let check = 11 - weightedSum(digits[0..<8], weights: [5, 4, 3, 2, 7, 6, 5, 4]) % 11
        switch check {
        case 11: return digits[8] == 0
        case 10: return false
        default: return digits[8] == check
        }
    }

    /// Australian Business Number: subtract 1 from the first digit, weigh with
    /// 10,1,3,5,…,19; the sum must be divisible by 89.
    static func isValidABN(_ digits: [Int]) -> Bool {
        guard digits.count == 11 else { return false }
        var adjusted = digits
        adjusted[0] -= 1
        let sum = weightedSum(adjusted[...], weights: [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19])
        return sum % 89 == 0
    }

    /// Russian INN: 10 digits (organisations, one check digit) or 12 digits
    /// (individuals, two check digits); each check digit is (Σ mod 11) mod 10.
    static func isValidINN(_ digits: [Int]) -> Bool {
        func check(_ count: Int, _ weights: [Int]) -> Int {
            weightedSum(digits[0..<count], weights: weights) % 11 % 10
        }
        switch digits.count {
        case 10:
            return check(9, [2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[9]
        case 12:
            return check(10, [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[10]
                && check(11, [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[11]
        default:
            return false
        }
    }

    /// Σ digit × weight, pairing digits and weights from the left.
    private static func weightedSum(_ digits: ArraySlice<Int>, weights: [Int]) -> Int {
        zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
    }
}
