extension BuiltInEmailTemplates {
    /// `user.created` in English and Russian.
    static let userEnglishAndRussian: [Source] = [
        Source(template: "user.created", locale: "en", contents: #"""
            subject: Welcome{{#recipient.name}}, {{.}}{{/recipient.name}}!
            --- text ---
            {{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}

            Welcome! Your account has been created{{#user.createdAt}} on {{.}}{{/user.createdAt}}.
            {{#recipient.email}}

            We will send your invoices and payment receipts to {{.}}.
            {{/recipient.email}}

            If you have any questions, just reply to this email.
            --- html ---
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Hello {{.}},{{/recipient.name}}{{^recipient.name}}Hello,{{/recipient.name}}</p>
            <p>Welcome! Your account has been created{{#user.createdAt}} on {{.}}{{/user.createdAt}}.</p>
            {{#recipient.email}}
            <p>We will send your invoices and payment receipts to {{.}}.</p>
            {{/recipient.email}}
            <p>If you have any questions, just reply to this email.</p>
            </body>
            </html>
            """#),
        Source(template: "user.created", locale: "ru", contents: #"""
            subject: Добро пожаловать{{#recipient.name}}, {{.}}{{/recipient.name}}!
            --- text ---
            {{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}

            Добро пожаловать! Ваша учётная запись создана.
            {{#user.createdAt}}
            Дата регистрации: {{.}}
            {{/user.createdAt}}
            {{#recipient.email}}

            Счета и подтверждения оплаты мы будем присылать на адрес {{.}}.
            {{/recipient.email}}

            Если у вас есть вопросы, просто ответьте на это письмо.
            --- html ---
            <!DOCTYPE html>
            <html lang="ru">
            <head><meta charset="utf-8"></head>
            <body style="font-family: Arial, Helvetica, sans-serif; color: #222222; line-height: 1.5;">
            <p>{{#recipient.name}}Здравствуйте, {{.}}!{{/recipient.name}}{{^recipient.name}}Здравствуйте!{{/recipient.name}}</p>
            <p>Добро пожаловать! Ваша учётная запись создана.{{#user.createdAt}}<br>Дата регистрации: {{.}}{{/user.createdAt}}</p>
            {{#recipient.email}}
            <p>Счета и подтверждения оплаты мы будем присылать на адрес {{.}}.</p>
            {{/recipient.email}}
            <p>Если у вас есть вопросы, просто ответьте на это письмо.</p>
            </body>
            </html>
            """#),
    ]
}
