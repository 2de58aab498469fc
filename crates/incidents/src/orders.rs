//! The lifecycle of a dispatch order (调度指令): a team is proposed, the order is sent,
//! the team accepts, sets out, arrives, finishes. It may be cancelled until it is done.

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Proposed,
    Sent,
    Accepted,
    EnRoute,
    OnScene,
    Completed,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("order is {}; it is finished and cannot become {}", from.tag(), to.tag())]
    Finished { from: OrderStatus, to: OrderStatus },
    #[error("order is {}; it cannot become {} (next is {})", from.tag(), to.tag(), from.next().map_or("nothing", OrderStatus::tag))]
    OutOfOrder { from: OrderStatus, to: OrderStatus },
    #[error("unknown order status {0:?}; one of proposed, sent, accepted, en_route, on_scene, completed, cancelled")]
    Unknown(String),
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        Self::Proposed,
        Self::Sent,
        Self::Accepted,
        Self::EnRoute,
        Self::OnScene,
        Self::Completed,
        Self::Cancelled,
    ];

    pub fn tag(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Sent => "sent",
            Self::Accepted => "accepted",
            Self::EnRoute => "en_route",
            Self::OnScene => "on_scene",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Proposed => "拟派",
            Self::Sent => "已下达",
            Self::Accepted => "已接收",
            Self::EnRoute => "出动途中",
            Self::OnScene => "到达现场",
            Self::Completed => "处置完成",
            Self::Cancelled => "已取消",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, OrderError> {
        Self::ALL
            .into_iter()
            .find(|s| s.tag() == raw)
            .ok_or_else(|| OrderError::Unknown(raw.to_string()))
    }

    /// The one step forward from here, if any.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Proposed => Some(Self::Sent),
            Self::Sent => Some(Self::Accepted),
            Self::Accepted => Some(Self::EnRoute),
            Self::EnRoute => Some(Self::OnScene),
            Self::OnScene => Some(Self::Completed),
            Self::Completed | Self::Cancelled => None,
        }
    }

    /// Whether the order still holds its team: a team on an active order is not offered
    /// to another incident.
    pub fn is_active(self) -> bool {
        !matches!(self, Self::Completed | Self::Cancelled)
    }

    /// The status after a requested step, or why the step is illegal. Steps go one at a
    /// time (a team cannot be on scene before it accepted); cancelling is allowed from any
    /// active status.
    pub fn step(self, to: Self) -> Result<Self, OrderError> {
        if !self.is_active() {
            return Err(OrderError::Finished { from: self, to });
        }
        if to == Self::Cancelled || self.next() == Some(to) {
            Ok(to)
        } else {
            Err(OrderError::OutOfOrder { from: self, to })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    #[test]
    fn an_order_walks_its_lifecycle_one_step_at_a_time() {
        let mut status = Proposed;
        for next in [Sent, Accepted, EnRoute, OnScene, Completed] {
            status = status.step(next).unwrap();
        }
        assert_eq!(status, Completed);
        assert!(!status.is_active());
    }

    #[test]
    fn completing_before_accepting_is_refused_with_the_reason() {
        let err = Sent.step(Completed).unwrap_err();
        assert_eq!(
            err,
            OrderError::OutOfOrder {
                from: Sent,
                to: Completed
            }
        );
        assert!(err.to_string().contains("next is accepted"), "{err}");
        assert!(Proposed.step(OnScene).is_err());
        assert!(Accepted.step(Sent).is_err(), "no step backwards");
    }

    #[test]
    fn cancel_is_allowed_until_the_order_is_finished() {
        for status in [Proposed, Sent, Accepted, EnRoute, OnScene] {
            assert_eq!(status.step(Cancelled), Ok(Cancelled));
            assert!(status.is_active());
        }
        assert!(matches!(
            Completed.step(Cancelled),
            Err(OrderError::Finished { .. })
        ));
        assert!(matches!(
            Cancelled.step(Sent),
            Err(OrderError::Finished { .. })
        ));
    }

    #[test]
    fn statuses_parse_from_their_tags() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.tag()), Ok(status));
        }
        assert!(OrderStatus::parse("teleported").is_err());
    }
}
