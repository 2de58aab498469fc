//! Reading SensorThings resources: path resolution, jurisdiction scoping, query options,
//! `$expand`, paging links.

use super::model::{Entities, Kind};
use super::observations;
use super::query::{self, Expr, Op, Operand, Options};
use crate::Shared;
use serde_json::{json, Map, Value};
use yingji_domain::{Principal, ReadScope};
use yingji_server::error::ApiError;
use yingji_store::sqlx_error as sqlx;
use yingji_store::sqlx_error::Row;

pub struct Segment {
    pub name: String,
    pub id: Option<i64>,
}

pub fn parse_path(path: &str) -> Result<Vec<Segment>, ApiError> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| match s.find('(') {
            Some(open) if s.ends_with(')') => {
                let inner = s[open + 1..s.len() - 1].trim_matches('\'');
                let id = inner
                    .parse()
                    .map_err(|_| ApiError::not_found(format!("entity {s} (ids are integers)")))?;
                Ok(Segment {
                    name: s[..open].to_string(),
                    id: Some(id),
                })
            }
            _ => Ok(Segment {
                name: s.to_string(),
                id: None,
            }),
        })
        .collect()
}

/// What a path names.
pub enum Target {
    Entity(Kind, i64),
    Observation(i64),
    Set(Kind, Option<Vec<i64>>),
    Observations(Scope),
}

#[derive(Clone, Copy)]
pub enum Scope {
    All,
    Datastream(i64),
    Feature(i64),
}

pub struct Reader<'a> {
    pub shared: &'a Shared,
    pub principal: &'a Principal,
    pub base: String,
}

fn not_found(what: String) -> ApiError {
    ApiError::not_found(what)
}

impl Reader<'_> {
    pub async fn resolve(&self, segments: &[Segment]) -> Result<Target, ApiError> {
        let first = segments
            .first()
            .ok_or_else(|| not_found("entity set".into()))?;
        let kind = Kind::from_set(&first.name)
            .ok_or_else(|| not_found(format!("entity set {}", first.name)))?;
        let mut target = match (kind, first.id) {
            (Kind::Observation, Some(id)) => Target::Observation(id),
            (Kind::Observation, None) => Target::Observations(Scope::All),
            (kind, Some(id)) => Target::Entity(kind, id),
            (kind, None) => Target::Set(kind, None),
        };
        for segment in &segments[1..] {
            target = self.navigate(target, segment).await?;
        }
        self.check_visible(&target).await?;
        Ok(target)
    }

    async fn navigate(&self, from: Target, segment: &Segment) -> Result<Target, ApiError> {
        let (kind, id) = match from {
            Target::Entity(kind, id) => (kind, id),
            Target::Observation(id) => (Kind::Observation, id),
            _ => return Err(not_found(format!("{} after a collection", segment.name))),
        };
        self.check_visible(&if kind == Kind::Observation {
            Target::Observation(id)
        } else {
            Target::Entity(kind, id)
        })
        .await?;
        let &(_, target, many) = kind
            .navigation()
            .iter()
            .find(|(n, _, _)| *n == segment.name)
            .ok_or_else(|| {
                not_found(format!("navigation {} of {}", segment.name, kind.single()))
            })?;
        let next = match (kind, target, many) {
            (Kind::Observation, _, _) => {
                let row =
                    sqlx::query("SELECT datastream_id, foi_id FROM sta_observations WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.shared.app.store.db().reader)
                        .await
                        .map_err(yingji_store::StoreError::from)?
                        .ok_or_else(|| not_found(format!("Observations({id})")))?;
                let column = if target == Kind::Datastream { 0 } else { 1 };
                let linked: Option<i64> = row
                    .try_get(column)
                    .map_err(yingji_store::StoreError::from)?;
                Target::Entity(
                    target,
                    linked.ok_or_else(|| {
                        not_found(format!("{} of Observations({id})", target.single()))
                    })?,
                )
            }
            (_, Kind::Observation, _) => Target::Observations(if kind == Kind::Datastream {
                Scope::Datastream(id)
            } else {
                Scope::Feature(id)
            }),
            (_, target, true) => {
                Target::Set(target, Some(self.entities().related(kind, id, target)))
            }
            (_, target, false) => Target::Entity(
                target,
                self.entities().one(kind, id, target).ok_or_else(|| {
                    not_found(format!("{} of {}({id})", target.single(), kind.set()))
                })?,
            ),
        };
        match (next, segment.id) {
            (Target::Set(kind, Some(ids)), Some(id)) if ids.contains(&id) => {
                Ok(Target::Entity(kind, id))
            }
            (Target::Observations(_), Some(id)) => Ok(Target::Observation(id)),
            (_, Some(id)) => Err(not_found(format!("{}({id}) here", segment.name))),
            (next, None) => Ok(next),
        }
    }

    fn entities(&self) -> std::sync::RwLockReadGuard<'_, Entities> {
        self.shared
            .entities
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    async fn check_visible(&self, target: &Target) -> Result<(), ApiError> {
        match target {
            Target::Entity(kind, id) => {
                let entities = self.entities();
                let e = entities
                    .get(*kind, *id)
                    .ok_or_else(|| not_found(format!("{}({id})", kind.set())))?;
                if !self.principal.can_read(e.public, e.town.as_ref()) {
                    return Err(not_found(format!("{}({id})", kind.set())));
                }
            }
            Target::Observation(id) => {
                let row = sqlx::query("SELECT datastream_id FROM sta_observations WHERE id = $1")
                    .bind(*id)
                    .fetch_optional(&self.shared.app.store.db().reader)
                    .await
                    .map_err(yingji_store::StoreError::from)?;
                let ds: Option<i64> = row
                    .map(|r| r.try_get(0))
                    .transpose()
                    .map_err(yingji_store::StoreError::from)?;
                let visible = ds
                    .and_then(|ds| self.entities().stream(ds))
                    .is_some_and(|s| self.principal.can_read(s.public, s.town.as_ref()));
                if !visible {
                    return Err(not_found(format!("Observations({id})")));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The response body for a target with its options; `path` and `query` rebuild nextLink.
    pub async fn read(
        &self,
        target: Target,
        options: &Options,
        path: &str,
        pairs: &[(String, String)],
    ) -> Result<Value, ApiError> {
        match target {
            Target::Entity(kind, id) => {
                let mut value = self.render(kind, id);
                self.expand(kind, id, &mut value, &options.expand).await?;
                Ok(value)
            }
            Target::Observation(id) => {
                let (mut page, _, _) = self
                    .observations(
                        Scope::All,
                        &Options {
                            filter: Some(Expr::Compare(
                                Operand::Path("id".into()),
                                Op::Eq,
                                Operand::Number(id as f64),
                            )),
                            ..Options::default()
                        },
                    )
                    .await?;
                let mut value = page
                    .pop()
                    .ok_or_else(|| not_found(format!("Observations({id})")))?;
                self.expand_observation(&mut value, &options.expand).await?;
                Ok(value)
            }
            Target::Set(kind, ids) => {
                let (page, count, more) = self.collection(kind, ids, options).await?;
                Ok(envelope(
                    page,
                    count,
                    more.then(|| next_link(&self.base, path, pairs, options)),
                ))
            }
            Target::Observations(scope) => {
                let (mut page, count, more) = self.observations(scope, options).await?;
                for value in &mut page {
                    self.expand_observation(value, &options.expand).await?;
                }
                Ok(envelope(
                    page,
                    count,
                    more.then(|| next_link(&self.base, path, pairs, options)),
                ))
            }
        }
    }

    fn render(&self, kind: Kind, id: i64) -> Value {
        let entities = self.entities();
        let Some(e) = entities.get(kind, id) else {
            return Value::Null;
        };
        let me = format!("{}/{}({id})", self.base, kind.set());
        let mut out = Map::new();
        out.insert("@iot.id".into(), json!(id));
        out.insert("@iot.selfLink".into(), json!(me));
        out.extend(e.fields.clone());
        for (nav, _, _) in kind.navigation() {
            out.insert(
                format!("{nav}@iot.navigationLink"),
                json!(format!("{me}/{nav}")),
            );
        }
        Value::Object(out)
    }

    async fn collection(
        &self,
        kind: Kind,
        ids: Option<Vec<i64>>,
        options: &Options,
    ) -> Result<(Vec<Value>, Option<usize>, bool), ApiError> {
        let visible: Vec<i64> = {
            let entities = self.entities();
            let keep =
                |e: &super::model::Entity| self.principal.can_read(e.public, e.town.as_ref());
            match ids {
                Some(ids) => ids
                    .into_iter()
                    .filter(|id| entities.get(kind, *id).is_some_and(keep))
                    .collect(),
                None => entities
                    .all(kind)
                    .filter(|e| keep(e))
                    .map(|e| e.id)
                    .collect(),
            }
        };
        let mut values: Vec<Value> = visible
            .into_iter()
            .map(|id| self.render(kind, id))
            .collect();
        if let Some(filter) = &options.filter {
            values.retain(|v| query::matches(filter, v));
        }
        if !options.order_by.is_empty() {
            query::order(&mut values, &options.order_by);
        }
        let count = options.count.then_some(values.len());
        let top = options.top_or_default();
        let more = values.len() > options.skip + top;
        let mut page: Vec<Value> = values.into_iter().skip(options.skip).take(top).collect();
        for value in &mut page {
            if let Some(id) = value.get("@iot.id").and_then(Value::as_i64) {
                self.expand(kind, id, value, &options.expand).await?;
            }
        }
        Ok((page, count, more))
    }

    fn expand<'b>(
        &'b self,
        kind: Kind,
        id: i64,
        value: &'b mut Value,
        items: &'b [query::Expand],
    ) -> futures_box::BoxFuture<'b, Result<(), ApiError>> {
        Box::pin(async move {
            for item in items {
                let &(_, target, many) = kind
                    .navigation()
                    .iter()
                    .find(|(n, _, _)| *n == item.name)
                    .ok_or_else(|| {
                        ApiError::new(
                            "invalid_query",
                            format!("$expand: {} has no {}", kind.single(), item.name),
                        )
                        .field("$expand")
                    })?;
                let expanded = if target == Kind::Observation {
                    let scope = if kind == Kind::Datastream {
                        Scope::Datastream(id)
                    } else {
                        Scope::Feature(id)
                    };
                    let (mut page, _, _) = self.observations(scope, &item.options).await?;
                    for v in &mut page {
                        self.expand_observation(v, &item.options.expand).await?;
                    }
                    Value::Array(page)
                } else if many {
                    let ids = self.entities().related(kind, id, target);
                    Value::Array(self.collection(target, Some(ids), &item.options).await?.0)
                } else {
                    let linked = self.entities().one(kind, id, target);
                    match linked {
                        Some(linked) => {
                            let mut v = self.render(target, linked);
                            self.expand(target, linked, &mut v, &item.options.expand)
                                .await?;
                            v
                        }
                        None => Value::Null,
                    }
                };
                value[item.name.as_str()] = expanded;
            }
            Ok(())
        })
    }

    async fn expand_observation(
        &self,
        value: &mut Value,
        items: &[query::Expand],
    ) -> Result<(), ApiError> {
        for item in items {
            let Some(id) = value.get("@iot.id").and_then(Value::as_i64) else {
                continue;
            };
            let target = self
                .navigate(
                    Target::Observation(id),
                    &Segment {
                        name: item.name.clone(),
                        id: None,
                    },
                )
                .await;
            if let Ok(Target::Entity(kind, linked)) = target {
                let mut v = self.render(kind, linked);
                self.expand(kind, linked, &mut v, &item.options.expand)
                    .await?;
                value[item.name.as_str()] = v;
            } else {
                return Err(ApiError::new(
                    "invalid_query",
                    format!("$expand: Observation has no {}", item.name),
                )
                .field("$expand"));
            }
        }
        Ok(())
    }

    pub async fn observations(
        &self,
        scope: Scope,
        options: &Options,
    ) -> Result<(Vec<Value>, Option<usize>, bool), ApiError> {
        let mut sql = SqlFilter::default();
        match scope {
            Scope::All => {}
            Scope::Datastream(id) => sql.clauses.push(format!("datastream_id = {id}")),
            Scope::Feature(id) => sql.clauses.push(format!("foi_id = {id}")),
        }
        if self.principal.read_scope() != ReadScope::All {
            let entities = self.entities();
            let readable: Vec<String> = entities
                .all(Kind::Datastream)
                .filter(|d| self.principal.can_read(d.public, d.town.as_ref()))
                .map(|d| d.id.to_string())
                .collect();
            sql.clauses.push(if readable.is_empty() {
                "1 = 0".into()
            } else {
                format!("datastream_id IN ({})", readable.join(","))
            });
        }
        if let Some(filter) = &options.filter {
            let clause = sql.expr(filter)?;
            sql.clauses.push(clause);
        }
        let filter = if sql.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", sql.clauses.join(" AND "))
        };
        let mut order = Vec::new();
        for (path, descending) in &options.order_by {
            order.push(format!(
                "{} {}",
                column(path).map_err(|e| e.field("$orderby"))?.0,
                if *descending { "DESC" } else { "ASC" }
            ));
        }
        order.push("id ASC".into());
        let db = self.shared.app.store.db();
        let count = if options.count {
            let text = format!("SELECT COUNT(*) FROM sta_observations{filter}");
            let mut q = sqlx::query(&text);
            for arg in &sql.args {
                q = arg.bind(q);
            }
            let row = q
                .fetch_one(&db.reader)
                .await
                .map_err(yingji_store::StoreError::from)?;
            Some(
                row.try_get::<i64, _>(0)
                    .map_err(yingji_store::StoreError::from)? as usize,
            )
        } else {
            None
        };
        let top = options.top_or_default();
        let text = format!(
            "SELECT id, phenomenon_ms, result, result_ms FROM sta_observations{filter} ORDER BY {} LIMIT {} OFFSET {}",
            order.join(", "),
            top + 1,
            options.skip
        );
        let mut q = sqlx::query(&text);
        for arg in &sql.args {
            q = arg.bind(q);
        }
        let rows = q
            .fetch_all(&db.reader)
            .await
            .map_err(yingji_store::StoreError::from)?;
        let more = rows.len() > top;
        let mut page = Vec::with_capacity(rows.len().min(top));
        for row in rows.into_iter().take(top) {
            let id: i64 = row.try_get(0).map_err(yingji_store::StoreError::from)?;
            let time: i64 = row.try_get(1).map_err(yingji_store::StoreError::from)?;
            let result: f64 = row.try_get(2).map_err(yingji_store::StoreError::from)?;
            let result_time: Option<i64> =
                row.try_get(3).map_err(yingji_store::StoreError::from)?;
            page.push(observations::render(
                &self.base,
                id,
                observations::stored_time(time)?,
                result,
                result_time.map(observations::stored_time).transpose()?,
            ));
        }
        Ok((page, count, more))
    }
}

/// A trimmed boxed-future alias (recursive `$expand`), without pulling in `futures`.
mod futures_box {
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}

enum Arg {
    Number(f64),
    Integer(i64),
}

impl Arg {
    fn bind<'q>(
        &'q self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        match self {
            Arg::Number(n) => q.bind(*n),
            Arg::Integer(n) => q.bind(*n),
        }
    }
}

#[derive(Default)]
struct SqlFilter {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

#[derive(Clone, Copy, PartialEq)]
enum ColumnType {
    Time,
    Number,
    Integer,
}

fn column(path: &str) -> Result<(&'static str, ColumnType), ApiError> {
    Ok(match path {
        "phenomenonTime" => ("phenomenon_ms", ColumnType::Time),
        "resultTime" => ("result_ms", ColumnType::Time),
        "result" => ("result", ColumnType::Number),
        "id" | "@iot.id" => ("id", ColumnType::Integer),
        "Datastream/id" | "Datastream/@iot.id" => ("datastream_id", ColumnType::Integer),
        other => {
            return Err(ApiError::new(
                "invalid_query",
                format!("Observations cannot be filtered or ordered by {other:?}; use phenomenonTime, resultTime, result, id or Datastream/id"),
            ))
        }
    })
}

impl SqlFilter {
    fn expr(&mut self, expr: &Expr) -> Result<String, ApiError> {
        Ok(match expr {
            Expr::And(a, b) => format!("({} AND {})", self.expr(a)?, self.expr(b)?),
            Expr::Or(a, b) => format!("({} OR {})", self.expr(a)?, self.expr(b)?),
            Expr::Not(a) => format!("(NOT {})", self.expr(a)?),
            Expr::Compare(Operand::Path(p), op, value) => self.compare(p, *op, value)?,
            Expr::Compare(value, op, Operand::Path(p)) => {
                let flipped = match op {
                    Op::Gt => Op::Lt,
                    Op::Ge => Op::Le,
                    Op::Lt => Op::Gt,
                    Op::Le => Op::Ge,
                    other => *other,
                };
                self.compare(p, flipped, value)?
            }
            Expr::Compare(..) => {
                return Err(ApiError::new(
                    "invalid_query",
                    "$filter: compare a property with a literal",
                )
                .field("$filter"))
            }
        })
    }

    fn compare(&mut self, path: &str, op: Op, value: &Operand) -> Result<String, ApiError> {
        let (name, kind) = column(path).map_err(|e| e.field("$filter"))?;
        let arg = match (kind, value) {
            (ColumnType::Time, Operand::Time(t)) => Arg::Integer(t.timestamp_millis()),
            (ColumnType::Time, Operand::Text(t)) => match query::parse_time(t) {
                Some(t) => Arg::Integer(t.timestamp_millis()),
                None => {
                    return Err(ApiError::new(
                        "invalid_query",
                        format!("$filter: {path} needs a time, got {t:?}"),
                    )
                    .field("$filter"))
                }
            },
            (ColumnType::Number, Operand::Number(n)) => Arg::Number(*n),
            (ColumnType::Integer, Operand::Number(n)) => Arg::Integer(*n as i64),
            (_, Operand::Null) if kind == ColumnType::Time => {
                return Ok(format!(
                    "{name} IS {}NULL",
                    if op == Op::Ne { "NOT " } else { "" }
                ))
            }
            (_, other) => {
                return Err(ApiError::new(
                    "invalid_query",
                    format!("$filter: {path} cannot be compared with {other:?}"),
                )
                .field("$filter"))
            }
        };
        self.args.push(arg);
        Ok(format!("{name} {} ${}", op.sql(), self.args.len()))
    }
}

fn envelope(page: Vec<Value>, count: Option<usize>, next: Option<String>) -> Value {
    let mut out = Map::new();
    if let Some(count) = count {
        out.insert("@iot.count".into(), json!(count));
    }
    if let Some(next) = next {
        out.insert("@iot.nextLink".into(), json!(next));
    }
    out.insert("value".into(), Value::Array(page));
    Value::Object(out)
}

fn next_link(base: &str, path: &str, pairs: &[(String, String)], options: &Options) -> String {
    let top = options.top_or_default();
    let mut query: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k != "$skip" && k != "$top")
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    query.push(format!("$top={top}"));
    query.push(format!("$skip={}", options.skip + top));
    format!("{base}/{path}?{}", query.join("&"))
}

/// Percent-encodes a query component (everything but RFC 3986 unreserved characters and `$`).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
