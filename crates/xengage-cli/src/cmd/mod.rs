//! One module per subcommand.

pub(crate) mod collect;
pub(crate) mod demo;
pub(crate) mod emulate;
pub(crate) mod oauth1;
pub(crate) mod parse;
pub(crate) mod proxy;
pub(crate) mod request;
