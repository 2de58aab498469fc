//! Rules in a drill. A drill plays its sensor series into *shadow* datastreams of its own
//! (so that drill observations never mix with the county's records), and the rules in force
//! are copied onto them: same conditions, same thresholds, re-pointed at the shadows. A copy's
//! id lives in the drill's namespace, `<drill id>:<original id>`, so every warning and fault it
//! raises says which drill it belongs to, in storage and on the wire, without a lookup.

use std::collections::HashMap;

use crate::observation::DatastreamId;
use crate::rule::{Rule, RuleId, Subject};

/// Drill ids, and so the rule ids of their copies, begin with this. The rules API refuses
/// it for the county's own rules.
pub const DRILL_PREFIX: &str = "drill-";

const DATASTREAM_SUBJECT: &str = "datastream:";

impl RuleId {
    /// The drill this rule copy belongs to; `None` for the county's own rules.
    pub fn drill(&self) -> Option<&str> {
        let id = self.as_str();
        if !id.starts_with(DRILL_PREFIX) {
            return None;
        }
        id.split_once(':').map(|(drill, _)| drill)
    }
}

impl Rule {
    /// This rule's copy for `drill`, reading the shadows of its datastreams
    /// (`shadows`: county datastream → the drill's shadow). `None` when the drill does not
    /// shadow every datastream the rule reads: a copy fed half by drill data and half by
    /// nothing would judge the drill on inputs it never played.
    pub fn for_drill(
        &self,
        drill: &str,
        shadows: &HashMap<DatastreamId, DatastreamId>,
    ) -> Option<Rule> {
        if !drill.starts_with(DRILL_PREFIX) || drill.contains(':') {
            return None;
        }
        let mut copy = self.clone();
        for input in copy.condition.datastreams_mut() {
            *input = *shadows.get(input)?;
        }
        copy.id = RuleId::parse(format!("{drill}:{}", self.id)).ok()?;
        if let Some(own) = self
            .subject
            .0
            .strip_prefix(DATASTREAM_SUBJECT)
            .and_then(|id| id.parse().ok())
            .and_then(|id| shadows.get(&DatastreamId(id)))
        {
            copy.subject = Subject(format!("{DATASTREAM_SUBJECT}{own}"));
        }
        Some(copy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defaults::{default_rules_for, SensorProfile};

    fn shadows(pairs: &[(u64, u64)]) -> HashMap<DatastreamId, DatastreamId> {
        pairs
            .iter()
            .map(|&(from, to)| (DatastreamId(from), DatastreamId(to)))
            .collect()
    }

    #[test]
    fn a_copy_reads_the_shadow_and_names_its_drill() {
        let rules = default_rules_for(&SensorProfile::RainGauge {
            datastream: DatastreamId(17),
        })
        .unwrap();
        let map = shadows(&[(17, 901)]);
        for rule in &rules {
            let copy = rule
                .for_drill("drill-00ab", &map)
                .expect("every input shadowed");
            assert_eq!(copy.datastreams(), vec![DatastreamId(901)]);
            assert_eq!(copy.id.drill(), Some("drill-00ab"));
            assert_eq!(copy.id.as_str(), format!("drill-00ab:{}", rule.id));
            assert_eq!(copy.subject.0, "datastream:901");
            assert_eq!(copy.condition.clone().datastreams_mut().len(), 1);
            copy.validate().unwrap();
            assert_eq!(rule.id.drill(), None);
        }
    }

    #[test]
    fn a_rule_with_an_unshadowed_input_has_no_copy() {
        let mut rule = default_rules_for(&SensorProfile::RainGauge {
            datastream: DatastreamId(17),
        })
        .unwrap()[0]
            .clone();
        if let Some(first) = rule.condition.datastreams_mut().into_iter().next() {
            *first = DatastreamId(18);
        }
        assert!(rule.for_drill("drill-1", &shadows(&[(17, 901)])).is_none());
    }

    #[test]
    fn only_drill_ids_make_copies() {
        let rule = default_rules_for(&SensorProfile::RainGauge {
            datastream: DatastreamId(17),
        })
        .unwrap()[0]
            .clone();
        let map = shadows(&[(17, 901)]);
        assert!(rule.for_drill("exercise", &map).is_none());
        assert!(rule.for_drill("drill-a:b", &map).is_none());
        assert_eq!(RuleId::parse("drill-x").unwrap().drill(), None);
    }
}
