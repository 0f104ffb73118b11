//! `uniffi-bindgen`: writes the Kotlin and Swift sources of `teho-uniffi` from the
//! compiled library (`generate --library target/debug/libteho_uniffi.so`).
fn main() {
    uniffi::uniffi_bindgen_main()
}
