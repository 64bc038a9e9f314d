//! Protocol helpers below Graph, the identity platform and the control API: Graph's payload
//! conventions (`wire`: media type, `@odata.context`, paging links, origin) and request parsing
//! (`request`: OData options, JSON bodies with Graph's rejections). Nothing here imports a
//! handler module or the router.

/// Graph's full JSON media type; clients compare only the part before `;`. Here, not in
/// `wire`, because error rendering (below `wire`) needs it too.
pub const GRAPH_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

pub mod cloud;
pub mod request;
pub mod wire;
