//! Protocol helpers below Graph, the identity platform and the control API: Graph's payload
//! conventions (`wire`: media type, `@odata.context`, paging links, origin) and request parsing
//! (`request`: OData options, JSON bodies with Graph's rejections). Nothing here imports a
//! handler module or the router.

pub mod request;
pub mod wire;
