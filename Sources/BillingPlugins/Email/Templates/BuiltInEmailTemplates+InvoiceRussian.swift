extension BuiltInEmailTemplates {
    /// `invoice.generated`, `invoice.paid` and `invoice.overdue` in Russian.
    static let invoiceRussian: [Source] = [
        Source(template: "invoice.generated", locale: "ru", contents: #"""
            subject: Счёт{{#invoice.number}} № {{.}}{{/invoice.number}} на сумму {{invoice.total}}{{#invoice.dueAt}}, оплатить до {{.}}{{/invoice.dueAt}}
            --- text ---
            {{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}

            Вам выставлен новый счёт{{#invoice.number}} № {{.}}{{/invoice.number}}{{#invoice.issuedAt}} от {{.}}{{/invoice.issuedAt}} на сумму {{invoice.total}}.
            {{#first(invoice.lineItems)}}

            Состав счёта:
            {{/first(invoice.lineItems)}}
            {{#invoice.lineItems}}
            - {{description}}: {{quantity}} × {{unitPrice}} = {{amount}}{{#taxAmount}} (налог: {{.}}){{/taxAmount}}
            {{/invoice.lineItems}}

            Сумма без налога: {{invoice.subtotal}}
            Налог: {{invoice.tax}}
            Итого к оплате: {{invoice.total}}
            {{#invoice.dueAt}}

            Пожалуйста, оплатите счёт до {{.}} включительно.
            {{/invoice.dueAt}}

            Если у вас есть вопросы, просто ответьте на это письмо.
            --- html ---
            <!DOCTYPE html>
            <html lang="ru">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}</p>
            <p>Вам выставлен новый счёт{{#invoice.number}} <strong>№ {{.}}</strong>{{/invoice.number}}{{#invoice.issuedAt}} от {{.}}{{/invoice.issuedAt}} на сумму <strong>{{invoice.total}}</strong>.</p>
            <table style="border-collapse: collapse; min-width: 320px;" cellpadding="6">
            {{#first(invoice.lineItems)}}
            <tr style="border-bottom: 1px solid #dddddd;"><th align="left">Наименование</th><th align="right">Кол-во</th><th align="right">Цена</th><th align="right">Сумма</th></tr>
            {{/first(invoice.lineItems)}}
            {{#invoice.lineItems}}
            <tr><td>{{description}}</td><td align="right">{{quantity}}</td><td align="right">{{unitPrice}}</td><td align="right">{{amount}}{{#taxAmount}}<br><small>налог: {{.}}</small>{{/taxAmount}}</td></tr>
            {{/invoice.lineItems}}
            <tr><td colspan="3" align="right">Сумма без налога</td><td align="right">{{invoice.subtotal}}</td></tr>
            <tr><td colspan="3" align="right">Налог</td><td align="right">{{invoice.tax}}</td></tr>
            <tr><td colspan="3" align="right"><strong>Итого к оплате</strong></td><td align="right"><strong>{{invoice.total}}</strong></td></tr>
            </table>
            {{#invoice.dueAt}}
            <p>Пожалуйста, оплатите счёт до <strong>{{.}}</strong> включительно.</p>
            {{/invoice.dueAt}}
            <p>Если у вас есть вопросы, просто ответьте на это письмо.</p>
            </body>
            </html>
            """#),
        Source(template: "invoice.paid", locale: "ru", contents: #"""
            subject: Счёт{{#invoice.number}} № {{.}}{{/invoice.number}} оплачен: {{invoice.total}}
            --- text ---
            {{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}

            Спасибо! Мы получили оплату счёта{{#invoice.number}} № {{.}}{{/invoice.number}} на сумму {{invoice.total}}. Счёт оплачен полностью.
            {{#paymentId}}

            Номер платежа: {{.}}
            {{/paymentId}}

            Если у вас есть вопросы, просто ответьте на это письмо.
            --- html ---
            <!DOCTYPE html>
            <html lang="ru">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}</p>
            <p>Спасибо! Мы получили оплату счёта{{#invoice.number}} <strong>№ {{.}}</strong>{{/invoice.number}} на сумму <strong>{{invoice.total}}</strong>. Счёт оплачен полностью.</p>
            {{#paymentId}}
            <p>Номер платежа: {{.}}</p>
            {{/paymentId}}
            <p>Если у вас есть вопросы, просто ответьте на это письмо.</p>
            </body>
            </html>
            """#),
        Source(template: "invoice.overdue", locale: "ru", contents: #"""
            subject: Просрочена оплата счёта{{#invoice.number}} № {{.}}{{/invoice.number}} на сумму {{invoice.total}}
            --- text ---
            {{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}

            Срок оплаты счёта{{#invoice.number}} № {{.}}{{/invoice.number}} на сумму {{invoice.total}} истёк{{#invoice.dueAt}} {{.}}{{/invoice.dueAt}}, но оплата пока не поступила.
            {{#daysOverdue}}
            Дней просрочки: {{.}}
            {{/daysOverdue}}

            Пожалуйста, оплатите счёт как можно скорее, чтобы избежать приостановки обслуживания. Если вы уже оплатили счёт, не обращайте внимания на это письмо.

            Если у вас есть вопросы, просто ответьте на это письмо.
            --- html ---
            <!DOCTYPE html>
            <html lang="ru">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}</p>
            <p>Срок оплаты счёта{{#invoice.number}} <strong>№ {{.}}</strong>{{/invoice.number}} на сумму <strong>{{invoice.total}}</strong> истёк{{#invoice.dueAt}} {{.}}{{/invoice.dueAt}}, но оплата пока не поступила.</p>
            {{#daysOverdue}}
            <p>Дней просрочки: <strong>{{.}}</strong></p>
            {{/daysOverdue}}
            <p>Пожалуйста, оплатите счёт как можно скорее, чтобы избежать приостановки обслуживания. Если вы уже оплатили счёт, не обращайте внимания на это письмо.</p>
            <p>Если у вас есть вопросы, просто ответьте на это письмо.</p>
            </body>
            </html>
            """#),
    ]
}
