//! engram host library.
