//! yingji-store
