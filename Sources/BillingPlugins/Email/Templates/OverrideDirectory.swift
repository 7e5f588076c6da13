import BillingCore
import Foundation
import Synchronization

/// The host's template overrides: files named `<event type>.<locale>.mustache` in one
/// directory, such as `invoice.generated.ru.mustache` or `payment.failed.de_AT.mustache`
/// (the locale is normalized like a recipient's, so `de-AT` and `de_at` work too).
///
/// Nothing is read at start: every render lists the directory and reads the files it
/// needs, so a changed, added or deleted file counts from the next message on. A file is
/// compiled again only when its contents differ from the last time (compared in full,
/// not by modification time, which can miss two writes within one clock tick).
final class OverrideDirectory: Sendable {
    let path: String
    /// Compiled templates by file path, with the contents they were compiled from.
    private let cache = Locked<[String: (contents: String, template: CompiledEmailTemplate)]>([:])

    private static let fileExtension = ".mustache"

    /// - Throws: ``BillingError/Code/emailTemplateUnreadable`` unless `path` is a readable directory.
    init(path: String) throws {
        self.path = path
        _ = try listing()
    }

    /// The override files for `template`, by locale.
    ///
    /// - Throws: ``BillingError/Code/emailTemplateUnreadable`` when the directory cannot be
    ///   listed, ``BillingError/Code/emailTemplateInvalid`` when two files spell one locale.
    func files(for template: String) throws -> [EmailLocale: String] {
        let names = try listing()
        var found: [EmailLocale: String] = [:]
        for name in names.sorted() where name.hasSuffix(Self.fileExtension) && !name.hasPrefix(".") {
            let stem = name.dropLast(Self.fileExtension.count)
            guard let dot = stem.lastIndex(of: "."), stem[..<dot] == template,
                let locale = EmailLocale(String(stem[stem.index(after: dot)...]))
            else { continue }
            let file = (path as NSString).appendingPathComponent(name)
            if let other = found[locale] {
                throw BillingError(
                    .emailTemplateInvalid,
                    "Two override files are for template '\(template)' in locale \(locale): \(other) and \(file); keep one",
                    field: "template"
                )
            }
            found[locale] = file
        }
        prune(keeping: Set(names.map { (path as NSString).appendingPathComponent($0) }))
        return found
    }

    /// The compiled template in `file`, or `nil` if the file has gone since the listing.
    ///
    /// - Throws: ``BillingError/Code/emailTemplateUnreadable`` or ``BillingError/Code/emailTemplateInvalid``.
    func template(at file: String) throws -> CompiledEmailTemplate? {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return nil
        } catch {
            throw BillingError(
                .emailTemplateUnreadable, "Cannot read email template file \(file): \(error.localizedDescription)",
                field: "overrideDirectory"
            )
        }
        guard let contents = String(data: data, encoding: .utf8) else {
            throw BillingError(.emailTemplateInvalid, "Email template \(file) is not UTF-8 text", field: "template")
        }
        if let cached = cache.withLock({ $0[file] }), cached.contents == contents {
            return cached.template
        }
        let compiled = try CompiledEmailTemplate(contents: contents, origin: file)
        cache.withLock { $0[file] = (contents, compiled) }
        return compiled
    }

    /// The directory's file names.
    private func listing() throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BillingError(
                .emailTemplateUnreadable, "The email template override directory \(path) does not exist or is not a directory",
                field: "overrideDirectory"
            )
        }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw BillingError(
                .emailTemplateUnreadable,
                "Cannot list the email template override directory \(path): \(error.localizedDescription)",
                field: "overrideDirectory"
            )
        }
    }

    /// Forgets compiled templates whose files are gone, so the cache stays as small as the directory.
    private func prune(keeping files: Set<String>) {
        cache.withLock { cache in
            for key in cache.keys where !files.contains(key) { cache[key] = nil }
        }
    }
}
