//! `admin create-user` and `admin grant`: how the operator makes the first admin;
//! `admin set-plan`: a plan given by hand (billing off, or a complimentary account).

use std::io::BufRead;
use std::process::ExitCode;

use secrecy::SecretString;

use super::CommandResult;
use crate::cli::AdminCommand;
use crate::config::Settings;
use crate::modules;
use crate::modules::auth::model::Role;
use crate::modules::auth::service;
use crate::state::AppState;

pub async fn admin(settings: Settings, command: AdminCommand) -> CommandResult {
    let state = AppState::build(settings, modules::ALL).await?;
    match command {
        AdminCommand::CreateUser {
            email,
            name,
            admin,
            password_stdin,
        } => {
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let role = if admin { Role::Admin } else { Role::User };
            let (user, link) =
                service::create_account(&state, &email, name.as_deref(), role, password.as_ref())
                    .await?;
            let role = if admin { "admin" } else { "user" };
            println!("created {} ({role}, id {})", user.email, user.id);
            if let Some(link) = link {
                println!("choose its password within an hour at {link}");
            }
        }
        AdminCommand::Grant { email } => {
            let user = service::grant_admin(&state, &email).await?;
            println!("{} is now an admin", user.email);
        }
        AdminCommand::SetPlan { email, plan } => {
            match modules::payments::service::set_plan(&state, &email, &plan).await? {
                Some(plan) => println!("{email} is now on the {plan} plan"),
                None => println!("{email} is back on the plan its subscription gives"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The first line of standard input, without its line ending.
fn read_password() -> anyhow::Result<SecretString> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(SecretString::from(
        line.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}
