extension BuiltInEmailTemplates {
    /// `invoice.generated`, `invoice.paid` and `invoice.overdue` in English.
    static let invoiceEnglish: [Source] = [
        Source(template: "invoice.generated", locale: "en", contents: #"""
            subject: Invoice{{#invoice.number}} {{.}}{{/invoice.number}} for {{invoice.total}}{{#invoice.dueAt}}, due {{.}}{{/invoice.dueAt}}
            --- text ---
            {{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}

            A new invoice{{#invoice.number}}, number {{.}},{{/invoice.number}} has been issued to you{{#invoice.issuedAt}} on {{.}}{{/invoice.issuedAt}}.
            {{#first(invoice.lineItems)}}

            Items:
            {{/first(invoice.lineItems)}}
            {{#invoice.lineItems}}
            - {{description}}: {{quantity}} × {{unitPrice}} = {{amount}}{{#taxAmount}} (tax {{.}}){{/taxAmount}}
            {{/invoice.lineItems}}

            Subtotal: {{invoice.subtotal}}
            Tax: {{invoice.tax}}
            Total due: {{invoice.total}}
            {{#invoice.dueAt}}

            Please pay by {{.}}.
            {{/invoice.dueAt}}

            If you have any questions, just reply to this email.
            --- html ---
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}</p>
            <p>A new invoice{{#invoice.number}}, number <strong>{{.}}</strong>,{{/invoice.number}} has been issued to you{{#invoice.issuedAt}} on {{.}}{{/invoice.issuedAt}}.</p>
            <table style="border-collapse: collapse; min-width: 320px;" cellpadding="6">
            {{#first(invoice.lineItems)}}
            <tr style="border-bottom: 1px solid #dddddd;"><th align="left">Item</th><th align="right">Qty</th><th align="right">Unit price</th><th align="right">Amount</th></tr>
            {{/first(invoice.lineItems)}}
            {{#invoice.lineItems}}
            <tr><td>{{description}}</td><td align="right">{{quantity}}</td><td align="right">{{unitPrice}}</td><td align="right">{{amount}}{{#taxAmount}}<br><small>tax {{.}}</small>{{/taxAmount}}</td></tr>
            {{/invoice.lineItems}}
            <tr><td colspan="3" align="right">Subtotal</td><td align="right">{{invoice.subtotal}}</td></tr>
            <tr><td colspan="3" align="right">Tax</td><td align="right">{{invoice.tax}}</td></tr>
            <tr><td colspan="3" align="right"><strong>Total due</strong></td><td align="right"><strong>{{invoice.total}}</strong></td></tr>
            </table>
            {{#invoice.dueAt}}
            <p>Please pay by <strong>{{.}}</strong>.</p>
            {{/invoice.dueAt}}
            <p>If you have any questions, just reply to this email.</p>
            </body>
            </html>
            """#),
        Source(template: "invoice.paid", locale: "en", contents: #"""
            subject: Invoice{{#invoice.number}} {{.}}{{/invoice.number}} is paid: {{invoice.total}}
            --- text ---
            {{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}

            Thank you! We have received your payment of {{invoice.total}} for your invoice{{#invoice.number}} {{.}}{{/invoice.number}}. The invoice is now paid in full.
            {{#paymentId}}

            Payment reference: {{.}}
            {{/paymentId}}

            If you have any questions, just reply to this email.
            --- html ---
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}</p>
            <p>Thank you! We have received your payment of <strong>{{invoice.total}}</strong> for your invoice{{#invoice.number}} <strong>{{.}}</strong>{{/invoice.number}}. The invoice is now paid in full.</p>
            {{#paymentId}}
            <p>Payment reference: {{.}}</p>
            {{/paymentId}}
            <p>If you have any questions, just reply to this email.</p>
            </body>
            </html>
            """#),
        Source(template: "invoice.overdue", locale: "en", contents: #"""
            subject: Overdue: invoice{{#invoice.number}} {{.}}{{/invoice.number}} for {{invoice.total}}
            --- text ---
            {{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}

            Invoice{{#invoice.number}} {{.}}{{/invoice.number}} for {{invoice.total}}{{#invoice.dueAt}} was due on {{.}} and{{/invoice.dueAt}} has not been paid yet.
            {{#daysOverdue}}
            Days overdue: {{.}}
            {{/daysOverdue}}

            Please pay it as soon as possible to avoid an interruption of your service. If you have already paid, please ignore this message.

            If you have any questions, just reply to this email.
            --- html ---
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}</p>
            <p>Invoice{{#invoice.number}} <strong>{{.}}</strong>{{/invoice.number}} for <strong>{{invoice.total}}</strong>{{#invoice.dueAt}} was due on {{.}} and{{/invoice.dueAt}} has not been paid yet.</p>
            {{#daysOverdue}}
            <p>Days overdue: <strong>{{.}}</strong></p>
            {{/daysOverdue}}
            <p>Please pay it as soon as possible to avoid an interruption of your service. If you have already paid, please ignore this message.</p>
            <p>If you have any questions, just reply to this email.</p>
            </body>
            </html>
            """#),
    ]
}
