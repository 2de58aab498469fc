//! Serves the UI over the test harness's server (county dataset, accounts duty/admin/…
//! with password `yingji_server::testing::PASSWORD`) for working on `web/` by hand:
//! `cargo run -p yingji-web --example serve`, then open the printed address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[tokio::main]
async fn main() {
    let servers = yingji_server::testing::servers_with(|state| async move {
        vec![yingji_web::mount(&state).await.unwrap()]
    })
    .await;
    let server = servers.first().expect("the SQLite server");
    println!("{}", server.base);
    tokio::signal::ctrl_c().await.unwrap();
}
