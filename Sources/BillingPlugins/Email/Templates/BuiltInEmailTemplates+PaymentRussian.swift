extension BuiltInEmailTemplates {
    /// `payment.completed`, `payment.failed` and `payment.refunded` in Russian.
    static let paymentRussian: [Source] = [
        Source(template: "payment.completed", locale: "ru", contents: #"""
            subject: Платёж на сумму {{payment.amount}} получен
            --- text ---
            {{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}

            Спасибо! Мы получили ваш платёж{{#payment.createdAt}} от {{.}}{{/payment.createdAt}} на сумму {{payment.amount}}.

            Номер платежа: {{payment.id}}
            {{#payment.invoiceId}}
            Счёт: {{.}}
            {{/payment.invoiceId}}
            {{#payment.method}}
            Способ оплаты: {{.}}
            {{/payment.method}}

            Сохраните это письмо как подтверждение оплаты. Если у вас есть вопросы, просто ответьте на него.
            --- html ---
            <!DOCTYPE html>
            <html lang="ru">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}</p>
            <p>Спасибо! Мы получили ваш платёж{{#payment.createdAt}} от {{.}}{{/payment.createdAt}} на сумму <strong>{{payment.amount}}</strong>.</p>
            <p>Номер платежа: {{payment.id}}
            {{#payment.invoiceId}}
            <br>Счёт: {{.}}
            {{/payment.invoiceId}}
            {{#payment.method}}
            <br>Способ оплаты: {{.}}
            {{/payment.method}}
            </p>
            <p>Сохраните это письмо как подтверждение оплаты. Если у вас есть вопросы, просто ответьте на него.</p>
            </body>
            </html>
            """#),
        Source(template: "payment.failed", locale: "ru", contents: #"""
            subject: Не удалось провести платёж на сумму {{payment.amount}}
            --- text ---
            {{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}

            К сожалению, нам не удалось провести ваш платёж на сумму {{payment.amount}}{{#payment.invoiceId}} по счёту {{.}}{{/payment.invoiceId}}.
            {{#failureMessage}}

            Причина: {{.}}{{#failureCode}} ({{.}}){{/failureCode}}
            {{/failureMessage}}

            Пожалуйста, проверьте платёжные данные или выберите другой способ оплаты и попробуйте ещё раз. Если у вас есть вопросы, просто ответьте на это письмо.
            --- html ---
            <!DOCTYPE html>
            <html lang="ru">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}</p>
            <p>К сожалению, нам не удалось провести ваш платёж на сумму <strong>{{payment.amount}}</strong>{{#payment.invoiceId}} по счёту {{.}}{{/payment.invoiceId}}.</p>
            {{#failureMessage}}
            <p>Причина: {{.}}{{#failureCode}} ({{.}}){{/failureCode}}</p>
            {{/failureMessage}}
            <p>Пожалуйста, проверьте платёжные данные или выберите другой способ оплаты и попробуйте ещё раз. Если у вас есть вопросы, просто ответьте на это письмо.</p>
            </body>
            </html>
            """#),
        Source(template: "payment.refunded", locale: "ru", contents: #"""
            subject: Оформлен возврат на сумму {{refundedAmount}}
            --- text ---
            {{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}

            Мы оформили возврат {{refundedAmount}} по вашему платежу{{#payment.createdAt}} от {{.}}{{/payment.createdAt}} на сумму {{payment.amount}}.
            {{#reason}}

            Причина возврата: {{.}}
            {{/reason}}

            Номер возврата: {{refundId}}

            В зависимости от банка возвращённые средства поступят в течение 5–10 рабочих дней. Если у вас есть вопросы, просто ответьте на это письмо.
            --- html ---
            <!DOCTYPE html>
            <html lang="ru">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}</p>
            <p>Мы оформили возврат <strong>{{refundedAmount}}</strong> по вашему платежу{{#payment.createdAt}} от {{.}}{{/payment.createdAt}} на сумму {{payment.amount}}.</p>
            {{#reason}}
            <p>Причина возврата: {{.}}</p>
            {{/reason}}
            <p>Номер возврата: {{refundId}}</p>
            <p>В зависимости от банка возвращённые средства поступят в течение 5–10 рабочих дней. Если у вас есть вопросы, просто ответьте на это письмо.</p>
            </body>
            </html>
            """#),
    ]
}
