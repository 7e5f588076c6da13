import BillingCore

/// The template sets in use, one per (override directory, default locale): tenants with
/// the same settings share one, and its compiled templates. The set itself re-reads a
/// changed override file, so nothing here needs to expire.
final class EmailTemplateCache: Sendable {
    private struct Key: Hashable {
        var directory: String?
        var defaultLocale: String
    }

    private let sets = Locked<[Key: EmailTemplates]>([:])

    func templates(directory: String?, defaultLocale: String) throws -> EmailTemplates {
        let key = Key(directory: directory, defaultLocale: defaultLocale)
        if let cached = sets.withLock({ $0[key] }) { return cached }
        let made = try EmailTemplates(overrideDirectory: directory, defaultLocale: defaultLocale)
        return sets.withLock { sets in
            if let raced = sets[key] { return raced }
            sets[key] = made
            return made
        }
    }
}
