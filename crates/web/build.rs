//! Rebuilds this crate when `web/dist` changes: in release builds rust-embed compiles the
//! files in, and a fresh `npm run build` (new hashed file names) must reach the binary.
//! Cargo scans a directory given to `rerun-if-changed` recursively; while `web/dist` does not
//! exist the check always reruns, which costs only this small crate's rebuild.
fn main() {
    println!("cargo:rerun-if-changed=../../web/dist");
}
