//! The typed `$filter` AST produced by [`parse_filter`](super::parse_filter). Property
//! names are the canonical `&'static str` from the [`ResourceModel`](super::ResourceModel).

/// A parsed, validated `$filter` expression. Property names are canonical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `prop op literal`; `Literal::Null` only with `Eq`/`Ne`.
    Compare {
        property: &'static str,
        op: CompareOp,
        value: Literal,
    },
    /// `prop in (v1, v2, …)`, never empty, never containing `Null`.
    In {
        property: &'static str,
        values: Vec<Literal>,
    },
    /// `startsWith(prop, 'value')`.
    StartsWith {
        property: &'static str,
        value: String,
    },
    /// `endsWith(prop, 'value')`.
    EndsWith {
        property: &'static str,
        value: String,
    },
    /// `prop/any(x: predicate)` on a string collection.
    Any {
        property: &'static str,
        predicate: AnyPredicate,
    },
    /// `prop/all(x: predicate)` on a string collection: every item matches.
    All {
        property: &'static str,
        predicate: AnyPredicate,
    },
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    pub(crate) fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }

    /// The OData library's operator-kind name, used in type errors.
    pub(crate) fn kind_name(self) -> &'static str {
        match self {
            Self::Eq => "Equal",
            Self::Ne => "NotEqual",
            Self::Gt => "GreaterThan",
            Self::Ge => "GreaterThanOrEqual",
            Self::Lt => "LessThan",
            Self::Le => "LessThanOrEqual",
        }
    }
}

/// The predicate inside `any()`; the lambda variable is implied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyPredicate {
    /// `x eq 'v'`.
    Eq(String),
    /// `startsWith(x, 'v')`.
    StartsWith(String),
    /// `endsWith(x, 'v')`.
    EndsWith(String),
    /// `x in ('a', 'b')`.
    In(Vec<String>),
}

/// A literal value. GUIDs are `String`; date-times are normalised to `YYYY-MM-DDTHH:MM:SSZ`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    String(String),
    Bool(bool),
    Null,
    Number(i64),
    DateTime(String),
}

/// Why a filter needs the advanced query parameters (`ConsistencyLevel: eventual` + `$count=true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdvancedUse {
    /// An operator that is always advanced: `ne`, `not`, `endsWith`.
    Operator(&'static str),
    /// A property/operator pair that the directory supports only as an advanced query.
    Property(&'static str),
}

/// The result of [`parse_filter`](super::parse_filter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFilter {
    pub filter: Filter,
    /// The first advanced-only construct, if any.
    pub advanced: Option<AdvancedUse>,
}
