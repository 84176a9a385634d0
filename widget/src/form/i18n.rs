//! The form's fixed strings in the built-in languages. The English text is the key: every string
//! the form shows passes through `tr`, which returns the translation when the English one is in
//! the catalog and the text unchanged otherwise. So a label the merchant wrote (not an English
//! default) is shown as written, and a server message we have no translation for stays English.

/// The built-in languages, in catalog column order.
pub const LANGS: [&str; 6] = ["en", "es", "fr", "de", "pt-BR", "ja"];

/// The catalog column for a BCP 47 tag: the exact tag, then its language subtag ("de-CH" →
/// "de", "pt-PT" → "pt-BR"), then English.
pub fn lang_index(tag: &str) -> usize {
    let lang = tag.split(['-', '_']).next().unwrap_or("");
    LANGS
        .iter()
        .position(|l| l.eq_ignore_ascii_case(tag))
        .or_else(|| {
            LANGS.iter().position(|l| {
                l.split('-')
                    .next()
                    .is_some_and(|p| p.eq_ignore_ascii_case(lang))
            })
        })
        .unwrap_or(0)
}

/// `en` translated into column `lang`, or `en` itself.
pub fn tr(lang: usize, en: &str) -> &str {
    if lang == 0 {
        return en;
    }
    CATALOG
        .iter()
        .find(|row| row[0] == en)
        .map_or(en, |row| row[lang])
}

/// en, es, fr, de, pt-BR, ja.
const CATALOG: &[[&str; 6]] = &[
    // Labels: maven-core's defaults and the form's own fallbacks.
    ["Secure payment", "Pago seguro", "Paiement sécurisé", "Sichere Zahlung", "Pagamento seguro", "安全なお支払い"],
    ["Payment details", "Datos de pago", "Informations de paiement", "Zahlungsdaten", "Dados de pagamento", "お支払い情報"],
    ["Card number", "Número de tarjeta", "Numéro de carte", "Kartennummer", "Número do cartão", "カード番号"],
    ["Expiry (MM/YY)", "Vencimiento (MM/AA)", "Expiration (MM/AA)", "Gültig bis (MM/JJ)", "Validade (MM/AA)", "有効期限 (MM/YY)"],
    ["Expiry", "Vencimiento", "Expiration", "Gültig bis", "Validade", "有効期限"],
    ["CVC", "CVC", "CVC", "Prüfnummer", "CVV", "セキュリティコード"],
    ["Name on card", "Nombre en la tarjeta", "Nom sur la carte", "Name auf der Karte", "Nome no cartão", "カード名義"],
    ["Postal code", "Código postal", "Code postal", "Postleitzahl", "CEP", "郵便番号"],
    ["Pay {amount}", "Pagar {amount}", "Payer {amount}", "{amount} bezahlen", "Pagar {amount}", "{amount} を支払う"],
    ["Payment successful", "Pago realizado", "Paiement réussi", "Zahlung erfolgreich", "Pagamento aprovado", "お支払いが完了しました"],
    ["Payment failed", "Pago rechazado", "Échec du paiement", "Zahlung fehlgeschlagen", "Pagamento recusado", "お支払いに失敗しました"],
    ["Try again", "Intentar de nuevo", "Réessayer", "Erneut versuchen", "Tentar novamente", "もう一度試す"],
    // Fixed text of the page.
    ["Test mode", "Modo de prueba", "Mode test", "Testmodus", "Modo de teste", "テストモード"],
    ["(optional)", "(opcional)", "(facultatif)", "(optional)", "(opcional)", "(任意)"],
    ["Secured by Maven", "Protegido por Maven", "Sécurisé par Maven", "Gesichert durch Maven", "Protegido por Maven", "Maven による保護"],
    ["MM / YY", "MM / AA", "MM / AA", "MM / JJ", "MM / AA", "MM / YY"],
    ["Secure payment form", "Formulario de pago seguro", "Formulaire de paiement sécurisé", "Sicheres Zahlungsformular", "Formulário de pagamento seguro", "安全な支払いフォーム"],
    ["Card", "Tarjeta", "Carte", "Karte", "Cartão", "カード"],
    ["Save card", "Guardar tarjeta", "Enregistrer la carte", "Karte speichern", "Salvar cartão", "カードを保存"],
    ["Processing payment…", "Procesando el pago…", "Paiement en cours…", "Zahlung wird verarbeitet …", "Processando pagamento…", "お支払いを処理しています…"],
    // Field problems (the form's and maven-core's).
    ["Enter the card number", "Introduce el número de tarjeta", "Saisissez le numéro de carte", "Geben Sie die Kartennummer ein", "Informe o número do cartão", "カード番号を入力してください"],
    ["Card number is incomplete", "El número de tarjeta está incompleto", "Le numéro de carte est incomplet", "Die Kartennummer ist unvollständig", "O número do cartão está incompleto", "カード番号が不完全です"],
    ["Card number is invalid", "El número de tarjeta no es válido", "Le numéro de carte n'est pas valide", "Die Kartennummer ist ungültig", "O número do cartão é inválido", "カード番号が正しくありません"],
    ["Card number must contain digits only", "El número de tarjeta solo puede contener dígitos", "Le numéro de carte ne doit contenir que des chiffres", "Die Kartennummer darf nur Ziffern enthalten", "O número do cartão deve conter apenas dígitos", "カード番号は数字のみで入力してください"],
    ["Enter the expiry date", "Introduce la fecha de vencimiento", "Saisissez la date d'expiration", "Geben Sie das Ablaufdatum ein", "Informe a data de validade", "有効期限を入力してください"],
    ["Expiry date is incomplete", "La fecha de vencimiento está incompleta", "La date d'expiration est incomplète", "Das Ablaufdatum ist unvollständig", "A data de validade está incompleta", "有効期限が不完全です"],
    ["Expiry month must be between 1 and 12", "El mes debe estar entre 1 y 12", "Le mois doit être compris entre 1 et 12", "Der Monat muss zwischen 1 und 12 liegen", "O mês deve estar entre 1 e 12", "月は 1 から 12 で入力してください"],
    ["Card expiry date is in the past", "La tarjeta está vencida", "La date d'expiration est passée", "Das Ablaufdatum liegt in der Vergangenheit", "A data de validade já passou", "有効期限が過ぎています"],
    ["Card expiry year is too far in the future", "El año de vencimiento es demasiado lejano", "L'année d'expiration est trop lointaine", "Das Ablaufjahr liegt zu weit in der Zukunft", "O ano de validade está distante demais", "有効期限の年が先すぎます"],
    ["Enter the security code", "Introduce el código de seguridad", "Saisissez le code de sécurité", "Geben Sie die Prüfnummer ein", "Informe o código de segurança", "セキュリティコードを入力してください"],
    ["Security code is incomplete", "El código de seguridad está incompleto", "Le code de sécurité est incomplet", "Die Prüfnummer ist unvollständig", "O código de segurança está incompleto", "セキュリティコードが不完全です"],
    ["Security code must be 3 digits", "El código de seguridad debe tener 3 dígitos", "Le code de sécurité doit comporter 3 chiffres", "Die Prüfnummer muss 3 Ziffern haben", "O código de segurança deve ter 3 dígitos", "セキュリティコードは 3 桁です"],
    ["Security code must be 4 digits", "El código de seguridad debe tener 4 dígitos", "Le code de sécurité doit comporter 4 chiffres", "Die Prüfnummer muss 4 Ziffern haben", "O código de segurança deve ter 4 dígitos", "セキュリティコードは 4 桁です"],
    ["Cardholder name is required", "El nombre del titular es obligatorio", "Le nom du titulaire est obligatoire", "Der Name des Karteninhabers ist erforderlich", "O nome do titular é obrigatório", "カード名義を入力してください"],
    ["Postal code is required", "El código postal es obligatorio", "Le code postal est obligatoire", "Die Postleitzahl ist erforderlich", "O CEP é obrigatório", "郵便番号を入力してください"],
    // Results ({amount}, {card} and {n} are filled in).
    ["{amount} paid with {card}", "{amount} pagados con {card}", "{amount} payés avec {card}", "{amount} bezahlt mit {card}", "{amount} pagos com {card}", "{card} で {amount} を支払いました"],
    ["{amount} authorized on {card}", "{amount} autorizados en {card}", "{amount} autorisés sur {card}", "{amount} auf {card} autorisiert", "{amount} autorizados no {card}", "{card} で {amount} を承認しました"],
    ["{card} saved", "{card} guardada", "{card} enregistrée", "{card} gespeichert", "{card} salvo", "{card} を保存しました"],
    ["1 attempt left.", "Queda 1 intento.", "Il reste 1 tentative.", "Noch 1 Versuch.", "Resta 1 tentativa.", "残り 1 回です。"],
    ["{n} attempts left.", "Quedan {n} intentos.", "Il reste {n} tentatives.", "Noch {n} Versuche.", "Restam {n} tentativas.", "残り {n} 回です。"],
    ["Your card was declined.", "Tu tarjeta fue rechazada.", "Votre carte a été refusée.", "Ihre Karte wurde abgelehnt.", "Seu cartão foi recusado.", "カードが拒否されました。"],
    ["Your card has insufficient funds.", "Tu tarjeta no tiene fondos suficientes.", "Votre carte n'a pas de fonds suffisants.", "Ihre Karte ist nicht ausreichend gedeckt.", "Seu cartão não tem saldo suficiente.", "カードの残高が不足しています。"],
    ["Your card has expired.", "Tu tarjeta está vencida.", "Votre carte a expiré.", "Ihre Karte ist abgelaufen.", "Seu cartão está vencido.", "カードの有効期限が切れています。"],
    ["Your card's security code is incorrect.", "El código de seguridad de tu tarjeta es incorrecto.", "Le code de sécurité de votre carte est incorrect.", "Die Prüfnummer Ihrer Karte ist falsch.", "O código de segurança do seu cartão está incorreto.", "カードのセキュリティコードが正しくありません。"],
    ["An error occurred while processing your card. Try again.", "Se produjo un error al procesar tu tarjeta. Inténtalo de nuevo.", "Une erreur s'est produite lors du traitement de votre carte. Réessayez.", "Bei der Verarbeitung Ihrer Karte ist ein Fehler aufgetreten. Bitte erneut versuchen.", "Ocorreu um erro ao processar seu cartão. Tente novamente.", "カードの処理中にエラーが発生しました。もう一度お試しください。"],
    ["Too many declined attempts.", "Demasiados intentos rechazados.", "Trop de tentatives refusées.", "Zu viele abgelehnte Versuche.", "Muitas tentativas recusadas.", "拒否された試行が多すぎます。"],
    ["The payment could not be completed. Please try again.", "No se pudo completar el pago. Inténtalo de nuevo.", "Le paiement n'a pas pu aboutir. Veuillez réessayer.", "Die Zahlung konnte nicht abgeschlossen werden. Bitte erneut versuchen.", "Não foi possível concluir o pagamento. Tente novamente.", "お支払いを完了できませんでした。もう一度お試しください。"],
    ["Could not reach the payment server. Check your connection and try again.", "No se pudo contactar con el servidor de pagos. Revisa tu conexión e inténtalo de nuevo.", "Impossible de joindre le serveur de paiement. Vérifiez votre connexion et réessayez.", "Der Zahlungsserver ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.", "Não foi possível acessar o servidor de pagamento. Verifique sua conexão e tente novamente.", "決済サーバーに接続できません。接続を確認してもう一度お試しください。"],
    ["This payment can no longer be completed.", "Este pago ya no se puede completar.", "Ce paiement ne peut plus être effectué.", "Diese Zahlung kann nicht mehr abgeschlossen werden.", "Este pagamento não pode mais ser concluído.", "このお支払いは完了できなくなりました。"],
    ["This payment session has expired", "Esta sesión de pago ha caducado", "Cette session de paiement a expiré", "Diese Zahlungssitzung ist abgelaufen", "Esta sessão de pagamento expirou", "このお支払いセッションは期限切れです"],
    ["Ask for a new payment link to continue.", "Pide un nuevo enlace de pago para continuar.", "Demandez un nouveau lien de paiement pour continuer.", "Fordern Sie einen neuen Zahlungslink an, um fortzufahren.", "Peça um novo link de pagamento para continuar.", "続けるには新しい支払いリンクをご依頼ください。"],
    ["This payment is already complete.", "Este pago ya se ha completado.", "Ce paiement est déjà effectué.", "Diese Zahlung ist bereits abgeschlossen.", "Este pagamento já foi concluído.", "このお支払いはすでに完了しています。"],
    ["Already paid", "Ya pagado", "Déjà payé", "Bereits bezahlt", "Já pago", "支払い済み"],
    ["Payment in progress", "Pago en curso", "Paiement en cours", "Zahlung läuft", "Pagamento em andamento", "お支払い処理中"],
    ["This can take a few seconds.", "Puede tardar unos segundos.", "Cela peut prendre quelques secondes.", "Das kann einige Sekunden dauern.", "Isso pode levar alguns segundos.", "数秒かかる場合があります。"],
    ["This payment link is not valid. Ask for a new one to continue.", "Este enlace de pago no es válido. Pide uno nuevo para continuar.", "Ce lien de paiement n'est pas valide. Demandez-en un nouveau pour continuer.", "Dieser Zahlungslink ist ungültig. Fordern Sie einen neuen an, um fortzufahren.", "Este link de pagamento não é válido. Peça um novo para continuar.", "この支払いリンクは無効です。新しいリンクをご依頼ください。"],
    ["Payment link not valid", "Enlace de pago no válido", "Lien de paiement non valide", "Zahlungslink ungültig", "Link de pagamento inválido", "無効な支払いリンク"],
    ["The payment form could not load. Check your connection and try again.", "No se pudo cargar el formulario de pago. Revisa tu conexión e inténtalo de nuevo.", "Le formulaire de paiement n'a pas pu se charger. Vérifiez votre connexion et réessayez.", "Das Zahlungsformular konnte nicht geladen werden. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.", "Não foi possível carregar o formulário de pagamento. Verifique sua conexão e tente novamente.", "支払いフォームを読み込めませんでした。接続を確認してもう一度お試しください。"],
    ["Something went wrong", "Algo salió mal", "Un problème est survenu", "Etwas ist schiefgelaufen", "Algo deu errado", "問題が発生しました"],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_chain() {
        assert_eq!(LANGS[lang_index("de-CH")], "de");
        assert_eq!(LANGS[lang_index("DE")], "de");
        assert_eq!(LANGS[lang_index("pt-BR")], "pt-BR");
        assert_eq!(LANGS[lang_index("pt-PT")], "pt-BR");
        assert_eq!(LANGS[lang_index("ja-JP")], "ja");
        assert_eq!(LANGS[lang_index("it-IT")], "en");
        assert_eq!(LANGS[lang_index("")], "en");
    }

    #[test]
    fn translation_or_the_text_itself() {
        let de = lang_index("de");
        assert_eq!(tr(de, "Card number"), "Kartennummer");
        assert_eq!(tr(de, "Numéro"), "Numéro");
        assert_eq!(tr(0, "Card number"), "Card number");
    }

    #[test]
    fn every_row_is_filled_and_keys_are_unique() {
        for (i, row) in CATALOG.iter().enumerate() {
            assert!(row.iter().all(|s| !s.is_empty()), "{row:?}");
            assert!(CATALOG[..i].iter().all(|r| r[0] != row[0]), "{}", row[0]);
            // Placeholders survive translation.
            for ph in ["{amount}", "{card}", "{n}"] {
                assert!(
                    row.iter().all(|s| s.contains(ph) == row[0].contains(ph)),
                    "{ph} in {row:?}"
                );
            }
        }
    }
}
