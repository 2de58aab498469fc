//! MQTT ingest (one Observation per message, QoS 1, PUBACK after commit) against the rate at
//! which the same broker delivers the same messages to a bare rumqttc subscriber, measured in
//! the same run just before. Needs the broker of YINGJI_TEST_MQTT (default
//! mqtt://127.0.0.1:1883), configured as scripts/services.sh leaves it (Mosquitto's default
//! queue of 1,000 messages per client drops most of a burst this size).
//! Run: `cargo bench -p yingji-monitoring-api --bench mqtt`.
//!
//! Every phase has a deadline and reports what it counted, so a phase that loses messages
//! says how many instead of hanging: published = PUBACKs the publisher got from the broker,
//! received = messages that reached the subscriber, and for yingji stored = rows committed.

mod support;

use chrono::Utc;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use yingji_domain::time::rfc3339;

const MESSAGES: usize = 150_000;
/// Longest a phase may run from its first publish before it is cut off and reported.
const DEADLINE: Duration = Duration::from_secs(40);
/// A phase also ends once its count has stood still this long after the broker acknowledged
/// the last publication: what has not arrived by then was dropped.
const QUIET: Duration = Duration::from_secs(3);
/// The per-datastream limit is a defence against one broken sensor; one bench publisher
/// plays every gauge at thousands of messages per second, so it is lifted here.
const UNLIMITED: f64 = 1e9;
/// The bare subscribers take what yingji subscribes to.
const TOPICS: &str = "v1.1/#";

#[tokio::main]
async fn main() {
    let (url, host, port) = support::broker().await;
    for (server, monitoring) in support::servers().await {
        let feeder = server.token("feeder").await;
        let streams = support::rain_gauges(&server, &feeder).await;
        let messages = messages(&streams);
        let backend = server.backend;

        let bare = bare_v3(&host, port).await;
        let v3 = measure(&host, port, "bench-bare3-pub", &messages, || bare.count()).await;
        bare.stop();
        report(backend, "bare subscriber, MQTT 3.1.1", &v3, None);

        let bare = bare_v5(&host, port).await;
        let v5 = measure(&host, port, "bench-bare5-pub", &messages, || bare.count()).await;
        bare.stop();
        report(backend, "bare subscriber, MQTT 5", &v5, None);

        let ingest =
            yingji_monitoring_api::mqtt::start(monitoring.clone(), &url, UNLIMITED).unwrap();
        subscribed(&server, &host, port, &messages[0]).await;
        let before = support::last_id(&server).await;
        let counts_before = ingest.counts();
        let yingji = measure(&host, port, "bench-mqtt-ingest", &messages, || {
            let server = &server;
            async move { support::stored_since(server, before).await as u64 }
        })
        .await;
        let counts = ingest.counts();
        ingest.end_session().await;
        let received = counts.received - counts_before.received;
        report(backend, "yingji ingest (stored)", &yingji, Some(received));
        println!(
            "{backend:<8} yingji: acknowledged {}, refused {}, failed {}",
            counts.stored - counts_before.stored,
            counts.rejected - counts_before.rejected,
            counts.failed - counts_before.failed
        );
        let baseline = v3.rate().max(v5.rate());
        println!(
            "{backend:<8} ratio: yingji {:.0} obs/s = {:.0} % of the faster bare subscriber ({:.0} msg/s); target >= 80 %",
            yingji.rate(),
            100.0 * yingji.rate() / baseline,
            baseline
        );
    }
}

/// One Observation per message over the gauges, prepared before timing: every phase sends
/// exactly these.
fn messages(streams: &[i64]) -> Vec<(String, String)> {
    let start = Utc::now() - chrono::Duration::days(2);
    (0..MESSAGES)
        .map(|i| {
            let ds = streams[i % streams.len()];
            let at = start + chrono::Duration::milliseconds(i as i64);
            (
                format!("v1.1/Datastreams({ds})/Observations"),
                format!(r#"{{"phenomenonTime":"{}","result":0.0}}"#, rfc3339(at)),
            )
        })
        .collect()
}

/// What one phase counted.
struct Phase {
    /// Publications the broker acknowledged.
    published: u64,
    /// What the phase's counter reached (messages received, or rows stored).
    counted: u64,
    /// From the first publish to the last time the count moved.
    secs: f64,
    /// Cut off by [`DEADLINE`] rather than complete or quiet.
    timed_out: bool,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.counted as f64 / self.secs.max(f64::EPSILON)
    }
}

fn report(backend: &str, what: &str, phase: &Phase, received: Option<u64>) {
    let received = received.map_or(String::new(), |r| format!(", received {r}"));
    println!(
        "{backend:<8} {what:<28} {:>7.0}/s: published {}{received}, counted {}, dropped {} in {:.2} s{}",
        phase.rate(),
        phase.published,
        phase.counted,
        phase.published.saturating_sub(phase.counted),
        phase.secs,
        if phase.timed_out { " (DEADLINE)" } else { "" }
    );
}

/// Publishes `messages` from a fresh publisher while polling `count`, until the count reaches
/// every message, stands still for [`QUIET`] after the broker acknowledged the last
/// publication, or [`DEADLINE`] passes.
async fn measure<F, Fut>(
    host: &str,
    port: u16,
    name: &str,
    messages: &[(String, String)],
    mut count: F,
) -> Phase
where
    F: FnMut() -> Fut,
    Fut: Future<Output = u64>,
{
    let publisher = support::publisher(host, port, name);
    let acked = publisher.acked.clone();
    let batch: Vec<(String, String)> = messages.to_vec();
    let began = Instant::now();
    let publishing = tokio::spawn(async move {
        for (topic, payload) in batch {
            support::publish(&publisher, &topic, payload).await;
        }
        publisher
    });
    let total = messages.len() as u64;
    let (mut counted, mut moved) = (0, began);
    let mut all_acked: Option<Instant> = None;
    let timed_out = loop {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let now = count().await;
        if now != counted {
            (counted, moved) = (now, Instant::now());
        }
        if all_acked.is_none() && acked.load(Ordering::Relaxed) >= total {
            all_acked = Some(Instant::now());
        }
        if counted >= total {
            break false;
        }
        if all_acked.is_some_and(|at| at.max(moved).elapsed() >= QUIET) {
            break false;
        }
        if began.elapsed() >= DEADLINE {
            break true;
        }
    };
    // The count can reach every message before the last PUBACKs are back at the publisher.
    let settle = Instant::now() + Duration::from_secs(2);
    while !timed_out && acked.load(Ordering::Relaxed) < total && Instant::now() < settle {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let published = acked.load(Ordering::Relaxed);
    // Still running only if the broker stopped taking messages; either way the publisher
    // (and its connection) goes with the task.
    publishing.abort();
    Phase {
        published,
        counted,
        secs: moved.duration_since(began).as_secs_f64(),
        timed_out,
    }
}

/// A bare subscriber counting the publications it receives; [`Bare::stop`] closes it.
struct Bare {
    received: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Bare {
    fn count(&self) -> impl Future<Output = u64> {
        let received = self.received.clone();
        async move { received.load(Ordering::Relaxed) }
    }

    fn stop(self) {
        self.task.abort(); // drops the event loop, and with it the connection
    }
}

/// MQTT 3.1.1 (rumqttc acknowledges each message at once).
async fn bare_v3(host: &str, port: u16) -> Bare {
    use rumqttc::{AsyncClient, MqttOptions, QoS};
    let mut options = MqttOptions::new(format!("bench-bare3-{}", std::process::id()), host, port);
    options.set_keep_alive(Duration::from_secs(30));
    let (client, eventloop) = AsyncClient::new(options, 1000);
    client.subscribe(TOPICS, QoS::AtLeastOnce).await.unwrap();
    counting(eventloop, client).await
}

/// MQTT 5 with yingji's Receive Maximum, as yingji's own session.
async fn bare_v5(host: &str, port: u16) -> Bare {
    use rumqttc::v5::mqttbytes::QoS;
    use rumqttc::v5::{AsyncClient, MqttOptions};
    let mut options = MqttOptions::new(format!("bench-bare5-{}", std::process::id()), host, port);
    options.set_keep_alive(Duration::from_secs(30));
    options.set_receive_maximum(Some(yingji_monitoring_api::mqtt::RECEIVE_MAXIMUM));
    let (client, eventloop) = AsyncClient::new(options, 1000);
    client.subscribe(TOPICS, QoS::AtLeastOnce).await.unwrap();
    counting(eventloop, client).await
}

/// What the bench tells apart among a subscriber's incoming events.
enum Incoming {
    SubAck,
    Publish,
    Other,
}

/// The one thing the bench needs from either rumqttc event loop (3.1.1 and 5 are separate
/// types with the same shape).
trait EventSource: Send + 'static {
    fn next(&mut self) -> impl Future<Output = Incoming> + Send;
}

impl EventSource for rumqttc::EventLoop {
    async fn next(&mut self) -> Incoming {
        use rumqttc::{Event::Incoming as In, Packet};
        match self.poll().await {
            Ok(In(Packet::SubAck(_))) => Incoming::SubAck,
            Ok(In(Packet::Publish(_))) => Incoming::Publish,
            Ok(_) => Incoming::Other,
            Err(e) => panic!("bare subscriber: {e}"),
        }
    }
}

impl EventSource for rumqttc::v5::EventLoop {
    async fn next(&mut self) -> Incoming {
        use rumqttc::v5::{mqttbytes::v5::Packet, Event::Incoming as In};
        match self.poll().await {
            Ok(In(Packet::SubAck(_))) => Incoming::SubAck,
            Ok(In(Packet::Publish(_))) => Incoming::Publish,
            Ok(_) => Incoming::Other,
            Err(e) => panic!("bare subscriber: {e}"),
        }
    }
}

/// Waits for the SUBACK, then counts publications in the background. `client` is kept as
/// long as the loop runs: dropping it would end the session.
async fn counting(mut events: impl EventSource, client: impl Send + 'static) -> Bare {
    while !matches!(events.next().await, Incoming::SubAck) {}
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let task = tokio::spawn(async move {
        let _client = client;
        loop {
            if let Incoming::Publish = events.next().await {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    Bare { received, task }
}

/// Waits until yingji's fresh session is subscribed (a probe is stored), then until the
/// probes still in flight have settled, so that none of them counts in the measured phase.
async fn subscribed(
    server: &yingji_server::testing::TestServer,
    host: &str,
    port: u16,
    (topic, probe): &(String, String),
) {
    let prober = support::publisher(host, port, "bench-mqtt-probe");
    let before = support::last_id(server).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while support::stored_since(server, before).await < 1 {
        assert!(Instant::now() < deadline, "yingji never subscribed");
        support::publish(&prober, topic, probe.clone()).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
}
