extension Money {
    /// Splits this amount into parts proportional to `ratios`, losing no minor unit.
    ///
    /// Each part first gets the rounded-down share `amount × ratio / Σratios` (computed in
    /// 128-bit arithmetic, so any `Int64` amount and any ratios work). The minor units left
    /// over are then handed out one at a time to the parts with the largest remainders,
    /// earlier parts winning ties. Hence:
    /// - the parts always add up exactly to this amount;
    /// - a zero ratio always gets zero;
    /// - a negative amount is split exactly like its absolute value, then every part is negated
    ///   (`-1.00` by `[1, 1, 1]` is `-0.34, -0.33, -0.33`).
    ///
    /// ```swift
    /// try Money(minorUnits: 5, currency: .usd).allocate([70, 30])   // 4, 1
    /// try Money(minorUnits: 100, currency: .usd).allocate([1, 1, 1]) // 34, 33, 33
    /// ```
    ///
    /// - Parameter ratios: At least one non-negative weight; their sum must be positive.
    /// - Returns: One amount per ratio, in the same order and currency.
    /// - Throws: ``BillingError/Code/invalidArgument`` (field `ratios`) for an empty list,
    ///   a negative ratio or ratios that are all zero.
    public func allocate(_ ratios: [Int64]) throws -> [Money] {
        guard !ratios.isEmpty else {
            throw BillingError.invalid("ratios", "Allocation needs at least one ratio")
        }
        var total: UInt128 = 0
        for ratio in ratios {
            guard ratio >= 0 else {
                throw BillingError.invalid("ratios", "Allocation ratios must not be negative")
            }
            // At most Int.max ratios below 2^63 each: the total stays far below 2^128.
            total += UInt128(ratio)
        }
        guard total > 0 else {
            throw BillingError.invalid("ratios", "Allocation ratios must not all be zero")
        }

        let amount = minorUnits.magnitude  // 2^63 for Int64.min, so no overflow.
        var shares: [UInt64] = []
        var remainders: [UInt128] = []
        shares.reserveCapacity(ratios.count)
        remainders.reserveCapacity(ratios.count)
        var allocated: UInt64 = 0
        for ratio in ratios {
            // amount < 2^64 and ratio < 2^63, so the product is below 2^127.
            let (share, remainder) = (UInt128(amount) * UInt128(ratio)).quotientAndRemainder(dividingBy: total)
            // share <= amount because ratio <= total, so it fits in 64 bits.
            let part = UInt64(share)
            shares.append(part)
            remainders.append(remainder)
            allocated += part  // Σ shares <= amount.
        }

        // The leftover equals Σ remainder / total, which is smaller than the number of parts
        // with a non-zero remainder, so only those (never a zero ratio) receive a unit.
        let leftover = amount - allocated
        if leftover > 0 {
            let order = remainders.indices.sorted { lhs, rhs in
                remainders[lhs] != remainders[rhs] ? remainders[lhs] > remainders[rhs] : lhs < rhs
            }
            for index in order.prefix(Int(leftover)) {
                shares[index] += 1
            }
        }

        let negative = minorUnits < 0
        return shares.map { share in
            // Every share is at most |amount|, so it always fits with the original sign.
            guard let value = Int64(billingMagnitude: share, negative: negative) else {
                preconditionFailure("An allocated share exceeds the amount being allocated")
            }
            return Money(minorUnits: value, currency: currency)
        }
    }

    /// Splits this amount into `parts` equal amounts, earlier parts getting the extra minor units.
    ///
    /// `1.00 USD` into 3 is `0.34, 0.33, 0.33`; the parts always add up to this amount.
    ///
    /// - Throws: ``BillingError/Code/invalidArgument`` (field `parts`) when `parts` is below 1.
    public func split(into parts: Int) throws -> [Money] {
        guard parts >= 1 else {
            throw BillingError.invalid("parts", "An amount must be split into at least one part")
        }
        return try allocate(Array(repeating: 1, count: parts))
    }
}
