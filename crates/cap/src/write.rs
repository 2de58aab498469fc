//! Serializing an [`Alert`] as CAP 1.2 XML (UTF-8, default namespace, elements in XSD order).

use crate::model::{Alert, Area, Info, NamedValue, Resource, CAP_NAMESPACE};

/// The alert as a complete XML document.
pub fn write_alert(alert: &Alert) -> String {
    let mut w = Writer {
        out: String::with_capacity(4096),
        depth: 0,
    };
    w.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    w.out
        .push_str(&format!("<alert xmlns=\"{CAP_NAMESPACE}\">\n"));
    w.depth = 1;
    w.field("identifier", &alert.identifier);
    w.field("sender", &alert.sender);
    w.field("sent", &alert.sent.to_string());
    w.field("status", alert.status.as_str());
    w.field("msgType", alert.msg_type.as_str());
    w.optional("source", &alert.source);
    w.field("scope", alert.scope.as_str());
    w.optional("restriction", &alert.restriction);
    w.optional("addresses", &alert.addresses);
    for code in &alert.codes {
        w.field("code", code);
    }
    w.optional("note", &alert.note);
    if !alert.references.is_empty() {
        let refs: Vec<String> = alert.references.iter().map(ToString::to_string).collect();
        w.field("references", &refs.join(" "));
    }
    w.optional("incidents", &alert.incidents);
    for info in &alert.infos {
        w.info(info);
    }
    w.out.push_str("</alert>\n");
    w.out
}

struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn field(&mut self, name: &str, value: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, value);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn optional(&mut self, name: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.field(name, v);
        }
    }

    fn open(&mut self, name: &str) {
        self.indent();
        self.out.push_str(&format!("<{name}>\n"));
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.out.push_str(&format!("</{name}>\n"));
    }

    fn named_values(&mut self, name: &str, values: &[NamedValue]) {
        for v in values {
            self.open(name);
            self.field("valueName", &v.value_name);
            self.field("value", &v.value);
            self.close(name);
        }
    }

    fn info(&mut self, info: &Info) {
        self.open("info");
        self.field("language", &info.language);
        for c in &info.categories {
            self.field("category", c.as_str());
        }
        self.field("event", &info.event);
        for r in &info.response_types {
            self.field("responseType", r.as_str());
        }
        self.field("urgency", info.urgency.as_str());
        self.field("severity", info.severity.as_str());
        self.field("certainty", info.certainty.as_str());
        self.optional("audience", &info.audience);
        self.named_values("eventCode", &info.event_codes);
        for (name, time) in [
            ("effective", info.effective),
            ("onset", info.onset),
            ("expires", info.expires),
        ] {
            if let Some(t) = time {
                self.field(name, &t.to_string());
            }
        }
        self.optional("senderName", &info.sender_name);
        self.optional("headline", &info.headline);
        self.optional("description", &info.description);
        self.optional("instruction", &info.instruction);
        self.optional("web", &info.web);
        self.optional("contact", &info.contact);
        self.named_values("parameter", &info.parameters);
        for r in &info.resources {
            self.resource(r);
        }
        for a in &info.areas {
            self.area(a);
        }
        self.close("info");
    }

    fn resource(&mut self, r: &Resource) {
        self.open("resource");
        self.field("resourceDesc", &r.resource_desc);
        self.field("mimeType", &r.mime_type);
        if let Some(size) = r.size {
            self.field("size", &size.to_string());
        }
        self.optional("uri", &r.uri);
        self.optional("derefUri", &r.deref_uri);
        self.optional("digest", &r.digest);
        self.close("resource");
    }

    fn area(&mut self, a: &Area) {
        self.open("area");
        self.field("areaDesc", &a.area_desc);
        for p in &a.polygons {
            self.field("polygon", &p.to_string());
        }
        for c in &a.circles {
            self.field("circle", &c.to_string());
        }
        self.named_values("geocode", &a.geocodes);
        self.optional("altitude", &a.altitude);
        self.optional("ceiling", &a.ceiling);
        self.close("area");
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A literal CR would be normalized away by any reader; keep it as a reference.
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{validate, ReadOptions};

    #[test]
    fn every_valid_corpus_alert_survives_a_write_and_read_round_trip() {
        let dir = std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/cap/valid"
        ));
        let dir = std::env::var_os("YINGJI_SHARED_DIR")
            .map(|d| std::path::PathBuf::from(d).join("data/cap/valid"))
            .unwrap_or(dir);
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let report = validate(&bytes, &ReadOptions::default());
            let original = report.valid_alerts().next().unwrap().clone();
            let written = super::write_alert(&original);
            let reread = validate(written.as_bytes(), &ReadOptions::default());
            assert!(reread.is_valid(), "{reread}\n{written}");
            assert_eq!(reread.valid_alerts().next().unwrap(), &original);
            checked += 1;
        }
        assert!(checked > 10);
    }
}
