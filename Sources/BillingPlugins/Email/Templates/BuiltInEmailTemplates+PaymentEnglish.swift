extension BuiltInEmailTemplates {
    /// `payment.completed`, `payment.failed` and `payment.refunded` in English.
    static let paymentEnglish: [Source] = [
        Source(template: "payment.completed", locale: "en", contents: #"""
            subject: Payment of {{payment.amount}} received
            --- text ---
            {{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}

            Thank you! We have received your payment of {{payment.amount}}{{#payment.createdAt}} made on {{.}}{{/payment.createdAt}}.

            Payment ID: {{payment.id}}
            {{#payment.invoiceId}}
            Invoice: {{.}}
            {{/payment.invoiceId}}
            {{#payment.method}}
            Payment method: {{.}}
            {{/payment.method}}

            Please keep this email as your receipt. If you have any questions, just reply to it.
            --- html ---
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}</p>
            <p>Thank you! We have received your payment of <strong>{{payment.amount}}</strong>{{#payment.createdAt}} made on {{.}}{{/payment.createdAt}}.</p>
            <p>Payment ID: {{payment.id}}
            {{#payment.invoiceId}}
            <br>Invoice: {{.}}
            {{/payment.invoiceId}}
            {{#payment.method}}
            <br>Payment method: {{.}}
            {{/payment.method}}
            </p>
            <p>Please keep this email as your receipt. If you have any questions, just reply to it.</p>
            </body>
            </html>
            """#),
        Source(template: "payment.failed", locale: "en", contents: #"""
            subject: Your payment of {{payment.amount}} could not be processed
            --- text ---
            {{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}

            We could not process your payment of {{payment.amount}}{{#payment.invoiceId}} for invoice {{.}}{{/payment.invoiceId}}.
            {{#failureMessage}}

            Reason: {{.}}{{#failureCode}} ({{.}}){{/failureCode}}
            {{/failureMessage}}

            Please check your payment details or choose another payment method, then try again. If you have any questions, just reply to this email.
            --- html ---
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}</p>
            <p>We could not process your payment of <strong>{{payment.amount}}</strong>{{#payment.invoiceId}} for invoice {{.}}{{/payment.invoiceId}}.</p>
            {{#failureMessage}}
            <p>Reason: {{.}}{{#failureCode}} ({{.}}){{/failureCode}}</p>
            {{/failureMessage}}
            <p>Please check your payment details or choose another payment method, then try again. If you have any questions, just reply to this email.</p>
            </body>
            </html>
            """#),
        Source(template: "payment.refunded", locale: "en", contents: #"""
            subject: Refund of {{refundedAmount}} issued
            --- text ---
            {{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}

            We have refunded {{refundedAmount}} of your payment of {{payment.amount}}{{#payment.createdAt}} made on {{.}}{{/payment.createdAt}}.
            {{#reason}}

            Reason: {{.}}
            {{/reason}}

            Refund reference: {{refundId}}

            Depending on your bank, it can take 5 to 10 business days for the money to appear in your account. If you have any questions, just reply to this email.
            --- html ---
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}</p>
            <p>We have refunded <strong>{{refundedAmount}}</strong> of your payment of {{payment.amount}}{{#payment.createdAt}} made on {{.}}{{/payment.createdAt}}.</p>
            {{#reason}}
            <p>Reason: {{.}}</p>
            {{/reason}}
            <p>Refund reference: {{refundId}}</p>
            <p>Depending on your bank, it can take 5 to 10 business days for the money to appear in your account. If you have any questions, just reply to this email.</p>
            </body>
            </html>
            """#),
    ]
}
