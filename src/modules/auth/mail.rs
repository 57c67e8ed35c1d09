//! Outgoing mail: through SMTP (lettre) when `smtp_url` is set, otherwise written to
//! `data_dir/outbox/` as `.eml` files, so that an embedded instance needs no mail server. The
//! log names the message and its file, never the link inside it.

use std::path::PathBuf;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::Settings;

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox {
        files: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

/// A message to one person.
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: String,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let from: Mailbox = settings.accounts.mail_from.parse().map_err(|e| {
            anyhow::anyhow!(
                "key `mail_from`: `{}` is not a mailbox: {e}",
                settings.accounts.mail_from
            )
        })?;
        let transport = match &settings.accounts.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| anyhow::anyhow!("key `smtp_url` is not usable: {e}"))?
                    .build(),
            ),
            None => {
                let dir = settings.storage.data_dir.join("outbox");
                std::fs::create_dir_all(&dir)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
                Transport::Outbox {
                    files: AsyncFileTransport::new(&dir),
                    dir,
                }
            }
        };
        Ok(Self { transport, from })
    }

    pub async fn send(&self, mail: Mail<'_>) -> anyhow::Result<()> {
        let to: Mailbox = mail.to.parse()?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
                tracing::info!(subject = mail.subject, "mail sent over SMTP");
            }
            Transport::Outbox { files, dir } => {
                let id = files.send(message).await?;
                let file = dir.join(format!("{id}.eml"));
                tracing::info!(subject = mail.subject, file = %file.display(), "mail written to the outbox");
            }
        }
        Ok(())
    }
}
