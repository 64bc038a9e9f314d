//! Graph's directory entities as tenantsim stores them (`user`, `group`) and the rules that are
//! the entity's own (group validation, the SID form). Below the Graph handlers, the fixtures and
//! the pages, which all read and write them.

pub mod group;
pub mod user;
