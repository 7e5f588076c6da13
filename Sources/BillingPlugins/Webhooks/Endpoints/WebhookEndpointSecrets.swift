import BillingCore
import Foundation

/// Sealing and opening an endpoint's signing secrets, and the rotation rule: the newest
/// secret signs, and a rotated-out one keeps signing beside it until its grace period ends.
struct WebhookEndpointSecrets: Sendable {
    let sealer: any SecretSealer
    /// Secrets already opened, by their sealed text (which a rotation or a re-seal changes):
    /// opening one per attempt cost more CPU than the request. They stay in this process's
    /// memory only, as they would while signing; never on disk unsealed.
    private let opened = BoundedCache<String, WebhookSecret>(limit: 10_000)

    /// Binds a sealed secret to its endpoint, so it cannot be moved to another one unnoticed.
    static func context(endpointId: String) -> String { "webhook/\(endpointId)" }

    func seal(_ secret: WebhookSecret, endpointId: String, at now: Date) throws -> WebhookSecretRecord {
        WebhookSecretRecord(sealed: try sealer.seal(secret.reveal(), context: Self.context(endpointId: endpointId)), createdAt: now)
    }

    /// The secrets that sign at `now`, newest first.
    func signing(_ record: WebhookEndpointRecord, at now: Date) throws -> [WebhookSecret] {
        try Self.live(record.secrets, at: now).map { try open($0.sealed, endpointId: record.id) }
    }

    private func open(_ sealed: String, endpointId: String) throws -> WebhookSecret {
        // The endpoint is part of the key: the same text under another endpoint must fail to open.
        let key = endpointId + " " + sealed
        if let secret = opened[key] { return secret }
        let secret = try WebhookSecret(sealer.open(sealed, context: Self.context(endpointId: endpointId)))
        opened.keep(secret, for: key)
        return secret
    }

    /// `secrets` with `new` in front: the previous current one expires after `grace`, and
    /// secrets already past their expiry are dropped.
    func rotated(_ secrets: [WebhookSecretRecord], adding new: WebhookSecretRecord, grace: Duration, at now: Date) -> [WebhookSecretRecord] {
        let expiry = now.adding(grace)
        let kept = Self.live(secrets, at: now).map { secret -> WebhookSecretRecord in
            var secret = secret
            secret.expiresAt = min(secret.expiresAt ?? expiry, expiry)
            return secret
        }
        return [new] + kept
    }

    /// The secrets not past their expiry at `now`, newest first.
    static func live(_ secrets: [WebhookSecretRecord], at now: Date) -> [WebhookSecretRecord] {
        secrets.filter { $0.expiresAt.map { $0 > now } ?? true }.sorted { $0.createdAt > $1.createdAt }
    }
}
