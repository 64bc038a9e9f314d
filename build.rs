// Migrations are embedded by `sqlx::migrate!()`; rebuild when one is added or changed.
//
// Release builds for x86_64 Linux (glibc) also pass two rust-lld options for a smaller resident
// executable (README, Performance): `--symbol-ordering-file tools/code-order.txt` puts the
// functions start-up and requests run next to each other (tools/code_order.py writes the list),
// and `-z pack-relative-relocs` shrinks the ~20,000 relative relocations the loader reads at
// start from 470 KB to 5 KB. rust-lld is rustc's default linker there since 1.90 (Cargo.toml
// asks for 1.94); a build that names its own linker or link options keeps its linker's
// defaults, and TENANTSIM_NO_CODE_ORDER=1 turns both off.
//
// The in-memory database's images (src/store/schema_image.rs) are kept deflated (9 KB instead
// of 330) and inflated here into OUT_DIR, so start-up reads them in place.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    for image in ["schema.db", "default-tenant.db"] {
        let deflated = format!("src/store/{image}.deflate");
        println!("cargo:rerun-if-changed={deflated}");
        // An image missing or not inflating becomes an empty one: start-up then builds the
        // database itself, and the schema tests name the file to make again.
        let inflated = std::fs::read(&deflated)
            .ok()
            .and_then(|bytes| miniz_oxide::inflate::decompress_to_vec(&bytes).ok())
            .unwrap_or_default();
        std::fs::write(out.join(image), inflated).expect("writing a database image to OUT_DIR");
    }
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
