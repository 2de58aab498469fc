//! `yingji user …`: accounts, and the demo's ready-made ones.

use crate::config::ServerArgs;
use anyhow::{bail, Context};
use clap::Subcommand;
use std::io::BufRead;
use std::process::ExitCode;
use yingji_domain::{Jurisdiction, Principal, Role, TownCode};
use yingji_server::auth::hash_password;
use yingji_store::{NewUser, Store};

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an account. The password is read from the first line of standard input.
    Add {
        #[command(flatten)]
        server: ServerArgs,
        username: String,
        /// One or more of: admin, duty_officer, town_officer, info_officer, enterprise_user, approver, sensor_feeder, public
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// The town (9-digit NBS code) a town-level account is limited to; omit for district-wide
        #[arg(long)]
        town: Option<String>,
        /// Name shown in the UI
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List accounts
    List(ServerArgs),
}

pub async fn run(command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Add {
            server,
            username,
            roles,
            town,
            display_name,
        } => {
            let roles = roles
                .iter()
                .map(|r| Role::parse("role", r))
                .collect::<Result<Vec<_>, _>>()?;
            let jurisdiction = match town {
                Some(code) => Jurisdiction::Town(TownCode::parse("town", &code)?),
                None => Jurisdiction::District,
            };
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.chars().count() < 8 {
                bail!("the password must have at least 8 characters");
            }
            let store = crate::open(&server.resolve()?).await?;
            let display_name = display_name.unwrap_or_else(|| username.clone());
            add(
                store.as_ref(),
                &username,
                &display_name,
                password,
                roles,
                jurisdiction,
            )
            .await?;
            println!("added user {username}");
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List(server) => {
            let store = crate::open(&server.resolve()?).await?;
            for user in store.list_users().await? {
                let roles: Vec<_> = user.roles.iter().map(|r| r.tag()).collect();
                println!(
                    "{}\t{}\t{}\t{:?}",
                    user.username,
                    user.display_name,
                    roles.join(","),
                    user.jurisdiction
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn add(
    store: &dyn Store,
    username: &str,
    display_name: &str,
    password: &str,
    roles: Vec<Role>,
    jurisdiction: Jurisdiction,
) -> anyhow::Result<()> {
    let hash = hash_password(password).map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    let user = NewUser {
        id: format!("user-{username}"),
        username: username.to_string(),
        display_name: display_name.to_string(),
        password_hash: hash,
        roles,
        jurisdiction,
    };
    store
        .create_user(&Principal::system("cli"), user, chrono::Utc::now())
        .await?;
    Ok(())
}

/// A ready-made demo account. Demo only: the passwords are printed on start.
struct DemoAccount {
    username: &'static str,
    password: &'static str,
    display_name: &'static str,
    roles: &'static [Role],
    town: Option<&'static str>,
}

const fn demo(
    username: &'static str,
    password: &'static str,
    display_name: &'static str,
    roles: &'static [Role],
    town: Option<&'static str>,
) -> DemoAccount {
    DemoAccount {
        username,
        password,
        display_name,
        roles,
        town,
    }
}

const DEMO_ACCOUNTS: &[DemoAccount] = &[
    demo(
        "duty",
        "yingji-duty",
        "区应急局值班员",
        &[Role::DutyOfficer, Role::Admin],
        None,
    ),
    demo(
        "approver",
        "yingji-approver",
        "预警审核员",
        &[Role::DutyOfficer, Role::Approver],
        None,
    ),
    demo(
        "town",
        "yingji-town",
        "渔阳镇应急中心",
        &[Role::TownOfficer],
        Some("120119100"),
    ),
    demo(
        "officer",
        "yingji-officer",
        "渔阳镇灾情信息员",
        &[Role::InfoOfficer],
        Some("120119100"),
    ),
    demo(
        "gateway",
        "yingji-gateway",
        "传感网关",
        &[Role::SensorFeeder],
        None,
    ),
];

pub async fn ensure_demo_accounts(store: &dyn Store) -> anyhow::Result<()> {
    for account in DEMO_ACCOUNTS {
        if store.find_user(account.username).await?.is_some() {
            continue;
        }
        let jurisdiction = match account.town {
            Some(code) => Jurisdiction::Town(TownCode::parse("town", code)?),
            None => Jurisdiction::District,
        };
        let name = account.display_name;
        let roles = account.roles.to_vec();
        add(
            store,
            account.username,
            name,
            account.password,
            roles,
            jurisdiction,
        )
        .await?;
    }
    Ok(())
}

pub fn print_demo_accounts() {
    println!("demo accounts (演示账号):");
    for a in DEMO_ACCOUNTS {
        println!(
            "  {:<10} password {:<18} {}",
            a.username, a.password, a.display_name
        );
    }
}
