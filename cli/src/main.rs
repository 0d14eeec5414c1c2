//! `pph`: a terminal shell over the People Powered Health core.
//!
//!   pph tour                                   walk through everything on a temporary store
//!   pph key new FILE                           make a key file
//!   pph --db FILE --key-file KEY plan ...      use a real store (or PPH_KEY=<hex>)

mod commands;
mod key;
mod render;
mod tour;
mod tour_budget;
mod tour_diary;
mod tour_groups;
mod tour_sync;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "pph",
    version,
    about = "People Powered Health Companion in a terminal"
)]
struct Cli {
    /// The encrypted store file (created if absent).
    #[arg(long, global = true, env = "PPH_DB")]
    db: Option<PathBuf>,
    /// A file holding the 64-hex-character key; otherwise PPH_KEY is read.
    #[arg(long, global = true)]
    key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// An end-to-end walk through everything built so far, on a temporary encrypted store.
    Tour,
    /// Key files.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    #[command(flatten)]
    Store(commands::StoreCommand),
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Write a new random key to FILE (owner-readable only).
    New { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Tour => tour::run(),
        Command::Key {
            command: KeyCommand::New { file },
        } => key::create(&file).map(|()| println!("key written to {}", file.display())),
        Command::Store(command) => commands::run(cli.db, cli.key_file, command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pph: {message}");
            ExitCode::from(2)
        }
    }
}
