//! `pph`: a terminal shell over the People Powered Health core, with a
//! command for every capability the phones have.
//!
//!   pph tour                                   walk through everything on a temporary store
//!   pph key new FILE                           make a key file
//!   pph --db FILE --key-file KEY <command>     use a real store (or PPH_DB, PPH_KEY=<hex>)
//!
//! Layers, each importing only those below it: `tour` (scenes) → `cmd`
//! (arguments, the work, dispatch) → `render` (how records look) and `web`
//! (the clinic view's local server) → `out`, `ctx`, `parse`, `fail`, `key`.

mod cmd;
mod ctx;
mod erase;
mod fail;
mod key;
mod out;
mod parse;
mod render;
mod tour;
mod web;

use clap::{Parser, Subcommand};
use out::{Mode, Out};
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_STATUSES: &str = "Exit status: 0 done; 1 failure on this machine; 2 refused as given \
(bad argument or value, no key, wrong key); 3 not found; 4 changed meanwhile; 5 not signed in \
or not allowed; 6 try later (offline, too many attempts, store busy).";

#[derive(Parser)]
#[command(
    name = "pph",
    version,
    about = "People Powered Health Companion in a terminal",
    after_help = EXIT_STATUSES
)]
struct Cli {
    /// The encrypted store file (created if absent).
    #[arg(long, global = true, env = "PPH_DB")]
    db: Option<PathBuf>,
    /// A file holding the 64-hex-character key; otherwise PPH_KEY is read.
    #[arg(long, global = true)]
    key_file: Option<PathBuf>,
    /// Results as JSON, one document per line, for scripts.
    #[arg(long, global = true)]
    json: bool,
    /// How this device is named in histories (when the store is first made).
    #[arg(long, global = true, default_value = "pph command line")]
    device_name: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// An end-to-end walk through everything, on a temporary encrypted store.
    Tour,
    /// Key files.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Erase everything this device holds for you: the store, its logs,
    /// clinicians' copies of shared records, and the key file.
    Erase {
        /// Yes, erase it: nothing here can be brought back.
        #[arg(long)]
        yes: bool,
    },
    #[command(flatten)]
    Store(Box<cmd::StoreCommand>),
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Write a new random key to FILE (owner-readable only).
    New { file: PathBuf },
}

/// Runs `pph` with this process's arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Out {
        mode: if cli.json { Mode::Json } else { Mode::Text },
    };
    let result = match cli.command {
        Command::Tour => tour::run(),
        Command::Key {
            command: KeyCommand::New { file },
        } => key::create(&file).map(|()| out.done(&format!("key written to {}", file.display()))),
        Command::Erase { yes } => erase::run(
            ctx::Opened {
                db: cli.db,
                key_file: cli.key_file,
                device_name: cli.device_name,
                out,
            },
            yes,
        ),
        Command::Store(command) => ctx::Ctx::open(ctx::Opened {
            db: cli.db,
            key_file: cli.key_file,
            device_name: cli.device_name,
            out,
        })
        .and_then(|ctx| cmd::run(&ctx, *command)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(fail) => {
            out.fail(&fail);
            fail.exit_code()
        }
    }
}
