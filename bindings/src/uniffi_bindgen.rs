//! uniffi-bindgen, pinned to the workspace's uniffi version. Use library mode:
//! `uniffi-bindgen generate --library libpph_ffi.so --language kotlin --out-dir OUT`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
