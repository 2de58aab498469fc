//! What the machine was doing during a run: CPU time of the server and load-generator
//! processes (from /proc, Linux) and the load average, so a figure can be read against the
//! share of the 2 shared cores it actually got.

use std::time::Duration;

/// Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`; 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// User + system CPU time of a process so far, or zero where /proc is unavailable.
pub fn cpu_time(pid: u32) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // The command name (field 2) may contain spaces; fields after it are space-separated,
    // utime and stime being fields 14 and 15 of the whole line.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Duration::from_secs_f64((ticks(11) + ticks(12)) / TICKS_PER_SECOND)
}

/// The 1-minute load average, or NaN where /proc is unavailable.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// CPU used by the server and by this (load-generating) process over one run.
pub struct CpuMeter {
    server_pid: u32,
    server_start: Duration,
    load_start: Duration,
    pub load_average_before: f64,
}

pub struct CpuUse {
    pub server: Duration,
    pub load_generator: Duration,
    pub load_average_before: f64,
    pub load_average_after: f64,
}

impl CpuMeter {
    pub fn start(server_pid: u32) -> CpuMeter {
        CpuMeter {
            server_pid,
            server_start: cpu_time(server_pid),
            load_start: cpu_time(std::process::id()),
            load_average_before: load_average(),
        }
    }

    pub fn stop(&self) -> CpuUse {
        CpuUse {
            server: cpu_time(self.server_pid).saturating_sub(self.server_start),
            load_generator: cpu_time(std::process::id()).saturating_sub(self.load_start),
            load_average_before: self.load_average_before,
            load_average_after: load_average(),
        }
    }
}
