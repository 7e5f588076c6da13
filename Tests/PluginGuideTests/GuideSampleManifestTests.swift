import BilingusTestSupport
import Foundation
import Testing

/// The sample manifest (Documentation/PluginGuideSamples/Package.swift) is one SwiftPM accepts,
/// and what the guide says about package identities holds: `swift package dump-package`
/// checks every `package:` argument against the dependencies' identities without fetching them.
@Suite("Guide: the sample manifest and package identities")
struct GuideSampleManifestTests {
    static let manifest = GuideSamplesAreCompiledTests.root.appendingPathComponent("Documentation/PluginGuideSamples/Package.swift")

    /// Runs `swift package dump-package` on `text` as a package's manifest; returns its exit status and output.
    static func dumpPackage(_ text: String) throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("guide-manifest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let package = directory.appendingPathComponent("AcmePay")
        try FileManager.default.createDirectory(at: package, withIntermediateDirectories: true)
        try text.write(to: package.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)

        let result = try Spawn.run(
            "/usr/bin/env",
            ["swift", "package", "dump-package", "--package-path", package.path, "--scratch-path", directory.appendingPathComponent("scratch").path],
            stderr: .pipe)
        return (result.status, String(decoding: result.output + result.errors, as: UTF8.self))
    }

    /// The manifest with its local-checkout line in place of the URL dependency.
    static func localCheckoutVariant(folder: String, identity: String) throws -> String {
        let text = try String(contentsOf: manifest, encoding: .utf8)
        let url = "        .package(url: \"https://github.com/bilingus/bilingus.git\", from: \"0.1.0\"),\n"
        let commented = "        // .package(path: \"../Bilingus\"),\n"
        #expect(text.contains(url) && text.contains(commented) && text.contains("let bilingus = \"bilingus\"\n"))
        return text.replacingOccurrences(of: url, with: "")
            .replacingOccurrences(of: commented, with: "        .package(path: \"../\(folder)\"),\n")
            .replacingOccurrences(of: "let bilingus = \"bilingus\"\n", with: "let bilingus = \"\(identity)\"\n")
    }

    @Test("The sample manifest is accepted; every product comes from the dependency's identity")
    func sampleIsValid() throws {
        let (status, output) = try Self.dumpPackage(try String(contentsOf: Self.manifest, encoding: .utf8))
        #expect(status == 0, "\(output)")
        let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        let dependencies = json?["dependencies"] as? [[String: Any]]
        let identity = ((dependencies?.first?["sourceControl"] as? [[String: Any]])?.first?["identity"]) as? String
        #expect(identity == "bilingus")
        let targets = json?["targets"] as? [[String: Any]] ?? []
        let products = targets.flatMap { target in
            (target["dependencies"] as? [[String: Any]] ?? []).compactMap { $0["product"] as? [Any] }
        }
        #expect(products.compactMap { $0.first as? String } == ["BillingCore", "BillingCore", "BillingTesting"])
        #expect(products.compactMap { $0.count > 1 ? $0[1] as? String : nil } == ["bilingus", "bilingus", "bilingus"])
    }

    @Test("A checkout in a folder named Bilingus keeps the identity bilingus; one in bilingus-main needs bilingus-main")
    func localCheckoutIdentity() throws {
        let named = try Self.dumpPackage(try Self.localCheckoutVariant(folder: "Bilingus", identity: "bilingus"))
        #expect(named.status == 0, "\(named.output)")

        let renamed = try Self.dumpPackage(try Self.localCheckoutVariant(folder: "bilingus-main", identity: "bilingus"))
        #expect(renamed.status != 0)
        #expect(renamed.output.contains("unknown package 'bilingus'"))

        let fixed = try Self.dumpPackage(try Self.localCheckoutVariant(folder: "bilingus-main", identity: "bilingus-main"))
        #expect(fixed.status == 0, "\(fixed.output)")
    }
}
