//! Emergency plans (应急预案) as data: for each response level I–IV, the actions each
//! department or team must take. Activating a plan at a level turns that level's actions
//! into tasks with an owner and a status.

use yingji_domain::incident::{IncidentType, Severity};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    /// Stable identifier, e.g. `flood-geohazard`.
    pub id: String,
    pub name: String,
    /// Incident sub-type tags (see `yingji_domain::incident::SUBTYPES`) the plan covers.
    pub incident_types: Vec<String>,
    /// Where the structure of the plan comes from.
    pub source: String,
    pub levels: Vec<PlanLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanLevel {
    /// `I` … `IV`.
    pub level: String,
    /// When this level is started (启动条件).
    pub condition: String,
    /// Who leads the response at this level.
    pub commander: String,
    pub actions: Vec<PlanAction>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanAction {
    /// The department or team responsible (责任单位).
    pub owner: String,
    pub action: String,
}

/// A task created by activating a plan, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TaskDraft {
    pub plan_id: String,
    pub level: String,
    pub owner: String,
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("plan file {file}: {reason}")]
    Parse { file: String, reason: String },
    #[error("plan {plan}: {field}: {reason}")]
    Invalid {
        plan: String,
        field: String,
        reason: String,
    },
    #[error("plan {plan} has no response level {level}")]
    NoSuchLevel { plan: String, level: String },
    #[error("plan {plan} does not cover incidents of type {subtype}")]
    WrongType { plan: String, subtype: String },
}

impl Plan {
    /// Reads and checks one plan file: every incident type known, every level I–IV present
    /// exactly once with at least one action, no empty owner or action.
    pub fn from_toml(file: &str, text: &str) -> Result<Plan, PlanError> {
        let plan: Plan = toml::from_str(text).map_err(|e| PlanError::Parse {
            file: file.to_string(),
            reason: e.to_string(),
        })?;
        plan.check()?;
        Ok(plan)
    }

    fn check(&self) -> Result<(), PlanError> {
        let invalid = |field: String, reason: &str| PlanError::Invalid {
            plan: self.id.clone(),
            field,
            reason: reason.to_string(),
        };
        for (i, tag) in self.incident_types.iter().enumerate() {
            IncidentType::parse("", tag)
                .map_err(|e| invalid(format!("incident_types[{i}]"), &e.message))?;
        }
        for wanted in ["I", "II", "III", "IV"] {
            let count = self.levels.iter().filter(|l| l.level == wanted).count();
            if count != 1 {
                return Err(invalid(
                    "levels".into(),
                    &format!("level {wanted} appears {count} times; it must appear once"),
                ));
            }
        }
        for (i, level) in self.levels.iter().enumerate() {
            Severity::parse("", &level.level)
                .map_err(|e| invalid(format!("levels[{i}].level"), &e.message))?;
            if level.actions.is_empty() {
                return Err(invalid(
                    format!("levels[{i}].actions"),
                    "a level needs at least one action",
                ));
            }
            for (j, action) in level.actions.iter().enumerate() {
                if action.owner.trim().is_empty() || action.action.trim().is_empty() {
                    return Err(invalid(
                        format!("levels[{i}].actions[{j}]"),
                        "owner and action must not be empty",
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn covers(&self, subtype: &str) -> bool {
        self.incident_types.iter().any(|t| t == subtype)
    }

    pub fn level(&self, severity: Severity) -> Option<&PlanLevel> {
        let tag = severity_tag(severity);
        self.levels.iter().find(|l| l.level == tag)
    }

    /// The tasks that activating this plan at `severity` for an incident of `subtype`
    /// creates: one per action of that level, in the plan's order.
    pub fn activate(&self, subtype: &str, severity: Severity) -> Result<Vec<TaskDraft>, PlanError> {
        if !self.covers(subtype) {
            return Err(PlanError::WrongType {
                plan: self.id.clone(),
                subtype: subtype.to_string(),
            });
        }
        let level = self.level(severity).ok_or_else(|| PlanError::NoSuchLevel {
            plan: self.id.clone(),
            level: severity_tag(severity).to_string(),
        })?;
        Ok(level
            .actions
            .iter()
            .map(|a| TaskDraft {
                plan_id: self.id.clone(),
                level: level.level.clone(),
                owner: a.owner.clone(),
                action: a.action.clone(),
            })
            .collect())
    }
}

pub fn severity_tag(severity: Severity) -> &'static str {
    match severity {
        Severity::I => "I",
        Severity::II => "II",
        Severity::III => "III",
        Severity::IV => "IV",
    }
}

/// Where a plan task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Pending,
    InProgress,
    Done,
}

impl TaskStatus {
    pub fn tag(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InProgress => "in_progress",
            Self::Done => "done",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Pending, Self::InProgress, Self::Done]
            .into_iter()
            .find(|s| s.tag() == raw)
    }

    /// Tasks move forward only (pending → in progress → done, or straight to done).
    pub fn can_become(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Pending, Self::InProgress)
                | (Self::Pending, Self::Done)
                | (Self::InProgress, Self::Done)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_text(levels: &[&str]) -> String {
        let mut text = String::from(
            "id = \"p\"\nname = \"测试预案\"\nincident_types = [\"flood\"]\nsource = \"test\"\n",
        );
        for level in levels {
            text.push_str(&format!(
                "[[levels]]\nlevel = \"{level}\"\ncondition = \"c\"\ncommander = \"区长\"\n\
                 [[levels.actions]]\nowner = \"区应急管理局\"\naction = \"{level}级：会商研判\"\n\
                 [[levels.actions]]\nowner = \"区水务局\"\naction = \"{level}级：巡堤查险\"\n"
            ));
        }
        text
    }

    #[test]
    fn activation_turns_the_levels_actions_into_owned_tasks() {
        let plan = Plan::from_toml("p.toml", &plan_text(&["I", "II", "III", "IV"])).unwrap();
        let tasks = plan.activate("flood", Severity::III).unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[0].owner, "区应急管理局");
        assert_eq!(tasks[1].action, "III级：巡堤查险");
        assert!(tasks.iter().all(|t| t.level == "III" && t.plan_id == "p"));
    }

    #[test]
    fn activation_for_another_incident_type_is_refused() {
        let plan = Plan::from_toml("p.toml", &plan_text(&["I", "II", "III", "IV"])).unwrap();
        assert!(matches!(
            plan.activate("forest_fire", Severity::I),
            Err(PlanError::WrongType { .. })
        ));
    }

    #[test]
    fn a_plan_missing_a_level_or_with_bad_types_is_refused_with_the_field() {
        let err = Plan::from_toml("p.toml", &plan_text(&["I", "II", "IV"])).unwrap_err();
        assert!(
            err.to_string().contains("level III appears 0 times"),
            "{err}"
        );
        let bad_type = plan_text(&["I", "II", "III", "IV"]).replace("[\"flood\"]", "[\"meteor\"]");
        let err = Plan::from_toml("p.toml", &bad_type).unwrap_err();
        assert!(err.to_string().contains("incident_types[0]"), "{err}");
        assert!(matches!(
            Plan::from_toml("p.toml", "id = 3"),
            Err(PlanError::Parse { .. })
        ));
    }

    #[test]
    fn tasks_move_forward_only() {
        assert!(TaskStatus::Pending.can_become(TaskStatus::InProgress));
        assert!(TaskStatus::InProgress.can_become(TaskStatus::Done));
        assert!(!TaskStatus::Done.can_become(TaskStatus::Pending));
        assert!(!TaskStatus::InProgress.can_become(TaskStatus::Pending));
    }
}
