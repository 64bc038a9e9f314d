//! `$filter`: a recursive-descent parser producing the typed AST (ast.rs); it resolves property names
//! against a [`ResourceModel`] and checks operators against its whitelist
//! (<https://learn.microsoft.com/graph/filter-query-parameter>,
//! <https://learn.microsoft.com/graph/aad-advanced-queries>).
//!
//! Precedence, loosest first: `or`, `and`, `not`, comparisons / functions / lambdas.
//! Keywords and function names are case-insensitive; property names are matched
//! case-insensitively and replaced by their canonical spelling. Input length and nesting
//! depth are bounded, and no input makes the parser panic.

use super::ast::{AdvancedUse, AnyPredicate, CompareOp, Filter, Literal, ParsedFilter};
use super::error::{ODataError, ODataErrorKind};
use super::lexer::{Tok, Token, tokenize};
use super::model::{Ops, PropKind, Property, ResourceModel};

/// Longest accepted `$filter`, in characters.
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest accepted nesting of parentheses, `not` and lambdas.
pub const MAX_FILTER_DEPTH: usize = 32;

/// Parses and validates a percent-decoded `$filter` value against `model`.
pub fn parse_filter(input: &str, model: &ResourceModel) -> Result<ParsedFilter, ODataError> {
    let len = input.chars().count();
    if len > MAX_FILTER_LEN {
        // Divergence: Graph's own limit and text are not documented; tenantsim bounds the input.
        return Err(ODataError::bad_request(format!(
            "The $filter expression is too long: {len} characters (the limit is {MAX_FILTER_LEN})."
        )));
    }
    let toks = tokenize(input).map_err(|(pos, detail)| ODataError::syntax(input, pos, detail))?;
    let mut p = Parser {
        input,
        toks,
        i: 0,
        depth: 0,
        model,
        advanced: None,
    };
    let filter = p.or_expr()?;
    if p.peek() != &Tok::Eof {
        return Err(p.err("expected 'and', 'or' or the end of the expression"));
    }
    Ok(ParsedFilter {
        filter,
        advanced: p.advanced,
    })
}

/// A literal with the EDM type name it was written as.
struct Lit {
    value: Literal,
    edm: &'static str,
    pos: usize,
}

struct Parser<'a> {
    input: &'a str,
    toks: Vec<Token>,
    i: usize,
    depth: usize,
    model: &'a ResourceModel,
    advanced: Option<AdvancedUse>,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.toks.get(self.i).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn peek_at(&self, k: usize) -> &Tok {
        self.toks.get(self.i + k).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn pos(&self) -> usize {
        self.toks
            .get(self.i)
            .or(self.toks.last())
            .map_or(0, |t| t.pos)
    }

    fn bump(&mut self) {
        if self.i + 1 < self.toks.len() {
            self.i += 1;
        }
    }

    fn err(&self, detail: &str) -> ODataError {
        ODataError::syntax(self.input, self.pos(), detail)
    }

    fn is_kw(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s.eq_ignore_ascii_case(word))
    }

    fn expect(&mut self, tok: &Tok, detail: &str) -> Result<(), ODataError> {
        if self.peek() == tok {
            self.bump();
            Ok(())
        } else {
            Err(self.err(detail))
        }
    }

    fn ident(&mut self, detail: &str) -> Result<(String, usize), ODataError> {
        match self.peek().clone() {
            Tok::Ident(s) => {
                let pos = self.pos();
                self.bump();
                Ok((s, pos))
            }
            _ => Err(self.err(detail)),
        }
    }

    fn string(&mut self) -> Result<String, ODataError> {
        match self.peek().clone() {
            Tok::Str(s) => {
                self.bump();
                Ok(s)
            }
            _ => Err(self.err("expected a quoted string")),
        }
    }

    fn enter(&mut self) -> Result<(), ODataError> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            // Divergence: Graph's recursion limit and text are not documented.
            return Err(ODataError::bad_request(format!(
                "The $filter expression is nested too deeply (the limit is {MAX_FILTER_DEPTH} levels)."
            )));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Filter, ODataError> {
        let mut left = self.and_expr()?;
        while self.is_kw("or") {
            self.bump();
            let right = self.and_expr()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Filter, ODataError> {
        let mut left = self.unary()?;
        while self.is_kw("and") {
            self.bump();
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, ODataError> {
        if !self.is_kw("not") {
            return self.primary();
        }
        self.bump();
        self.enter()?;
        let inner = self.unary()?;
        self.depth -= 1;
        self.mark(AdvancedUse::Operator("not"));
        Ok(Filter::Not(Box::new(inner)))
    }

    fn primary(&mut self) -> Result<Filter, ODataError> {
        match self.peek().clone() {
            Tok::LParen => {
                self.bump();
                self.enter()?;
                let inner = self.or_expr()?;
                self.depth -= 1;
                self.expect(&Tok::RParen, "expected ')'")?;
                Ok(inner)
            }
            Tok::Ident(name) if self.peek_at(1) == &Tok::LParen => {
                self.bump();
                self.function(&name)
            }
            Tok::Ident(_) => self.property_expr(),
            _ => Err(self.err("expected a property name, a function or '('")),
        }
    }

    fn mark(&mut self, why: AdvancedUse) {
        self.advanced.get_or_insert(why);
    }

    fn resolve(&self, name: &str) -> Result<&'static Property, ODataError> {
        self.model.property(name).ok_or_else(|| {
            super::catalog::missing_property(None, self.model.type_name, name, "filtering")
        })
    }

    fn unsupported(&self, prop: &Property) -> ODataError {
        ODataError::unsupported_clause(prop.name, self.model.resource_name)
    }

    /// Checks that `prop` supports `needed`; records an advanced use if only advanced does.
    /// `operator` names an always-advanced operator (`ne`, `endsWith`) for the error text.
    fn allow(
        &mut self,
        prop: &Property,
        needed: Ops,
        operator: Option<&'static str>,
    ) -> Result<(), ODataError> {
        if prop.filter.contains(needed) {
            Ok(())
        } else if (prop.filter | prop.advanced).contains(needed) {
            self.mark(operator.map_or(AdvancedUse::Property(prop.name), AdvancedUse::Operator));
            Ok(())
        } else {
            Err(self.unsupported(prop))
        }
    }

    /// `startsWith(prop, 'v')` / `endsWith(prop, 'v')`; the name and `(` are next.
    fn function(&mut self, name: &str) -> Result<Filter, ODataError> {
        let ends = name.eq_ignore_ascii_case("endswith");
        if !ends && !name.eq_ignore_ascii_case("startswith") {
            return Err(unknown_function(name));
        }
        self.bump(); // '('
        let (prop_name, _) = self.ident("expected a property name")?;
        let prop = self.resolve(&prop_name)?;
        self.expect(&Tok::Comma, "expected ','")?;
        let value = self.string()?;
        self.expect(&Tok::RParen, "expected ')'")?;
        if prop.kind != PropKind::Str {
            return Err(self.unsupported(prop));
        }
        if ends {
            self.allow(prop, Ops::ENDS_WITH, Some("endsWith"))?;
            Ok(Filter::EndsWith {
                property: prop.name,
                value,
            })
        } else {
            self.allow(prop, Ops::STARTS_WITH, None)?;
            Ok(Filter::StartsWith {
                property: prop.name,
                value,
            })
        }
    }

    /// `prop op literal`, `prop in (…)` or `prop/any(…)`.
    fn property_expr(&mut self) -> Result<Filter, ODataError> {
        let (name, _) = self.ident("expected a property name")?;
        let prop = match self.resolve(&name) {
            Ok(prop) => prop,
            // A property Graph has and tenantsim does not store (501, README D23) still needs
            // what follows it: Graph refuses a bare property (or one followed by anything but
            // an operator) with a 400 before it looks at whether it filters on it.
            Err(error)
                if error.kind == ODataErrorKind::NotImplemented && !self.operator_follows() =>
            {
                return Err(self.missing_operator());
            }
            Err(error) => return Err(error),
        };
        if self.peek() == &Tok::Slash {
            self.bump();
            let (segment, _) = self.ident("expected 'any' or 'all' after '/'")?;
            return match segment.to_ascii_lowercase().as_str() {
                "any" => self.lambda(prop),
                // OData's `all`: every item matches (an empty collection does).
                "all" => match self.lambda(prop)? {
                    Filter::Any {
                        property,
                        predicate,
                    } => Ok(Filter::All {
                        property,
                        predicate,
                    }),
                    other => Ok(other),
                },
                // Divergence: Graph supports `/$count eq 0` as an advanced query; tenantsim does not.
                "$count" => Err(ODataError::unsupported(format!(
                    "'{}/$count' in $filter is not supported by tenantsim.",
                    prop.name
                ))),
                _ => Err(self.unsupported(prop)),
            };
        }
        if self.is_kw("in") {
            self.bump();
            return self.in_list(prop);
        }
        let op = match self.peek() {
            Tok::Ident(word) => CompareOp::parse(word),
            _ => None,
        }
        .ok_or_else(|| self.missing_operator())?;
        self.bump();
        let lit = self.literal()?;
        self.compare(prop, op, lit)
    }

    /// Whether a property name is followed by what can follow one: `/`, `in` or a comparison
    /// operator.
    fn operator_follows(&self) -> bool {
        match self.peek() {
            Tok::Slash => true,
            Tok::Ident(word) => word.eq_ignore_ascii_case("in") || CompareOp::parse(word).is_some(),
            _ => false,
        }
    }

    fn missing_operator(&self) -> ODataError {
        self.err("expected a comparison operator (eq, ne, gt, ge, lt, le, in)")
    }

    fn literal(&mut self) -> Result<Lit, ODataError> {
        let pos = self.pos();
        let (value, edm) = match self.peek().clone() {
            Tok::Str(s) => (Literal::String(s), "Edm.String"),
            Tok::Guid(g) => (Literal::String(g), "Edm.Guid"),
            Tok::Number(n) => (
                Literal::Number(n),
                if i32::try_from(n).is_ok() {
                    "Edm.Int32"
                } else {
                    "Edm.Int64"
                },
            ),
            Tok::DateTime(d) => (Literal::DateTime(d), "Edm.DateTimeOffset"),
            Tok::Ident(w) if w.eq_ignore_ascii_case("true") => (Literal::Bool(true), "Edm.Boolean"),
            Tok::Ident(w) if w.eq_ignore_ascii_case("false") => {
                (Literal::Bool(false), "Edm.Boolean")
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("null") => (Literal::Null, "null"),
            _ => return Err(self.err("expected a literal value")),
        };
        self.bump();
        Ok(Lit { value, edm, pos })
    }

    fn compare(
        &mut self,
        prop: &'static Property,
        op: CompareOp,
        lit: Lit,
    ) -> Result<Filter, ODataError> {
        let ne = (op == CompareOp::Ne).then_some("ne");
        let op_bits = match op {
            CompareOp::Eq => Ops::EQ,
            CompareOp::Ne => Ops::NE,
            _ => Ops::GE_LE,
        };
        if lit.value == Literal::Null {
            if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                return Err(ODataError::syntax(
                    self.input,
                    lit.pos,
                    "null can only be compared with eq or ne",
                ));
            }
            if matches!(prop.kind, PropKind::StrCollection | PropKind::Complex) {
                return Err(self.unsupported(prop));
            }
            self.allow(prop, op_bits | Ops::NULL, ne)?;
        } else {
            let value = self.typed(prop, lit, op.kind_name())?;
            if prop.kind == PropKind::Bool && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                return Err(self.unsupported(prop));
            }
            self.allow(prop, op_bits, ne)?;
            return Ok(Filter::Compare {
                property: prop.name,
                op,
                value,
            });
        }
        Ok(Filter::Compare {
            property: prop.name,
            op,
            value: Literal::Null,
        })
    }

    /// Checks a non-null literal against the property's type.
    fn typed(&self, prop: &Property, lit: Lit, kind_name: &str) -> Result<Literal, ODataError> {
        let prop_edm = match prop.kind {
            PropKind::Str => "Edm.String",
            PropKind::Guid => "Edm.String",
            PropKind::Bool => "Edm.Boolean",
            PropKind::DateTime => "Edm.DateTimeOffset",
            PropKind::StrCollection | PropKind::Complex => return Err(self.unsupported(prop)),
        };
        let ok = match prop.kind {
            PropKind::Guid => matches!(lit.edm, "Edm.String" | "Edm.Guid"),
            _ => lit.edm == prop_edm,
        };
        if !ok {
            // [I] the OData library's text for mismatched operand types.
            return Err(ODataError::request_bad_request(format!(
                "A binary operator with incompatible types was detected. Found operand types '{prop_edm}' and '{}' for operator kind '{kind_name}'.",
                lit.edm
            )));
        }
        if let (PropKind::Guid, Literal::String(s)) = (prop.kind, &lit.value)
            && !is_guid(s)
        {
            // [I] Graph's text for a malformed object id.
            return Err(ODataError::request_bad_request(format!(
                "Invalid object identifier '{s}'."
            )));
        }
        Ok(lit.value)
    }

    /// `(v1, v2, …)` after `prop in`.
    fn in_list(&mut self, prop: &'static Property) -> Result<Filter, ODataError> {
        self.expect(&Tok::LParen, "expected '(' after 'in'")?;
        let mut values = Vec::new();
        loop {
            let lit = self.literal()?;
            if lit.value == Literal::Null {
                return Err(ODataError::syntax(
                    self.input,
                    lit.pos,
                    "null is not allowed in an 'in' list",
                ));
            }
            values.push(self.typed(prop, lit, "In")?);
            if self.peek() == &Tok::Comma {
                self.bump();
            } else {
                break;
            }
        }
        self.expect(&Tok::RParen, "expected ',' or ')'")?;
        self.allow(prop, Ops::IN, None)?;
        Ok(Filter::In {
            property: prop.name,
            values,
        })
    }

    /// `(x: predicate)` after `prop/any`.
    fn lambda(&mut self, prop: &'static Property) -> Result<Filter, ODataError> {
        if prop.kind != PropKind::StrCollection {
            // [I] OData library wording.
            return Err(ODataError::request_bad_request(format!(
                "Any/All may only be used following a collection; '{}' is not a collection.",
                prop.name
            )));
        }
        self.expect(&Tok::LParen, "expected '(' after 'any'")?;
        if self.peek() == &Tok::RParen {
            return Err(self.unsupported(prop));
        }
        self.enter()?;
        let (var, _) = self.ident("expected a lambda variable name")?;
        self.expect(&Tok::Colon, "expected ':' after the lambda variable")?;
        let (word, _) = self.ident("expected a lambda predicate")?;
        let (predicate, needed, operator) = if self.peek() == &Tok::LParen {
            let ends = word.eq_ignore_ascii_case("endswith");
            if !ends && !word.eq_ignore_ascii_case("startswith") {
                return Err(unknown_function(&word));
            }
            self.bump();
            self.lambda_var(&var)?;
            self.expect(&Tok::Comma, "expected ','")?;
            let value = self.string()?;
            self.expect(&Tok::RParen, "expected ')'")?;
            if ends {
                (
                    AnyPredicate::EndsWith(value),
                    Ops::ENDS_WITH,
                    Some("endsWith"),
                )
            } else {
                (AnyPredicate::StartsWith(value), Ops::STARTS_WITH, None)
            }
        } else {
            if word != var {
                return Err(self.err_at_prev("expected the lambda variable"));
            }
            if self.is_kw("in") {
                self.bump();
                self.expect(&Tok::LParen, "expected '(' after 'in'")?;
                let mut values = vec![self.string()?];
                while self.peek() == &Tok::Comma {
                    self.bump();
                    values.push(self.string()?);
                }
                self.expect(&Tok::RParen, "expected ',' or ')'")?;
                (AnyPredicate::In(values), Ops::IN, None)
            } else if self.is_kw("eq") {
                self.bump();
                (AnyPredicate::Eq(self.string()?), Ops::EQ, None)
            } else if matches!(self.peek(), Tok::Ident(w) if CompareOp::parse(w).is_some()) {
                return Err(self.unsupported(prop));
            } else {
                return Err(self.err("expected 'eq' or 'in'"));
            }
        };
        self.expect(&Tok::RParen, "expected ')' to close the lambda")?;
        self.depth -= 1;
        self.allow(prop, Ops::ANY | needed, operator)?;
        Ok(Filter::Any {
            property: prop.name,
            predicate,
        })
    }

    fn lambda_var(&mut self, var: &str) -> Result<(), ODataError> {
        let (name, _) = self.ident("expected the lambda variable")?;
        if name == var {
            Ok(())
        } else {
            Err(self.err_at_prev("expected the lambda variable"))
        }
    }

    fn err_at_prev(&self, detail: &str) -> ODataError {
        let pos = self.toks.get(self.i.saturating_sub(1)).map_or(0, |t| t.pos);
        ODataError::syntax(self.input, pos, detail)
    }
}

fn unknown_function(name: &str) -> ODataError {
    // [V] Graph's text (Request_BadRequest) for `contains(...)`.
    ODataError::request_bad_request(format!(
        "An unknown function with name '{name}' was found. This may also be a key lookup on a navigation property, which is not allowed."
    ))
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex, any case).
pub(crate) fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(k, c)| match k {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}
