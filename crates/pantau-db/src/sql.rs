//! SQL put together at run time for the `Any` driver, safely: text is only ever appended from
//! `&'static str` pieces written in this crate, and every value is bound as it is added, with its
//! `$n` placeholder numbered by the builder — so no value is ever formatted into SQL text and no
//! placeholder is counted by hand. The same `$n` syntax serves SQLite and PostgreSQL.

use pantau_core::access::{Permission, Principal};
use sqlx::any::{Any, AnyArguments, AnyRow};
use sqlx::{Arguments, AssertSqlSafe, Encode, FromRow, Type};

/// A statement being built: its text and the values bound so far.
#[derive(Default)]
pub struct Sql {
    text: String,
    args: AnyArguments,
    count: usize,
}

impl Sql {
    pub fn new(text: &'static str) -> Self {
        Sql {
            text: text.to_string(),
            ..Default::default()
        }
    }

    /// Appends text (never a value: see [`Sql::bind`]).
    pub fn push(&mut self, text: &'static str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends the next placeholder and binds `value` to it.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'static + Send + for<'e> Encode<'e, Any> + Type<Any>,
    {
        self.count += 1;
        self.text.push('$');
        self.text.push_str(&self.count.to_string());
        self.args
            .add(value)
            .expect("values of the Any driver's own types always encode");
        self
    }

    /// `first, $n, $n+1, …` for each value: the inside of `IN (…)`. An empty list binds one value
    /// no row can match, so the statement stays valid.
    pub fn bind_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: 'static + Send + for<'e> Encode<'e, Any> + Type<Any> + Default,
    {
        let mut any = false;
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
            any = true;
        }
        if !any {
            self.bind(T::default());
        }
        self
    }

    /// `(…), (…)` — one parenthesised row per item, its values bound by `row`: the VALUES of a
    /// multi-row INSERT.
    pub fn values<I: IntoIterator>(
        &mut self,
        items: I,
        mut row: impl FnMut(&mut Tuple<'_>, I::Item),
    ) -> &mut Self {
        for (i, item) in items.into_iter().enumerate() {
            self.push(if i == 0 { "(" } else { ", (" });
            row(
                &mut Tuple {
                    sql: self,
                    first: true,
                },
                item,
            );
            self.push(")");
        }
        self
    }

    /// `(column LIKE $n OR …)`: rows of offices in the principal's subtrees for `permission`.
    /// `false` (and nothing appended) when the principal reaches nothing — callers answer with
    /// no rows then.
    pub fn scope(&mut self, who: &Principal, permission: Permission, column: &'static str) -> bool {
        let roots = who.scope_roots(permission);
        if roots.is_empty() {
            return false;
        }
        self.push("(");
        for (i, root) in roots.iter().enumerate() {
            if i > 0 {
                self.push(" OR ");
            }
            self.push(column)
                .push(" LIKE ")
                .bind(format!("{}%", root.as_str()));
        }
        self.push(")");
        true
    }

    /// `column LIKE root% AND (scope)`: rows of offices under `root` that the principal may
    /// read for `permission` (see [`Sql::scope`]); `false` when it reaches nothing.
    pub fn within(
        &mut self,
        root: &pantau_core::org::OfficePath,
        who: &Principal,
        permission: Permission,
        column: &'static str,
    ) -> bool {
        self.push(column)
            .push(" LIKE ")
            .bind(format!("{}%", root.as_str()))
            .push(" AND ");
        self.scope(who, permission, column)
    }

    /// The statement, ready to run.
    pub fn query(self) -> sqlx::query::Query<'static, Any, AnyArguments> {
        sqlx::query_with(AssertSqlSafe(self.text), self.args)
    }

    /// The statement, its rows read as `T`.
    pub fn query_as<T>(self) -> sqlx::query::QueryAs<'static, Any, T, AnyArguments>
    where
        T: for<'r> FromRow<'r, AnyRow>,
    {
        sqlx::query_as_with(AssertSqlSafe(self.text), self.args)
    }

    /// The statement, its first column read as `T`.
    pub fn query_scalar<T>(self) -> sqlx::query::QueryScalar<'static, Any, T, AnyArguments>
    where
        (T,): for<'r> FromRow<'r, AnyRow>,
    {
        sqlx::query_scalar_with(AssertSqlSafe(self.text), self.args)
    }

    /// The text so far (for tests).
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The values of one row inside [`Sql::values`], separated by commas as they are bound.
pub struct Tuple<'a> {
    sql: &'a mut Sql,
    first: bool,
}

impl Tuple<'_> {
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'static + Send + for<'e> Encode<'e, Any> + Type<Any>,
    {
        if !self.first {
            self.sql.push(", ");
        }
        self.first = false;
        self.sql.bind(value);
        self
    }
}

/// A flag column: BOOLEAN on PostgreSQL, INTEGER 0/1 on SQLite; read either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flag(pub bool);

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        match <bool as sqlx::Decode<Any>>::decode(value.clone()) {
            Ok(b) => Ok(Flag(b)),
            Err(_) => Ok(Flag(<i64 as sqlx::Decode<Any>>::decode(value)? != 0)),
        }
    }
}

impl Type<Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <bool as Type<Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <bool as Type<Any>>::compatible(ty) || <i64 as Type<Any>>::compatible(ty)
    }
}

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_as_values_are_bound() {
        let mut sql = Sql::new("SELECT * FROM t WHERE a = ");
        sql.bind(1i64)
            .push(" AND b IN (")
            .bind_list(["x".to_string(), "y".to_string()]);
        sql.push(") LIMIT ").bind(5i64);
        assert_eq!(
            sql.text(),
            "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) LIMIT $4"
        );
        let mut empty = Sql::new("x IN (");
        empty.bind_list(Vec::<i64>::new());
        assert_eq!(empty.text(), "x IN ($1");
        let mut insert = Sql::new("INSERT INTO t (a, b) VALUES ");
        insert.values([(1i64, "p"), (2, "q")], |row, (a, b)| {
            row.bind(a).bind(b.to_string());
        });
        assert_eq!(
            insert.text(),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }

    #[test]
    fn the_scope_is_one_bound_prefix_per_subtree() {
        use pantau_core::access::{Grant, Role};
        use pantau_core::org::OfficePath;
        let grant = |role, path: OfficePath| Grant {
            role,
            office_id: 0,
            office_path: path,
            institution_id: None,
            unit_id: None,
        };
        let jabar = OfficePath::root(1).child(2);
        let who = Principal {
            user_id: 1,
            username: "u".into(),
            grants: vec![
                grant(Role::BnnkOfficer, jabar.child(3)),
                grant(Role::BnnpOfficer, OfficePath::root(1).child(5)),
            ],
        };
        let mut sql = Sql::new("WHERE ");
        assert!(sql.scope(&who, Permission::ReadData, "o.path"));
        assert_eq!(sql.text(), "WHERE (o.path LIKE $1 OR o.path LIKE $2)");
        let nobody = Principal {
            user_id: 2,
            username: "n".into(),
            grants: vec![],
        };
        assert!(!Sql::new("").scope(&nobody, Permission::ReadData, "o.path"));
    }
}
