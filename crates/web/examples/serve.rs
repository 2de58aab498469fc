//! Serves the UI over the test harness's server (county dataset, accounts duty/admin/…
//! with password `yingji_server::testing::PASSWORD`) for working on `web/` by hand:
//! `cargo run -p yingji-web --example serve`, then open the printed address. Every capability
//! module the UI talks to is mounted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[tokio::main]
async fn main() {
    let servers = yingji_server::testing::servers_with(|state| async move {
        vec![
            yingji_web::mount(&state).await.unwrap(),
            yingji_cap_api::mount(&state).await.unwrap(),
            yingji_routing_api::mount(&state).await.unwrap(),
            yingji_incidents_api::mount(&state).await.unwrap(),
            yingji_monitoring_api::mount(&state).await.unwrap(),
        ]
    })
    .await;
    let server = servers.first().expect("the SQLite server");
    println!("{}", server.base);
    tokio::signal::ctrl_c().await.unwrap();
}
