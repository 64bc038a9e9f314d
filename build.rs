// Migrations are embedded by `sqlx::migrate!()`; rebuild when one is added or changed.
//
// Release builds for x86_64 Linux (glibc) also pass two rust-lld options for a smaller resident
// executable (README, Performance): `--symbol-ordering-file tools/code-order.txt` puts the
// functions start-up and requests run next to each other (tools/code_order.py writes the list),
// and `-z pack-relative-relocs` shrinks the ~20,000 relative relocations the loader reads at
// start from 470 KB to 5 KB. rust-lld is rustc's default linker there since 1.90 (Cargo.toml
// asks for 1.94); a build that names its own linker or link options keeps its linker's
// defaults, and TENANTSIM_NO_CODE_ORDER=1 turns both off.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=tools/code-order.txt");
    println!("cargo:rerun-if-env-changed=TENANTSIM_NO_CODE_ORDER");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let default_lld_target = var("CARGO_CFG_TARGET_ARCH") == "x86_64"
        && var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu";
    let own_linker = std::env::var_os("RUSTC_LINKER").is_some()
        || var("CARGO_ENCODED_RUSTFLAGS").contains("link");
    if var("PROFILE") == "release"
        && default_lld_target
        && !own_linker
        && var("TENANTSIM_NO_CODE_ORDER").is_empty()
    {
        let order = format!("{}/tools/code-order.txt", var("CARGO_MANIFEST_DIR"));
        for arg in [
            format!("--symbol-ordering-file={order}"),
            "--no-warn-symbol-ordering".to_owned(),
            "-z,pack-relative-relocs".to_owned(),
        ] {
            println!("cargo:rustc-link-arg-bin=tenantsim=-Wl,{arg}");
        }
    }
}
