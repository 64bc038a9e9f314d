//! The `tenantsim` binary: parse the command line and run it.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = tenantsim::cli::Cli::parse();
    match tenantsim::cli::run(cli).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("tenantsim: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
